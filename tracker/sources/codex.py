"""Codex CLI rollouts: one request per model call (providers.md 5.2), as core.request_rows tuples.

Where the rollouts are: the plug-in, tracker.sources.agents.codex.

Counting rules:
* `event_msg` / `token_count` carries the thread's cumulative
  `total_token_usage`; an event counts only when that total advanced (Codex
  re-emits unchanged totals on rate-limit refreshes). Its tokens are the
  advance of the total (== `last_token_usage` when nothing was lost); a total
  that went backwards is a reset or a stale snapshot: `last_token_usage` then.
* Codex input includes cached input and output includes reasoning: stored
  input is input - cached, output stays inclusive, reasoning is its part.
* The model is the latest `turn_context`'s.
* Forked and sub-agent threads replay the parent's history, token counts
  included, in one burst when the child file is created: token counts in the
  second of the child's `session_meta` (or within 1 s after it) only seed the
  running total.
* A fork's rollout starts with its own `session_meta` and then replays the
  parent's items, the parent's `session_meta` among them: the first
  `session_meta` of a file names its thread (and cwd, branch, fork), later
  ones are history.
* The event key is the thread id + the cumulative totals: the same call read
  again (archived copy, re-read after truncation) maps to the same row. A file
  with no `session_meta` has no thread id to trust (its name is a copy's
  name): its key is the event's time + the totals, so the same event copied
  into two such files is one row.
* The service tier (priority, flex) comes from `thread_settings_applied`
  events or the turn context, and is priced as such.
* `rate_limits` (plan windows: `primary`, `secondary` with `used_percent`,
  `window_minutes`, `resets_at` or, in older builds, `resets_in_seconds`) become
  limit-window readings `<limit_id>.primary` / `.secondary`, stamped with the
  line's time; replayed lines of a fork carry the parent's old figures and are
  left out. A reading that repeats the previous one of its window (same percent,
  same reset) within READING_REPEAT_MS is not kept again.
The running state (totals, model, tool flag, tier, last readings) is kept in the file's
cursor so an append resumes exactly.
"""

from __future__ import annotations

import functools
from pathlib import Path

from tracker.core.limits import SAME_RESET_SLACK_MS, LimitReading
from tracker.sources import logfiles as lf
from tracker.sources.agents.codex import KIND, PROVIDER
# msgspec's decoder: this module is imported only to parse (before the import forks its parse workers,
# which then need not import it each)
from tracker.sources.codex_lines import DecodeError, decode_token_count

UNKNOWN_MODEL = "unknown"
# Codex writes {"timestamp":...,"type":<kind>,"payload":{"type":...: the kind of a
# line is in its first bytes, so lines are told apart by their head (cheaper
# than scanning all text once per pattern); other layouts are searched whole.
LINE_PREFIX = b'{"timestamp":'
HEAD_BYTES = 160
_TOOL_MARKERS = (b'"type":"function_call"', b'"type":"custom_tool_call"', b'"type":"local_shell_call"')
_FIELDS = ("input_tokens", "cached_input_tokens", "output_tokens", "reasoning_output_tokens", "total_tokens")
KNOWN_KINDS = frozenset({"session_meta", "turn_context", "response_item", "event_msg", "compacted",
                         "token_usage_record"})
SKIP_NOT_ADVANCED = "not_advanced"  # re-emitted token_count with an unchanged total
SKIP_FORK_REPLAY = "fork_replay"
REPLAY_WINDOW_MS = 1000  # a fork's replayed history is written in one burst at creation
# Within the burst, replayed calls follow each other by milliseconds; a call of the child's own takes
# a model round trip after the one before it, so a gap this short still belongs to the replay.
REPLAY_CHAIN_MS = 250
SKIP_NO_INFO = "no_usage_info"  # rate-limit-only token_count (info: null)
SKIP_REGRESSED = "total_regressed"  # total went back and no last_token_usage to use
BAD_RATE_LIMITS = "bad_rate_limits"  # a rate_limits window that cannot be read (the line's usage still counts)
DEFAULT_LIMIT_ID = "codex"  # builds before `limit_id` had one set of windows
RATE_LIMIT_SLOTS = ("primary", "secondary")
READING_REPEAT_MS = 10 * 60_000
MAX_USED_PCT = 1000  # percent: above it the figure is damage, not a window used ten times over


