"""Claude Code transcripts: one UsageEvent per API response (providers.md 5.1).

Where the transcripts are: the plug-in, tracker.sources.agents.claude_code.

Counting rules:
* one response is written as several lines (one per content block) repeating
  message.id, requestId and usage: the event key is the message id, and the
  copy with the most tokens wins (in a batch here, across batches and files in
  the store's keep-most-complete upsert);
* a sidechain (`/btw`, sub-agent) transcript can replay a parent's message
  with the same message.id under another requestId: keying on message.id
  alone counts it once (message ids are unique per API response), and the main
  transcript's copy is the one kept whatever the counts (ccusage's rule; the
  sidechain flag is stored with the event);
* `usage.speed` ("fast": Anthropic's fast mode, a price class of its own) and
  `usage.server_tool_use.web_search_requests` (priced per search) go with the
  event to be priced;
* `<synthetic>` lines are local error notices, not API calls: skipped.
Prompt and response text are never kept: only ids, model, times and counts.
"""

from __future__ import annotations

import os
import re
import sys

from tracker.core import request_rows as rr
from tracker.core.records import replaces_copy
from tracker.core.tokens import Tokens
from tracker.core.units import WEB_SEARCHES, MAX_UNIT_COUNT
from tracker.sources import logfiles as lf
from tracker.sources.agents.claude_code import KIND, PROVIDER  # noqa: F401  (KIND: the source these rows are)

SYNTHETIC_MODEL = "<synthetic>"
# ccusage's prefilter: only lines with a usage key can carry usage. Claude Code writes compact JSON
# (`"usage":{`), but a transcript re-saved by another tool may be spaced (`"usage": {`, as json.dumps
# writes), even line by line within one file: the key is found whatever the spacing around its colon.
# A key inside a JSON string cannot match (its quotes are escaped there). re finds this literal-led
# pattern faster than bytes.find finds the compact text (~35 vs ~40 ms over 60 MiB of transcripts):
# the compact path pays nothing for it.
USAGE_KEY = re.compile(rb'"usage"[ \t]*:')
# Line kinds that never carry usage; anything else without usage is "unknown".
KNOWN_KINDS = frozenset({
    "user", "assistant", "system", "summary", "file-history-snapshot", "progress", "queue-operation",
    "attachment", "result",
})
SKIP_SYNTHETIC = "synthetic"
SKIP_NO_USAGE = "no_usage"
SKIP_DUPLICATE = "duplicate"  # another copy of the same response (streamed blocks, replays)
# msgspec's typed decoder (claude_lines) costs ~7 ms to import (with the typing_extensions, uuid and platform
# modules it loads) and then reads transcripts much faster than the standard library's json (measured on
# real transcripts: 1.2 vs 3.6 ms a MiB, so the import pays for itself after ~3 MiB). The first bytes a
# process reads (an append of a few requests) take the plain way (_row_plain: the same rows), the rest the
# typed way. The budget, half the break-even, costs a bigger import ~3.5 ms at most (none when its parse
# workers are forked: log_import loads the decoder before the fork, and then every read here is typed).
PLAIN_READ_MAX_BYTES = 3 * 1024 * 1024 // 2
_TYPED = "tracker.sources.claude_lines"
_plain_bytes_left = PLAIN_READ_MAX_BYTES  # of this process's budget of plain reads


def parse(fh, start: int, limit: int, result: lf.ReadResult) -> None:
    """The file's responses, one per message id, as core.request_rows tuples in result.rows."""
    path = getattr(fh, "name", "")
    fallback_session = lf.path_text(os.path.splitext(os.path.basename(path))[0]) if path else None
    best: dict[str, tuple] = {}
    skipped = result.skipped
    intern = {}.setdefault  # one object per repeated text of the file (core.request_rows)
    places: dict = {}  # cwd -> (the cwd, its project), made once per folder of the file
    typed = _typed_decoder(limit - start)
    if typed is not None:
        decode, decode_error = typed.decode_line, typed.DecodeError

    for buf, end in lf.iter_blocks(fh, start, limit, result):
        # the lines holding the prefilter's pattern, found inside the block and
        # decoded from a view of it: most lines carry no usage and are never copied
        view = memoryview(buf)
        line_end = 0
        for found in USAGE_KEY.finditer(buf, 0, end):
            i = found.start()
            if i < line_end:  # another usage key in the line just read
                continue
            s = buf.rfind(b"\n", 0, i) + 1
            line_end = buf.find(b"\n", i, end)
            result.lines_seen += 1
            line = view[s:line_end]
            if typed is None:
                row = _row_plain(line, skipped, fallback_session, intern, places)
            else:  # (_row_typed, spelled out: this runs for every response line of a first import)
                try:
                    row = _row_fast(decode(line), line, skipped, fallback_session, intern, places)
                except (decode_error, RecursionError):
                    row = _row_robust(line, skipped, fallback_session, intern)
            if row is not None:
                old = best.get(row[0])  # (rr.KEY)
                if old is None:  # most lines: the first copy of a response
                    best[row[0]] = row
                else:
                    keep_most_complete(best, row, skipped)
    result.rows.extend(best.values())


