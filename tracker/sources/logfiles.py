"""Reading agent log files incrementally, line by line.

Shared by the agent-log readers (tracker.sources.plugin). Finding the files is
tracker.sources.discovery's job (re-exported here: the readers' one vocabulary).
Two jobs here:

* cursors: a file's identity (device + inode + a hash of its first bytes),
  size, mtime and the offset of the last complete line consumed, so an
  unchanged file costs one stat() and an appended one is read from where the
  last import stopped;
* streaming: fixed-size chunks, only complete lines, a prefilter on raw bytes
  so that only lines that can carry usage are JSON-parsed, and huge lines
  skipped without being held in memory.
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

try:  # threading.local itself (threading takes it from _thread), without the threading module (~0.5 ms at
    # start-up), which the import of a small append needs nowhere else
    from _thread import _local as thread_local
except ImportError:  # (an interpreter without it: threading's own fallback)
    from threading import local as thread_local

from tracker.sources.discovery import (  # noqa: F401  (re-exported: what the readers use)
    FileStat,
    env_list,
    home,
    path_parts,
    path_text,
    unique_dirs,
    walk_files,
)

CHUNK_BYTES = 4 * 1024 * 1024
# A line longer than this is skipped (counted as huge_line) without being
# buffered: it bounds memory for pathological files.
MAX_LINE_BYTES = 32 * 1024 * 1024
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_RFC3339 = re.compile(r"^(\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|z|[+-]\d\d:\d\d)?$")
_ONE_MS = timedelta(milliseconds=1)
HEAD_HASH_BYTES = 1024  # first bytes hashed to notice a file replaced in place
TAIL_HASH_BYTES = 256  # last consumed bytes hashed to notice a file rewritten in place


# -- skip reasons (one vocabulary for every reader and the import report) --
INVALID_JSON = "invalid_json"
NON_UTF8 = "non_utf8"
HUGE_LINE = "huge_line"
NOT_AN_OBJECT = "not_an_object"
BAD_NUMBER = "bad_number"  # null, negative, fractional or text where a token count belongs
BAD_TIMESTAMP = "bad_timestamp"
MISSING_MODEL = "missing_model"
UNKNOWN_KIND = "unknown_kind"


def parse_ts_ms(value) -> int | None:
    """RFC 3339 text to UTC epoch milliseconds; None if unusable."""
    if not isinstance(value, str):
        return None
    try:
        dt = datetime.fromisoformat(value)
    except ValueError:
        # Python 3.10 accepts neither "Z" nor fractions other than 3 or 6 digits
        match = _RFC3339.match(value.strip())
        if match is None:
            return None
        date_time, fraction, zone = match.groups()
        fraction = (fraction or "")[:6].ljust(6, "0")
        zone = "+00:00" if zone in ("Z", "z", None) else zone
        try:
            dt = datetime.fromisoformat(f"{date_time}.{fraction}{zone}")
        except ValueError:
            return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    # integer arithmetic: float timestamps can land 1 ms early
    return (dt - _EPOCH) // _ONE_MS


# An epoch time above this is in milliseconds, below it in seconds: read the other way, either would be before
# April 1970 or after the year 2286 (Goose's own rule; ccusage's 10**12 tells the same times apart)
EPOCH_MS_FROM = 10_000_000_000


def epoch_or_text_ms(value) -> int | None:
    """A time as the agents' databases keep it, to UTC epoch milliseconds: epoch seconds or milliseconds (a
    number, or digits in text) or RFC 3339 text; None if unusable (not above 0, not finite, not a time)."""
    if type(value) in (int, float):
        return int(value if value > EPOCH_MS_FROM else value * 1000) if 0 < value < _INFINITY else None
    if isinstance(value, str):
        text = value.strip()
        return epoch_or_text_ms(int(text)) if text.isdigit() else parse_ts_ms(text)
    return None


_INFINITY = float("inf")  # (NaN is neither above 0 nor below it)


# No request reads or writes a billion tokens (the largest context windows hold ~10M): a bigger
# count in one request is a corrupt line. Below it, a request's cost in picodollars fits SQLite's
# 64-bit integers at any list price; above 2**63 the write itself would fail the whole import.
MAX_REQUEST_TOKENS = 10**9


def implausible(tokens) -> bool:
    """True when one request's token counts cannot be real (see MAX_REQUEST_TOKENS)."""
    return implausible_counts((tokens.input_tokens, tokens.cache_read_tokens, tokens.cache_write_5m_tokens,
                               tokens.cache_write_1h_tokens, tokens.output_tokens))