def _usage(raw) -> list[int] | None:
    """A TokenUsage object -> [input, cached, output, reasoning, total]; None if unusable."""
    if not isinstance(raw, dict):
        return None
    get = raw.get
    values = [get("input_tokens", 0), get("cached_input_tokens", 0), get("output_tokens", 0),
              get("reasoning_output_tokens", 0), get("total_tokens", 0)]
    a, b, c, d, t = values
    # (spelled out: a generator over the five cost more than the rest of the line's work)
    if not (type(a) is int and type(b) is int and type(c) is int and type(d) is int and type(t) is int
            and a >= 0 and b >= 0 and c >= 0 and d >= 0 and t >= 0):
        values = [lf.count(value) for value in values]  # integral floats pass; the rest is unusable
        if None in values:
            return None
    if not values[4]:
        values[4] = values[0] + values[2]
    return values


def _token_counts(u: list[int]) -> tuple[int, ...]:
    """Codex's [input, cached, output, reasoning, total] -> the six counts of core.tokens.TOKEN_FIELDS."""
    inp, cached, out = u[0], min(u[1], u[0]), u[2]
    return inp - cached, cached, 0, 0, out, min(u[3], out)


def _model_from(payload: dict) -> str | None:
    for holder in (payload, payload.get("info"), payload.get("metadata")):
        if isinstance(holder, dict):
            for name in ("model", "model_name"):
                value = holder.get(name)
                if isinstance(value, str) and value:
                    return value
    return None


def parse(fh, start: int, limit: int, result: lf.ReadResult) -> None:
    state = result.state
    path = getattr(fh, "name", "")
    if "meta" not in state:
        # whether the file's own session_meta was read; a cursor written before this was kept keyed
        # its events by session, and keeps doing so (an append must land on the same keys)
        state["meta"] = bool(state)
    state.setdefault("session", _session_from_name(path))
    skipped = result.skipped
    rows = result.rows  # core.request_rows tuples
    readings = result.readings

    for buf, end in lf.iter_blocks(fh, start, limit, result):
        view = memoryview(buf)
        s = 0
        while s < end:
            e = buf.find(b"\n", s, end)
            kind = _line_kind(buf, s, e)
            if kind is _TOOL_CALL:
                state["tool"] = True  # the call belongs to the next token_count
            elif kind is not _OTHER:
                result.lines_seen += 1
                line = view[s:e]
                if kind is _TOKEN_COUNT:  # most of what is counted: typed, unless the robust path must decide
                    try:
                        if _token_count_line(state, decode_token_count(line), skipped, rows, readings):
                            s = e + 1
                            continue
                    except DecodeError:
                        pass
                _parse_line(state, line, skipped, rows, readings)
            s = e + 1


# What a line is, told from its head without parsing it: most lines (messages,
# reasoning, tool output) are of no interest, and looking at a few bytes at known
# places in the block is much cheaper than cutting each line out.
_WANTED, _TOKEN_COUNT, _TOOL_CALL, _OTHER = object(), object(), object(), object()
_KIND_MARK = b'","type":"'
_RESPONSE_ITEM = b'response_item","payload":{"type":"'
_EVENT_MSG = b'event_msg","payload":{"type":"'
_TOKEN_COUNT_EVENT = b'token_count"'
_WANTED_EVENTS = (_TOKEN_COUNT_EVENT, b'thread_settings_applied"')
_WANTED_KINDS = (b'turn_context"', b'session_meta"')
_TOOL_CALLS = tuple(marker[len(b'"type":"'):] for marker in _TOOL_MARKERS)  # b'function_call"', ...
# (lengths as constants: this runs for every line of every rollout)
_PREFIX_LEN, _MARK_LEN, _RESPONSE_ITEM_LEN, _EVENT_MSG_LEN = map(len, (LINE_PREFIX, _KIND_MARK, _RESPONSE_ITEM, _EVENT_MSG))
_KIND_WITHIN = 80  # the kind's mark ends within this many bytes of the line's start
_TOOL_NAMES = tuple(b'"' + call for call in _TOOL_CALLS)  # b'"function_call"': any spacing around the colon