def _typed_decoder(read_bytes: int):
    """claude_lines (msgspec's typed decoder) for a read of `read_bytes`, or None: the read takes the plain way
    (json), while this process's budget of plain reads lasts and msgspec is not loaded already."""
    global _plain_bytes_left
    if _TYPED not in sys.modules and read_bytes <= _plain_bytes_left:
        _plain_bytes_left -= read_bytes
        return None
    return load_typed_decoder()


def load_typed_decoder():
    """The typed decoder's module; log_import loads it before it forks parse workers (a big import), which
    then need not import it each (parse.load_for_big_reads)."""
    from tracker.sources import claude_lines

    return claude_lines


def _row_plain(line, skipped, fallback_session: str | None, intern, places: dict) -> tuple | None:
    """The row the typed way gives for a line (what `parse` gives), found without msgspec or orjson: the
    standard library's json object of the line, through the robust path (row_from).

    The typed way takes msgspec's typed decode where it succeeds, else orjson's object through row_from.
    Where msgspec succeeds, the values it reads are the ones in the object, and row_from makes the same
    row of them; where it fails, the row is row_from's of orjson's object: json's object is the same one
    wherever _plain_object returns it (tests/logs/test_claude_plain.py). A line it cannot vouch for takes the
    typed way, msgspec imported then (rare: bad input).
    """
    obj = _plain_object(line)
    if obj is not None:
        return row_from(obj, line, skipped, fallback_session, intern)
    return _row_typed(load_typed_decoder(), line, skipped, fallback_session, intern, places)


def _row_typed(typed, line, skipped, fallback_session: str | None, intern, places: dict) -> tuple | None:
    """A line's row the typed way: msgspec's typed decode (claude_lines), else the robust path decides (not
    the shape claude_lines describes, or nested deeper than msgspec's limit, which raises a RecursionError:
    it failed the whole file). `parse` has this spelled out in its loop."""
    try:
        return _row_fast(typed.decode_line(line), line, skipped, fallback_session, intern, places)
    except (typed.DecodeError, RecursionError):
        return _row_robust(line, skipped, fallback_session, intern)


def _row_robust(line, skipped, fallback_session: str | None, intern) -> tuple | None:
    """A line's row from orjson's object (row_from), for a line the typed decoder rejects."""
    obj = lf.loads_line(line, skipped)
    return None if obj is None else row_from(obj, line, skipped, fallback_session, intern)


def _plain_object(line) -> dict | None:
    """json's object of a line where orjson reads the same object and the typed decoder the same counts; None
    where that is not sure: not UTF-8, not JSON, not an object; what json reads and orjson does not (an
    escaped lone surrogate, NaN, a number beyond a float's range or an integer beyond 64 bits; a nesting
    deeper than the interpreter's stack); a count that is a float (msgspec reads an integer written
    with an exponent as no int, an integer beyond 64 bits as itself)."""
    try:
        text = str(line, "utf-8")
        if "\\ud" in text or "\\uD" in text:
            return None
        obj = _plain_decoder().decode(text)
    except (ValueError, RecursionError):  # (json's errors, UnicodeDecodeError: ValueErrors)
        return None
    return obj if type(obj) is dict and not _float_count(obj) else None


def _plain_decoder():
    global _PLAIN_DECODER
    if _PLAIN_DECODER is None:
        import json  # (~1 ms, against msgspec's ~7)

        _PLAIN_DECODER = json.JSONDecoder(parse_float=_finite_float, parse_int=_int_of_64_bits,
                                          parse_constant=_no_constant)
    return _PLAIN_DECODER


_PLAIN_DECODER = None


def _finite_float(text: str) -> float:
    value = float(text)
    if value in (_INF, -_INF):
        raise ValueError(text)
    return value