def implausible_counts(counts: tuple[int, ...]) -> bool:
    """implausible() of the token counts in core.tokens.TOKEN_FIELDS order (reasoning, inside output, aside)."""
    return max(counts[:5]) > MAX_REQUEST_TOKENS


def count(value) -> int | None:
    """A token count: a non-negative integer, else None (null, text, negative, bool)."""
    if type(value) is int and value >= 0:
        return value
    if type(value) is float and value >= 0 and value.is_integer():
        return int(value)
    return None


def model_and_time(model, timestamp, skipped: Counter) -> tuple[str, int] | None:
    """(model, UTC epoch ms) of a record, the two things every event needs; None with the reason counted."""
    if not isinstance(model, str) or not model:
        skipped[MISSING_MODEL] += 1
        return None
    ts_ms = parse_ts_ms(timestamp)
    if ts_ms is None:
        skipped[BAD_TIMESTAMP] += 1
        return None
    return model, ts_ms


def project_of(cwd: str | None) -> str | None:
    """The readable project: the working directory's folder name."""
    if not cwd or not isinstance(cwd, str):
        return None
    return _folder_name(cwd)


@functools.lru_cache(maxsize=1024)  # one per request, but a session works in one folder
def _folder_name(cwd: str) -> str | None:
    return cwd.replace("\\", "/").rstrip("/").rsplit("/", 1)[-1] or None


# -- reading ---------------------------------------------------------------
class ReadAbandoned(Exception):
    """The block hook raised: the read was given up (the exception it raised is the cause)."""


_block_hooks = thread_local()


def set_block_hook(hook: Callable[[int], None] | None) -> Callable[[int], None] | None:
    """Call hook(bytes of the file read so far) before each block this thread reads; returns the previous hook.

    For progress within a big file, and to give a read up: whatever the hook
    raises ends the read as ReadAbandoned from it (readers count bad input, they
    do not stop for it). A parse worker sets one for its whole life: a worker
    killed while sending its rows back would leave a half message that the
    importing process then waits on forever, so it is asked to stop instead.
    """
    previous = getattr(_block_hooks, "hook", None)
    _block_hooks.hook = hook
    return previous


@dataclass
class ReadResult:
    """What one reader returns for one file: records plus where it stopped."""

    events: list = field(default_factory=list)
    # or, from readers that find many requests, the same as plain tuples (tracker.core.request_rows)
    rows: list = field(default_factory=list)
    readings: list = field(default_factory=list)  # plan limit-window readings (core.limits.LimitReading)
    offset: int = 0  # end of the last complete line consumed
    state: dict = field(default_factory=dict)  # reader state to resume an append exactly
    skipped: Counter = field(default_factory=Counter)
    bytes_read: int = 0
    lines_seen: int = 0  # candidate lines looked at (after the prefilter)

    def usage_events(self, source: str) -> list:
        """Every request found, as UsageEvents: `events`, then `rows` turned into events (to look at them)."""
        from tracker.core.request_rows import to_event

        return list(self.events) + [to_event(row, source) for row in self.rows]


def bad_json_reason(line: bytes | memoryview) -> str:
    try:
        str(line, "utf-8")
    except UnicodeDecodeError:
        return NON_UTF8
    return INVALID_JSON


def _loads(data):
    """orjson.loads, imported on the first line parsed (~2 ms with the uuid module it loads: an append of
    a few requests may decode none this way); then this name is orjson.loads itself."""
    global _loads
    import orjson

    _loads = orjson.loads
    return _loads(data)


