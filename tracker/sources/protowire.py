"""Reading protobuf wire format without its schema: the few fields a reader names, by number.

Some agents keep usage in protobuf blobs inside their own SQLite files
(Antigravity: docs/agents/antigravity.md). Generating classes from a
vendor's .proto would pull in a dependency and break on every field the
vendor adds; walking the wire format and picking fields by number reads
what is known and skips the rest.

Every blob is untrusted: a truncated or damaged one raises WireError (a
ValueError) rather than returning a guess, and nothing here recurses, so a
deeply nested blob costs no more than a flat one. Standard library only.
"""

from __future__ import annotations

from collections.abc import Iterator

VARINT, FIXED64, LENGTH, FIXED32 = 0, 1, 2, 5
MAX_VARINT_BYTES = 10


class WireError(ValueError):
    """The bytes are not well-formed protobuf wire format."""


def _varint(buf: bytes, pos: int) -> tuple[int, int]:
    value = shift = 0
    end = min(len(buf), pos + MAX_VARINT_BYTES)
    while pos < end:
        byte = buf[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return value & 0xFFFF_FFFF_FFFF_FFFF, pos
        shift += 7
    raise WireError("truncated or overlong varint")


def fields(buf: bytes) -> Iterator[tuple[int, int, int | bytes]]:
    """(field number, wire type, value) of each field of one message, in order; value: an int or the bytes."""
    pos, size = 0, len(buf)
    while pos < size:
        tag, pos = _varint(buf, pos)
        number, wire = tag >> 3, tag & 7
        if number == 0:
            raise WireError("field number 0")
        if wire == VARINT:
            value, pos = _varint(buf, pos)
        elif wire == LENGTH:
            length, pos = _varint(buf, pos)
            if length > size - pos:
                raise WireError("length runs past the end")
            value, pos = bytes(buf[pos:pos + length]), pos + length
        elif wire in (FIXED64, FIXED32):
            width = 8 if wire == FIXED64 else 4
            if width > size - pos:
                raise WireError("fixed-width value runs past the end")
            value, pos = int.from_bytes(buf[pos:pos + width], "little"), pos + width
        else:  # groups (3, 4) and 6, 7 are not used by proto3
            raise WireError(f"unsupported wire type {wire}")
        yield number, wire, value


def scan(buf: bytes) -> dict[int, list]:
    """Every field of one message: {number: [values in order]} (the whole message is checked)."""
    found: dict[int, list] = {}
    for number, _, value in fields(buf):
        found.setdefault(number, []).append(value)
    return found


def message(found: dict[int, list], number: int) -> bytes | None:
    """The last length-delimited value of a field (proto3 merges a repeated singular field; the last wins)."""
    values = [v for v in found.get(number, ()) if isinstance(v, bytes)]
    return values[-1] if values else None


def varint(found: dict[int, list], number: int) -> int | None:
    values = [v for v in found.get(number, ()) if isinstance(v, int)]
    return values[-1] if values else None


def text(found: dict[int, list], number: int) -> str | None:
    """A string field's value, stripped; None when absent, empty or not UTF-8."""
    raw = message(found, number)
    if raw is None:
        return None
    try:
        value = raw.decode("utf-8").strip()
    except UnicodeDecodeError:
        return None
    return value or None


def varints(found: dict[int, list], number: int) -> list[int]:
    """A repeated integer field, packed (one length-delimited run) or not."""
    out: list[int] = []
    for value in found.get(number, ()):
        if isinstance(value, int):
            out.append(value)
            continue
        pos = 0
        while pos < len(value):
            item, pos = _varint(value, pos)
            out.append(item)
    return out


def timestamp_ms(raw: bytes | None) -> int | None:
    """A google.protobuf.Timestamp ({1: seconds, 2: nanos}) as epoch milliseconds; None when absent or unset."""
    if raw is None:
        return None
    found = scan(raw)
    seconds, nanos = varint(found, 1) or 0, varint(found, 2) or 0
    if seconds <= 0 or seconds >= 1 << 62 or not 0 <= nanos < 1_000_000_000:
        return None
    return seconds * 1000 + nanos // 1_000_000