def _int_of_64_bits(text: str) -> int:
    value = int(text)
    if not -(2**63) <= value < 2**64:
        raise ValueError("an integer beyond 64 bits")
    return value


def _no_constant(text: str):
    raise ValueError(text)


_INF = float("inf")


def _float_count(obj: dict) -> bool:
    """Whether a count the typed decoder reads (claude_lines' Count fields) is a float in the object."""
    message = obj.get("message")
    usage = message.get("usage") if type(message) is dict else None
    if type(usage) is not dict:
        return False
    counts = [usage.get(name) for name in ("input_tokens", "output_tokens", "cache_creation_input_tokens",
                                           "cache_read_input_tokens")]
    for part, name in (("cache_creation", "ephemeral_1h_input_tokens"), ("server_tool_use", "web_search_requests")):
        inner = usage.get(part)
        if type(inner) is dict:
            counts.append(inner.get(name))
    return any(type(value) is float for value in counts)


def _row_fast(rec, line, skipped, fallback_session: str | None, intern, places: dict) -> tuple | None:
    """The row of a line msgspec decoded (claude_lines.Line). A response as Claude Code writes it (a model, a
    message id, a time, no web search) is built here; any other line goes through _row, which decides
    (tests/logs/test_claude_plain.py: both give the same row). `places`: the file's cwd -> (cwd, project)."""
    message = rec.message
    usage = message.usage if message is not None else None
    if usage is None:
        return _not_a_response(rec.type, skipped)
    write = usage.cache_creation_input_tokens
    split = usage.cache_creation
    write_1h = min(split.ephemeral_1h_input_tokens, write) if split is not None else 0
    content = message.content
    tool_use = type(content) is list and "tool_use" in [block.type for block in content]  # a list: ~2x any()
    tools = usage.server_tool_use
    model, key, timestamp = message.model, message.id, rec.timestamp
    ts_ms = lf.parse_ts_ms(timestamp) if model and key and tools is None else None
    if ts_ms is None or model == SYNTHETIC_MODEL:
        return _row(model, timestamp,
                    (usage.input_tokens, usage.cache_read_input_tokens, write - write_1h, write_1h,
                     usage.output_tokens),
                    key, rec.requestId, line, tool_use, rec.cwd, rec.sessionId, rec.gitBranch, usage.service_tier,
                    rec.isSidechain is True, usage.speed, tools.web_search_requests if tools is not None else 0,
                    skipped, fallback_session, intern)
    # what _row makes of such a line, without its checks and calls (a first import builds hundreds of thousands)
    cwd = rec.cwd
    place = places.get(cwd)
    if place is None:
        place = places[cwd] = (intern(cwd, cwd) if cwd else None, lf.project_of(cwd))
    session, branch, tier = rec.sessionId, rec.gitBranch, usage.service_tier
    return (key, ts_ms, intern(model, model), PROVIDER, intern(session, session) if session else fallback_session,
            place[1], place[0], intern(branch, branch) if branch else None,
            usage.input_tokens, usage.cache_read_input_tokens, write - write_1h, write_1h, usage.output_tokens, 0,
            tool_use, tier and intern(tier, tier), rec.isSidechain is True, usage.speed, None)


def _not_a_response(kind, skipped) -> None:
    # a "usage":{ inside a tool result or tool input: not a response
    skipped[SKIP_NO_USAGE if isinstance(kind, str) and kind in KNOWN_KINDS else lf.UNKNOWN_KIND] += 1
    return None


def keep_most_complete(best: dict, row: tuple, skipped) -> None:
    """One row per key: the main copy, then the one with the most tokens (on a tie the first seen);
    using tools if any copy does."""
    key = row[rr.KEY]
    old = best.get(key)
    if old is None:
        best[key] = row
        return
    skipped[SKIP_DUPLICATE] += 1
    # one line per content block: the tool_use block may be any of them, not the most complete one
    if replaces_copy(row[rr.SIDECHAIN], sum(row[rr.TOKEN_TOTAL]), old[rr.SIDECHAIN], sum(old[rr.TOKEN_TOTAL])):
        best[key] = rr.with_tool_use(row) if old[rr.TOOL_USE] and not row[rr.TOOL_USE] else row
    elif row[rr.TOOL_USE] and not old[rr.TOOL_USE]:
        best[key] = rr.with_tool_use(old)


