"""Claude Code transcripts: one UsageEvent per API response (providers.md 5.1).

Where: `$CLAUDE_CONFIG_DIR` (comma-separated; each entry may already end in
`projects`) replaces the defaults `~/.config/claude/projects` and
`~/.claude/projects` (both read). Every `*.jsonl` below them, which covers
sub-agent transcripts in both layouts (`<session>/subagents/agent-*.jsonl` and
the older flat `agent-*.jsonl`); `journal.jsonl` is workflow metadata.

Counting rules:
* one response is written as several lines (one per content block) repeating
  message.id, requestId and usage: the event key is the message id, and the
  copy with the most tokens wins (in a batch here, across batches and files in
  the store's keep-most-complete upsert);
* a sidechain (`/btw`, sub-agent) transcript can replay a parent's message
  with the same message.id under another requestId: keying on message.id
  alone counts it once (message ids are unique per API response);
* `<synthetic>` lines are local error notices, not API calls: skipped.
Prompt and response text are never kept: only ids, model, times and counts.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import orjson

from tracker.core.records import UsageEvent
from tracker.core.tokens import Tokens
from tracker.sources import logfiles as lf

KIND = "claude_code"
PROVIDER = "anthropic"
SYNTHETIC_MODEL = "<synthetic>"
# ccusage's prefilter: only lines with a usage object can carry usage.
PATTERNS = (b'"usage":{',)
# Line kinds that never carry usage; anything else without usage is "unknown".
KNOWN_KINDS = frozenset({
    "user", "assistant", "system", "summary", "file-history-snapshot", "progress", "queue-operation",
    "attachment", "result",
})
SKIP_SYNTHETIC = "synthetic"
SKIP_NO_USAGE = "no_usage"
SKIP_DUPLICATE = "duplicate"  # another copy of the same response (streamed blocks, replays)


def roots(configured: list[Path] | None = None) -> list[Path]:
    """Explicit folders (like CLAUDE_CONFIG_DIR entries), else the environment, else the defaults."""
    configured = configured or lf.env_list("CLAUDE_CONFIG_DIR")
    if configured:
        candidates = [p if p.name == "projects" else p / "projects" for p in configured]
    else:
        xdg = os.environ.get("XDG_CONFIG_HOME")
        config = Path(os.path.expanduser(xdg)) if xdg else lf.home() / ".config"
        candidates = [config / "claude" / "projects", lf.home() / ".claude" / "projects"]
    return lf.unique_dirs(candidates)


def discover(configured: list[Path] | None = None) -> list[str]:
    main, agents = [], []
    for root in roots(configured):
        for path in lf.walk_files(root, (".jsonl",)):
            name = os.path.basename(path)
            subagent = "subagents" in lf.path_parts(path)
            if name == "journal.jsonl" and subagent:
                continue
            (agents if subagent or name.startswith("agent-") else main).append(path)
    # main transcripts before sub-agent ones (each in walk order), so that on a
    # tie the main copy of a replayed message is the one kept
    return main + agents


def parse(fh, start: int, limit: int, result: lf.ReadResult) -> None:
    path = getattr(fh, "name", "")
    fallback_session = Path(path).stem if path else None
    best: dict[str, UsageEvent] = {}
    skipped = result.skipped
    for line in lf.iter_lines(fh, start, limit, PATTERNS, result):
        obj, tool_use = _parse_slim(line)
        if obj is None:
            obj = lf.loads_line(line, skipped)
            if obj is None:
                continue
        event = event_from(obj, line, skipped, fallback_session, tool_use)
        if event is not None:
            keep_most_complete(best, event, skipped)
    result.events.extend(best.values())


def _parse_slim(line: bytes) -> tuple[dict | None, bool | None]:
    """Parse the line without its content, if the cut provably hit message.content."""
    slim, tool_use = slim_line(line)
    if slim is None:
        return None, None
    try:
        obj = orjson.loads(slim)
    except orjson.JSONDecodeError:
        return None, None
    message = obj.get("message") if isinstance(obj, dict) else None
    if not isinstance(message, dict) or message.get("content") != [] or not isinstance(message.get("usage"), dict):
        return None, None  # an unexpected layout: the caller parses the whole line
    return obj, tool_use


def keep_most_complete(best: dict, event: UsageEvent, skipped) -> None:
    """One event per key: the copy with the most tokens; on a tie the first seen."""
    old = best.get(event.key)
    if old is None:
        best[event.key] = event
        return
    skipped[SKIP_DUPLICATE] += 1
    if event.tokens.total > old.tokens.total:
        best[event.key] = event


def slim_line(line: bytes) -> tuple[bytes | None, bool | None]:
    """The line with message.content emptied, and whether the content held a tool call.

    Content (text, thinking, tool input) is most of every line and none of it
    is kept, so it is cut out before parsing. Only the shape Claude Code
    writes is cut: `"content":[...],"stop_reason":...,"stop_sequence":...,
    "usage":{` with nothing structural between the content's end and usage;
    anything else returns (None, None) and the caller parses the whole line.
    """
    c = line.find(b'"content":[')
    u = line.rfind(b'"usage":{')
    if c == -1 or u < c:
        return None, None
    start = c + 10  # the '['
    span = line[start:u]
    end = span.rfind(b'],"stop_reason":')
    if end == -1:
        return None, None
    tail = span[end + 1:]
    if b"{" in tail or b"}" in tail or b"[" in tail or b"]" in tail:
        return None, None
    return line[:start] + b"[]" + tail + line[u:], b'"type":"tool_use"' in span


def event_from(obj: dict, line: bytes, skipped, fallback_session=None, tool_use: bool | None = None) -> UsageEvent | None:
    message = obj.get("message")
    usage = message.get("usage") if isinstance(message, dict) else None
    if not isinstance(usage, dict):
        # a "usage":{ inside tool output text or a tool result: not a response
        skipped[SKIP_NO_USAGE if obj.get("type") in KNOWN_KINDS else lf.UNKNOWN_KIND] += 1
        return None
    model = message.get("model")
    if model == SYNTHETIC_MODEL:
        skipped[SKIP_SYNTHETIC] += 1
        return None
    if not isinstance(model, str) or not model:
        skipped[lf.MISSING_MODEL] += 1
        return None
    ts_ms = lf.parse_ts_ms(obj.get("timestamp"))
    if ts_ms is None:
        skipped[lf.BAD_TIMESTAMP] += 1
        return None
    tokens = tokens_from(usage)
    if tokens is None:
        skipped[lf.BAD_NUMBER] += 1
        return None
    message_id = message.get("id")
    if isinstance(message_id, str) and message_id:
        key = message_id
    else:
        request_id = obj.get("requestId")
        if isinstance(request_id, str) and request_id:
            key = "req:" + request_id
        else:  # no identity: the line itself (an identical re-write still counts once)
            key = "line:" + hashlib.blake2b(line, digest_size=12).hexdigest()
    if tool_use is None:
        content = message.get("content")
        tool_use = isinstance(content, list) and any(
            isinstance(block, dict) and block.get("type") == "tool_use" for block in content
        )
    cwd = obj.get("cwd")
    cwd = cwd if isinstance(cwd, str) and cwd else None
    session = obj.get("sessionId")
    branch = obj.get("gitBranch")
    tier = usage.get("service_tier")
    event = UsageEvent(
        source=KIND,
        key=key,
        ts_ms=ts_ms,
        model=model,
        tokens=tokens,
        provider=PROVIDER,
        session=session if isinstance(session, str) and session else fallback_session,
        project=lf.project_of(cwd),
        cwd=cwd,
        git_branch=branch if isinstance(branch, str) and branch else None,
        tool_use=tool_use,
        service_tier=tier if isinstance(tier, str) else None,
    )
    return event


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