def _line_kind(buf, s: int, e: int):
    if buf.startswith(LINE_PREFIX, s):
        # {"timestamp":"...","type":"<kind>","payload":{"type":"<event>"...
        k = buf.find(_KIND_MARK, s + _PREFIX_LEN, e if e < s + _KIND_WITHIN else s + _KIND_WITHIN)
        if k != -1:
            k += _MARK_LEN
            if buf.startswith(_RESPONSE_ITEM, k):
                return _TOOL_CALL if buf.startswith(_TOOL_CALLS, k + _RESPONSE_ITEM_LEN) else _OTHER
            if buf.startswith(_EVENT_MSG, k):
                k += _EVENT_MSG_LEN
                if buf.startswith(_TOKEN_COUNT_EVENT, k):
                    return _TOKEN_COUNT
                return _WANTED if buf.startswith(_WANTED_EVENTS, k) else _OTHER
            if buf.startswith(_WANTED_KINDS, k):
                return _WANTED
    # any other layout: look for the markers in the head (or the whole line)
    head = buf[s:min(e, s + HEAD_BYTES)] if buf.startswith(LINE_PREFIX, s) else buf[s:e]
    if b'"token_count"' in head or b'"turn_context"' in head or b'"session_meta"' in head \
            or b'"thread_settings_applied"' in head:
        return _WANTED
    if b'_call"' in head and any(name in head for name in _TOOL_NAMES):
        return _TOOL_CALL
    return _OTHER


def _parse_line(state: dict, line, skipped, rows: list, readings: list) -> None:
    obj = lf.loads_line(line, skipped)
    if obj is None:
        return
    kind = obj.get("type")
    if not isinstance(kind, str):  # a list or object here is damage, and unhashable
        kind = None
    payload = obj.get("payload")
    if not isinstance(payload, dict):
        skipped[lf.UNKNOWN_KIND if kind not in KNOWN_KINDS else lf.NOT_AN_OBJECT] += 1
        return
    if kind == "event_msg":
        event_type = payload.get("type")
        if event_type == "token_count":
            ts_ms = lf.parse_ts_ms(obj.get("timestamp"))  # (each half counts a bad one, as it always did)
            row = _token_count(state, ts_ms, payload, skipped)
            if row is not None:
                rows.append(row)
            rate_limits = payload.get("rate_limits")
            if rate_limits is None:
                pass
            elif not isinstance(rate_limits, dict):
                skipped[BAD_RATE_LIMITS] += 1
            else:
                _rate_limits(state, ts_ms, rate_limits.get("limit_id"), rate_limits.get("limit_name"),
                             (rate_limits.get("primary"), rate_limits.get("secondary")), _window_reading, skipped,
                             readings)
        elif event_type == "thread_settings_applied":
            _service_tier(state, payload.get("thread_settings"))
    elif kind == "turn_context":
        model = _model_from(payload)
        if model:
            state["model"] = model
        if isinstance(payload.get("cwd"), str):
            state["cwd"] = payload["cwd"]
        _service_tier(state, payload)
    elif kind == "session_meta":
        _session_meta(state, obj, payload)
    elif kind not in KNOWN_KINDS:
        skipped[lf.UNKNOWN_KIND] += 1


def _service_tier(state: dict, holder) -> None:
    """Priority / flex processing is billed differently: remember it for the calls that follow."""
    if isinstance(holder, dict) and "service_tier" in holder:
        tier = holder["service_tier"]
        state["tier"] = tier if isinstance(tier, str) and tier else None


def _session_from_name(path: str) -> str:
    # rollout-2025-06-01T10-00-00-<uuid>.jsonl: the last 36 characters are the thread id
    stem = lf.path_text(Path(path).stem)
    return stem[-36:] if len(stem) >= 36 else stem


def _session_meta(state: dict, obj: dict, payload: dict) -> None:
    if state.get("meta"):  # a fork's replay of its parent's session_meta: history, not this thread
        return
    state["meta"] = True
    if isinstance(payload.get("id"), str) and payload["id"]:
        state["session"] = payload["id"]
    if isinstance(payload.get("cwd"), str):
        state["cwd"] = payload["cwd"]
    git = payload.get("git")
    if isinstance(git, dict) and isinstance(git.get("branch"), str):
        state["branch"] = git["branch"]
    source = payload.get("source")
    forked = (
        bool(payload.get("forked_from_id"))
        or (isinstance(source, dict) and "subagent" in source)
        or payload.get("thread_source") in ("subagent", "guardian_review")
    )
    ts = lf.parse_ts_ms(obj.get("timestamp") or payload.get("timestamp"))
    if forked and ts is not None:
        state["replay_ms"] = ts  # the replay burst is written right after this line
        state["forked_ms"] = ts  # nothing of the child's own is older than this