# -- the robust path: any JSON object ------------------------------------------
def row_from(obj: dict, line, skipped, fallback_session=None, intern=None) -> tuple | None:
    message = obj.get("message")
    usage = message.get("usage") if isinstance(message, dict) else None
    if not isinstance(usage, dict):
        return _not_a_response(obj.get("type"), skipped)
    content = message.get("content")
    tool_use = isinstance(content, list) and any(
        isinstance(block, dict) and block.get("type") == "tool_use" for block in content
    )
    tier = usage.get("service_tier")
    tools = usage.get("server_tool_use")
    searches = lf.count(tools.get("web_search_requests", 0)) if isinstance(tools, dict) else 0
    return _row(message.get("model"), obj.get("timestamp"), counts_from(usage), message.get("id"),
                obj.get("requestId"), line, tool_use, _text(obj.get("cwd")), _text(obj.get("sessionId")),
                _text(obj.get("gitBranch")), tier if isinstance(tier, str) else None, obj.get("isSidechain") is True,
                _text(usage.get("speed")), searches if tools is None or isinstance(tools, dict) else None,
                skipped, fallback_session, intern if intern is not None else {}.setdefault)


def _text(value) -> str | None:
    return value if isinstance(value, str) else None


def _row(model, timestamp, counts: tuple[int, ...] | None, message_id, request_id, line, tool_use: bool,
         cwd: str | None, session: str | None, branch: str | None, tier: str | None, sidechain: bool,
         speed: str | None, web_searches: int | None, skipped, fallback_session: str | None, intern) -> tuple | None:
    """The request of one response line, or None with the reason counted (both paths end here).

    `counts`: uncached input, cache read, cache write 5m and 1h, output (None when one is unusable);
    `web_searches` is None when the line's count of them is unusable (a bad number).
    """
    if model == SYNTHETIC_MODEL:
        skipped[SKIP_SYNTHETIC] += 1
        return None
    if not isinstance(model, str) or not model:
        skipped[lf.MISSING_MODEL] += 1
        return None
    ts_ms = lf.parse_ts_ms(timestamp)
    if ts_ms is None:
        skipped[lf.BAD_TIMESTAMP] += 1
        return None
    if counts is None or web_searches is None or web_searches > MAX_UNIT_COUNT:
        skipped[lf.BAD_NUMBER] += 1
        return None
    if isinstance(message_id, str) and message_id:
        key = message_id
    elif isinstance(request_id, str) and request_id:
        key = "req:" + request_id
    else:  # no identity: the line itself (an identical re-write still counts once)
        from tracker.core.digests import blake2b_hex

        key = "line:" + blake2b_hex(line, 12)
    return (key, ts_ms, intern(model, model), PROVIDER, intern(session, session) if session else fallback_session,
            lf.project_of(cwd), intern(cwd, cwd) if cwd else None, intern(branch, branch) if branch else None,
            *counts, 0, tool_use, tier and intern(tier, tier), sidechain, speed,
            {WEB_SEARCHES: web_searches} if web_searches else None)


def counts_from(usage: dict) -> tuple[int, ...] | None:
    """Anthropic usage -> (uncached input, cache read, cache write 5m, cache write 1h, output); None when a
    count is unusable (null, negative, text)."""
    tokens = tokens_from(usage)
    if tokens is None:
        return None
    return (tokens.input_tokens, tokens.cache_read_tokens, tokens.cache_write_5m_tokens,
            tokens.cache_write_1h_tokens, tokens.output_tokens)


def tokens_from(usage: dict) -> Tokens | None:
    """Anthropic usage -> Tokens; None when a count is unusable (null, negative, text)."""
    get = usage.get
    inp = lf.count(get("input_tokens", 0))
    out = lf.count(get("output_tokens", 0))
    cache_read = lf.count(get("cache_read_input_tokens", 0))
    cache_write = lf.count(get("cache_creation_input_tokens", 0))
    if inp is None or out is None or cache_read is None or cache_write is None:
        return None
    write_1h = 0
    split = get("cache_creation")
    if isinstance(split, dict):
        write_1h = lf.count(split.get("ephemeral_1h_input_tokens", 0))
        if write_1h is None:
            return None
        # the total is authoritative; the TTL split only divides it
        write_1h = min(write_1h, cache_write)
    return Tokens(
        input_tokens=inp,
        cache_read_tokens=cache_read,
        cache_write_5m_tokens=cache_write - write_1h,
        cache_write_1h_tokens=write_1h,
        output_tokens=out,
    )


parse.load_for_big_reads = load_typed_decoder  # (log_import._load_before_fork)