def loads_line(line: bytes | memoryview, skipped: Counter):
    """Parse one JSON line (bytes or a view of them), or count why not and return None."""
    try:
        obj = _loads(line)
    except ValueError:  # (orjson.JSONDecodeError is a ValueError, and the only error it raises for bytes)
        skipped[bad_json_reason(line)] += 1
        return None
    if not isinstance(obj, dict):
        skipped[NOT_AN_OBJECT] += 1
        return None
    return obj


def iter_blocks(
    fh,
    start: int,
    limit: int,
    result: ReadResult,
    chunk_bytes: int | None = None,
    max_line_bytes: int | None = None,
) -> Iterator[tuple[bytes, int]]:
    """Blocks of complete lines of fh between start and limit: (buf, end), buf[:end] whole lines.

    buf is a buffer reused by the next block: take what you need from it
    (slices are copies) before asking for the next one.

    Readers that look for a few lines in megabytes of text search the block
    itself instead of slicing out every line. Each read starts at a line start
    (the unfinished last line of a read is read again with the next block,
    rather than copying the whole block onto it). result.offset advances to
    the end of the last complete line once the caller has taken the block (a
    trailing half line stays for next time); result.bytes_read counts each
    byte of the file read once. Every line longer than max_line_bytes is
    skipped and counted (huge_line) whatever it contains, holding at most
    max_line_bytes + one chunk of it in memory.
    """
    max_line_bytes = max_line_bytes or MAX_LINE_BYTES
    # a read never exceeds the line limit, so every line inside one read is short
    # enough to keep, and only a line that spans reads can be huge
    chunk_bytes = min(chunk_bytes or CHUNK_BYTES, max_line_bytes)
    # no bigger than this read needs: a new buffer is zeroed page by page (4 MiB
    # ~6 ms), which an append of a few KiB read by a fresh process would pay
    buf = _read_buffer(max(1, min(chunk_bytes, limit - start)))
    pos = start
    furthest = start  # end of what has been read (and counted) so far
    result.offset = start
    hook = getattr(_block_hooks, "hook", None)
    while pos < limit:
        if hook is not None:
            try:
                hook(result.bytes_read)
            except Exception as exc:
                raise ReadAbandoned() from exc
        fh.seek(pos)
        n = fh.readinto(memoryview(buf)[:min(chunk_bytes, limit - pos)])
        if not n:
            break
        _buffers.last = (fh, buf, pos, n)  # (read_incremental hashes a file read in one block from here)
        if pos + n > furthest:
            result.bytes_read += pos + n - furthest
            furthest = pos + n
        cut = buf.rfind(b"\n", 0, n)
        if cut != -1:
            yield buf, cut + 1
            pos += cut + 1
            result.offset = pos
            continue
        # the line at pos is longer than one read, or is the unfinished end of the file
        line, line_end = _long_line(fh, pos, limit, bytes(buf[:n]), chunk_bytes, max_line_bytes, result)
        furthest = max(furthest, fh.tell())
        if line_end is None:
            break  # not complete yet: left for the next import
        if line is not None:
            yield line, len(line)
        pos = line_end
        result.offset = pos


_buffers = thread_local()


def _read_buffer(size: int) -> bytearray:
    """This thread's read buffer, reused from file to file.

    A fresh 4 MiB bytes object per read cost more than the read itself (the
    allocator hands back new pages that the kernel must fault in and zero).
    """
    buf = getattr(_buffers, "buf", None)
    if buf is None or len(buf) < size:
        buf = _buffers.buf = bytearray(size)
    return buf