def _replay(state: dict, ts_ms: int) -> tuple[bool, bool]:
    """(stamped before the fork, in the fork's replay burst) for a line of time ts_ms.

    A fork replays its parent's history: a call stamped before the fork itself (replays that keep
    the parent's times), or one of the burst written at creation: ccusage's rule (the fork's
    second), widened to a window, then chained call to call while they follow within
    REPLAY_CHAIN_MS, so a long history's burst that outlasts the window is still recognised.
    """
    replay_ms = state.get("replay_ms")
    forked_ms = state.get("forked_ms")
    stamped_before = forked_ms is not None and ts_ms < forked_ms
    chained = state.get("replay_chained", False)
    in_burst = replay_ms is not None and (
        0 <= ts_ms - replay_ms < REPLAY_CHAIN_MS if chained
        else ts_ms // 1000 == replay_ms // 1000 or 0 <= ts_ms - replay_ms < REPLAY_WINDOW_MS)
    return stamped_before, in_burst


def _rate_limits(state: dict, ts_ms: int | None, limit_id, name, windows: tuple, read_window, skipped,
                 readings: list) -> None:
    """The plan windows a token_count line (of time ts_ms) carries, as readings (see the module's docstring).

    `windows`: the primary and secondary windows as the line has them (None: absent), each read by
    read_window(window, limit id, name, ts_ms) (a reading, or None when it cannot be read).
    """
    if ts_ms is None:
        skipped[lf.BAD_TIMESTAMP] += 1
        return
    if _forked(state) and any(_replay(state, ts_ms)):  # the parent's figures of another time
        return
    limit_id = limit_id if isinstance(limit_id, str) and limit_id else DEFAULT_LIMIT_ID
    name = name if isinstance(name, str) and name else None
    last = state.setdefault("readings", {})
    for slot_id, window in zip(_slot_ids(limit_id), windows):
        if window is None:
            continue
        reading = read_window(window, slot_id, name, ts_ms)
        if reading is None:
            skipped[BAD_RATE_LIMITS] += 1
            continue
        previous = last.get(reading.limit_id)  # [observed_ms, used_pct, resets_at_ms] of the last kept
        if previous is not None and previous[1] == reading.used_pct and 0 <= ts_ms - previous[0] < READING_REPEAT_MS \
                and _same_reset(previous[2], reading.resets_at_ms):
            continue
        last[reading.limit_id] = [ts_ms, reading.used_pct, reading.resets_at_ms]
        readings.append(reading)


def _forked(state: dict) -> bool:
    """Whether the file is a fork's or a sub-agent's (only those replay a parent's history: see _replay)."""
    return "forked_ms" in state or "replay_ms" in state


@functools.lru_cache(maxsize=64)  # a handful of limit ids, on every token_count line
def _slot_ids(limit_id: str) -> tuple[str, ...]:
    """The readings' limit ids of a rate-limit set's windows (`codex.primary`, `codex.secondary`)."""
    return tuple(f"{limit_id}.{slot}" for slot in RATE_LIMIT_SLOTS)


def _same_reset(a: int | None, b: int | None) -> bool:
    """The same reset time, give or take the second that `resets_in_seconds` (relative to each line) moves by."""
    return a == b or (a is not None and b is not None and abs(a - b) <= SAME_RESET_SLACK_MS)


def _window_reading(window, limit_id: str, name: str | None, ts_ms: int) -> LimitReading | None:
    if not isinstance(window, dict):
        return None
    return _reading(window.get("used_percent"), window.get("window_minutes"), window.get("resets_at"),
                    window.get("resets_in_seconds"), limit_id, name, ts_ms)


def _struct_window_reading(window, limit_id: str, name: str | None, ts_ms: int) -> LimitReading | None:
    return _reading(window.used_percent, window.window_minutes, window.resets_at, window.resets_in_seconds,
                    limit_id, name, ts_ms)


def _reading(used, minutes, resets_at, resets_in, limit_id: str, name: str | None, ts_ms: int) -> LimitReading | None:
    """A window's reading from its values as the line has them, or None when they cannot be read."""
    if type(used) not in (int, float) or not 0 <= used <= MAX_USED_PCT:  # (bool is not int here)
        return None  # NaN fails the range test too
    if type(minutes) is not int or minutes <= 0:
        minutes = lf.count(minutes)
    resets_at_ms = None
    if resets_at is not None:
        if isinstance(resets_at, str):
            resets_at_ms = lf.parse_ts_ms(resets_at)
        elif not isinstance(resets_at, bool) and isinstance(resets_at, (int, float)) and 0 < resets_at < 1e14:
            # Unix seconds, as documented; a value this large is milliseconds
            resets_at_ms = int(resets_at * 1000) if resets_at < 1e11 else int(resets_at)
        if resets_at_ms is None:
            return None
    elif resets_in is not None:  # older builds: relative to the line's time
        seconds = lf.count(resets_in)
        if seconds is None or seconds > 10**9:
            return None
        resets_at_ms = ts_ms + seconds * 1000
    # (positional: thousands of readings a first import)
    return LimitReading(KIND, limit_id, ts_ms, float(used), minutes or None, resets_at_ms, name)


def _token_count(state: dict, ts_ms: int | None, payload: dict, skipped) -> tuple | None:
    """The call a token_count line (of time ts_ms) reports, as a core.request_rows tuple."""
    info = payload.get("info")
    if info is None:
        skipped[SKIP_NO_INFO] += 1
        return None
    if not isinstance(info, dict):
        skipped[lf.BAD_NUMBER] += 1
        return None
    total = _usage(info.get("total_token_usage"))
    last = _usage(info.get("last_token_usage")) if info.get("last_token_usage") is not None else None
    if total is None or (last is None and info.get("last_token_usage") is not None):
        skipped[lf.BAD_NUMBER] += 1
        return None
    return _call(state, ts_ms, total, last, _model_from(payload), skipped)


def _token_count_line(state: dict, rec, skipped, rows: list, readings: list) -> bool:
    """A token_count line as codex_lines decoded it: what _parse_line does with it; False when it is not
    one after all (the robust path then reads it)."""
    payload = rec.payload
    if rec.type != "event_msg" or payload is None or payload.type != "token_count":
        return False
    ts_ms = lf.parse_ts_ms(rec.timestamp)
    info = payload.info
    if info is None:
        skipped[SKIP_NO_INFO] += 1
    else:
        total = _struct_usage(info.total_token_usage)
        if total is None:
            skipped[lf.BAD_NUMBER] += 1
        else:
            metadata = payload.metadata
            model = (payload.model or payload.model_name or info.model or info.model_name
                     or (metadata.model or metadata.model_name if metadata is not None else None))
            row = _call(state, ts_ms, total, _struct_usage(info.last_token_usage), model, skipped)
            if row is not None:
                rows.append(row)
    limits = payload.rate_limits
    if limits is not None:
        _rate_limits(state, ts_ms, limits.limit_id, limits.limit_name, (limits.primary, limits.secondary),
                     _struct_window_reading, skipped, readings)
    return True


def _struct_usage(u) -> list[int] | None:
    """_usage of a codex_lines.TokenUsage (its counts already checked)."""
    if u is None:
        return None
    values = [u.input_tokens, u.cached_input_tokens, u.output_tokens, u.reasoning_output_tokens, u.total_tokens]
    if not values[4]:
        values[4] = values[0] + values[2]
    return values


def _call(state: dict, ts_ms: int | None, total: list[int], last: list[int] | None, payload_model: str | None,
          skipped) -> tuple | None:
    """The call of a token_count line from its running total and its own figures (see the module's docstring)."""
    if ts_ms is None:
        skipped[lf.BAD_TIMESTAMP] += 1
        return None
    baseline = state.get("totals")
    prev = baseline or [0, 0, 0, 0, 0]
    if _forked(state):
        stamped_before, in_burst = _replay(state, ts_ms)
        if stamped_before or in_burst:
            state["totals"] = total  # the replayed totals are the child's baseline
            state["tool"] = False
            if in_burst:
                state["replay_ms"], state["replay_chained"] = ts_ms, True
            skipped[SKIP_FORK_REPLAY] += 1
            return None
        state.pop("replay_ms", None)  # the burst is over: the child's own calls follow
        state.pop("replay_chained", None)
    if total == prev:
        skipped[SKIP_NOT_ADVANCED] += 1
        return None
    delta = [t - p for t, p in zip(total, prev)]
    if baseline is None and last is not None:
        # the first call of a file with no running total before it: a thread resumed in a new
        # rollout file carries the thread's whole total forward, so only the call's own figures count
        delta = last
        state["totals"] = total
    elif min(delta) >= 0:  # every running total advanced or stayed
        state["totals"] = total
    elif last is not None:
        # reset or stale snapshot: the call's own figures; the key (its totals)
        # makes a stale re-emit of an earlier event land on that event's row
        delta = last
    else:
        skipped[SKIP_REGRESSED] += 1
        return None
    tool = bool(state.pop("tool", False))
    session = state.get("session")
    cwd = state.get("cwd")
    owner = session if state.get("meta") else f"@{ts_ms}"  # no session_meta: the event's time instead
    return (f"{owner}:{total[0]}:{total[1]}:{total[2]}:{total[3]}:{total[4]}", ts_ms,
            state.get("model") or payload_model or UNKNOWN_MODEL, PROVIDER, session, lf.project_of(cwd), cwd,
            state.get("branch"), *_token_counts(delta), tool, state.get("tier"), None, None, None)
