"""A base for the app's small internal record classes, without the dataclasses machinery.

Building a dataclass costs ~0.5 ms at start-up (its methods are generated as text and compiled, each time),
and the nine internal ones that `tracker import` after an append loads were ~4.5 ms of it. The plug-in
interface's classes (core.records, sources.plugin) stay dataclasses: plug-ins and tests use
dataclasses.replace on them.
"""

from __future__ import annotations


class PlainRecord:
    """Equality, hash and repr of a record from its fields, as a dataclass's (`_fields`: their names, in
    order; the subclass holds them in its __slots__ and writes its own __init__). A mutable record sets
    `__hash__ = None`, as a dataclass that is not frozen has no hash."""

    __slots__ = ()
    _fields: tuple[str, ...] = ()

    def _field_values(self) -> tuple:
        return tuple(getattr(self, name) for name in self._fields)

    def __eq__(self, other) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return self._field_values() == other._field_values()

    def __hash__(self) -> int:
        return hash(self._field_values())

    def __repr__(self) -> str:
        return f"{type(self).__qualname__}({', '.join(f'{name}={getattr(self, name)!r}' for name in self._fields)})"
