"""Python's cyclic garbage collector paused while a block builds many objects that hold no cycles."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    """The collector off for the block, and as it was after (also when the block raises).

    Each of its passes walks every object made so far: an import's hundreds of thousands of row tuples
    (~5% of a first import's CPU) or a year's sessions report's million dicts (a fifth of its CPU) were
    walked again and again for nothing. Reference counting still frees everything as before; the few
    cycles made meanwhile (an exception's traceback) are collected once it is back on.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