def _long_line(fh, pos: int, limit: int, data: bytes, chunk_bytes: int, max_line_bytes: int,
               result: ReadResult) -> tuple[bytes | None, int | None]:
    """The line at pos, which did not fit in `data` (one read): (line, end offset).

    (None, end) when the line is huge (counted, dropped); (None, None) when no
    newline follows before limit (a huge unfinished line is counted already).
    """
    parts, size = [data], len(data)  # size: bytes of the line so far, without its newline
    huge = False
    while True:
        if size > max_line_bytes and not huge:
            result.skipped[HUGE_LINE] += 1
            huge, parts = True, []
        more = fh.read(min(chunk_bytes, limit - pos - size))
        if not more:
            return None, None
        result.bytes_read += len(more)
        nl = more.find(b"\n")
        if nl == -1:
            size += len(more)
            if not huge:
                parts.append(more)
            continue
        size += nl
        if size > max_line_bytes:
            if not huge:
                result.skipped[HUGE_LINE] += 1
            return None, pos + size + 1
        parts.append(more[:nl + 1])
        return b"".join(parts), pos + size + 1


def iter_lines(
    fh,
    start: int,
    limit: int,
    patterns: tuple[bytes, ...] | None,
    result: ReadResult,
    chunk_bytes: int | None = None,
    max_line_bytes: int | None = None,
) -> Iterator[bytes]:
    """Complete lines of fh between start and limit that contain one of patterns.

    patterns None yields every non-blank line. Offsets, bytes read and huge
    lines as in iter_blocks.
    """
    for buf, end in iter_blocks(fh, start, limit, result, chunk_bytes, max_line_bytes):
        yield from _lines_in(buf, end, patterns, result)


def _lines_in(buf: bytes, end: int, patterns, result: ReadResult) -> Iterator[bytes]:
    """Candidate lines within buf[:end] (which ends with a newline), in file order."""
    if patterns is None:
        start = 0
        while start < end:
            nl = buf.find(b"\n", start, end)
            line = buf[start:nl]
            start = nl + 1
            if line.strip():
                result.lines_seen += 1
                yield line
        return
    starts: set[int] | None = set() if len(patterns) > 1 else None
    found: list[tuple[int, int]] = []
    for pattern in patterns:
        i = buf.find(pattern, 0, end)
        while i != -1:
            s = buf.rfind(b"\n", 0, i) + 1
            e = buf.find(b"\n", i, end)
            if starts is None:
                found.append((s, e))
            elif s not in starts:
                starts.add(s)
                found.append((s, e))
            i = buf.find(pattern, e, end)
    if starts is not None:
        found.sort()
    for s, e in found:
        result.lines_seen += 1
        yield buf[s:e]


# -- cursors -------------------------------------------------------------------
def head_hash(path: Path | None, length: int, fh=None) -> str:
    """Hash of the first `length` bytes (at most HEAD_HASH_BYTES): the identity of what we consumed."""
    if fh is None:
        with open(path, "rb") as own:
            return head_hash(None, length, own)
    fh.seek(0)
    return _hash(fh.read(min(length, HEAD_HASH_BYTES)))


def tail_hash(fh, offset: int) -> str:
    """Hash of the last bytes consumed (at most TAIL_HASH_BYTES before offset).

    With the head hash it tells a file that only grew from one rewritten in
    place (truncated, then written again past the old end): the bytes just
    before the resume point are no longer the ones consumed.
    """
    start = max(0, offset - TAIL_HASH_BYTES)
    fh.seek(start)
    return _hash(fh.read(offset - start))


def _hash(data: bytes) -> str:
    from tracker.core.digests import blake2b_hex  # (not hashlib: OpenSSL's start-up, ~2-4 ms)

    return blake2b_hex(data, 8)


def resume_offset(stat: FileStat, cursor: dict | None) -> int:
    """Where to start reading: after the consumed part if it is still the same file, else 0.

    A file that shrank, was replaced (another inode), or whose first bytes or
    last consumed bytes changed (rewritten in place) is re-read from the
    start: rows are keyed naturally, so that is idempotent.
    """
    if not cursor:
        return 0
    offset = cursor.get("offset", 0)
    if not isinstance(offset, int) or offset <= 0 or stat.size < offset:
        return 0
    if cursor.get("ino") != stat.ino or cursor.get("dev") != stat.dev:
        return 0
    try:
        with open(stat.path, "rb") as fh:
            if head_hash(None, offset, fh) != cursor.get("head"):
                return 0
            # cursors written before the tail hash existed have none: the head decides
            if "tail" in cursor and tail_hash(fh, offset) != cursor["tail"]:
                return 0
    except OSError:
        return 0
    return offset


