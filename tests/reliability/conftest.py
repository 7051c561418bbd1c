"""The reliability suite runs bounded in CI; RELIABILITY_FULL=1 runs it in full."""

import os

FULL = os.environ.get("RELIABILITY_FULL") == "1"


def scaled(bounded: int, full: int) -> int:
    return full if FULL else bounded