def cursor_value(stat: FileStat, result: ReadResult, head: str, tail: str = "") -> dict:
    return {
        "dev": stat.dev,
        "ino": stat.ino,
        "size": stat.size,
        "mtime_ns": stat.mtime_ns,
        "offset": result.offset,
        "head": head,
        "tail": tail,
        "state": result.state,
    }


def read_incremental(stat: FileStat, cursor: dict | None, parse) -> tuple[ReadResult, dict]:
    """Read what is new in one file with `parse(fh, start, limit, result)` (state in result.state).

    Returns the reader's result and the cursor to store with its rows. The
    limit is the size seen by stat(): bytes appended while we read are left
    for the next import (the stored size then differs, so it will look).
    """
    start = resume_offset(stat, cursor)
    state = dict(cursor.get("state") or {}) if (cursor and start) else {}
    result = ReadResult(state=state)
    with open(stat.path, "rb") as fh:
        _buffers.last = None
        parse(fh, start, stat.size, result)
        head, tail = _consumed_hashes(fh, result.offset) if result.offset else ("", "")
    return result, cursor_value(stat, result, head, tail)


def _consumed_hashes(fh, offset: int) -> tuple[str, str]:
    """head_hash and tail_hash of the `offset` bytes a reader consumed from fh: of the bytes it was given, when
    iter_blocks read all of them in one read of fh that is still in its buffer (most log files: one block),
    rather than read again (two seeks and reads, ~6 us a file); else read from fh."""
    last, _buffers.last = getattr(_buffers, "last", None), None
    if last is not None and last[0] is fh and last[2] == 0 and offset <= last[3]:
        data = memoryview(last[1])
        return _hash(data[:min(offset, HEAD_HASH_BYTES)]), _hash(data[max(0, offset - TAIL_HASH_BYTES):offset])
    return head_hash(None, offset, fh), tail_hash(fh, offset)


def read_whole(stat: FileStat, parse) -> tuple[ReadResult, dict]:
    """Read a file that its agent rewrites (a JSON document, an SQLite database) whole, every time it changed.

    `parse(fh, 0, stat.size, result)` reads the file as it is now (an SQLite
    reader opens fh.name itself); no state is carried from an earlier read.
    Its events are upserted like any others, in one transaction with this
    cursor: a record read again lands on its row (the source's `keep` rule
    decides between copies); a record the agent has since removed from the
    file, and the rows of a file that was deleted, stay: their requests were
    made and billed, and an agent pruning its history must not move the
    user's past totals (docs/agents/README.md). The cursor keeps the stat only.
    """
    result = ReadResult()
    with open(stat.path, "rb") as fh:
        parse(fh, 0, stat.size, result)
    result.offset = stat.size
    cursor = cursor_value(stat, result, head="", tail="")
    cursor["whole"] = True
    return result, cursor


MAX_DOCUMENT_BYTES = 256 * 1024 * 1024  # a whole-file document larger than this is skipped (counted)
HUGE_FILE = "huge_file"


def read_document(fh, limit: int, result: ReadResult) -> bytes | None:
    """The whole of a file a source reads whole (a JSON document, a CSV export); None, counted, when too big."""
    result.offset = limit
    if limit > MAX_DOCUMENT_BYTES:
        result.skipped[HUGE_FILE] += 1
        return None
    fh.seek(0)
    data = fh.read()
    result.bytes_read += len(data)
    return data


def read_json_document(fh, limit: int, result: ReadResult):
    """A whole JSON document: the object, or None (an empty file: nothing counted; too big or caught
    mid-rewrite: counted, and read again when its stat changes, once the agent finished writing it)."""
    data = read_document(fh, limit, result)
    if data is None or not data.strip():
        return None
    result.lines_seen += 1
    return loads_line(data, result.skipped)
