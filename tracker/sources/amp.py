"""Amp's threads: one UsageEvent per model response (docs/agents/amp.md).

Where they are: the plug-in, tracker.sources.agents.amp. A thread file is one
JSON document (`id`, `created`, `messages`, and in builds before mid-January
2026 `usageLedger.events`), rewritten as the thread grows: read whole.

* `messages[]` of role `assistant` carry `usage` (since January 2026 the only
  record): `model`, `timestamp`, `inputTokens` (uncached), `cacheReadInputTokens`,
  `cacheCreationInputTokens`, `outputTokens`, `totalInputTokens` (their sum).
* `usageLedger.events[]` (older builds): `id`, `timestamp`, `model`, `credits`,
  `tokens` (`input`, `output`, sometimes `total`), `toMessageId`: the message
  whose `usage` splits the cache out. A ledger may cover only some messages;
  the others count from their own `usage`.

Each response is keyed by thread id + message id, whichever record it came
from, so a thread rewritten with a ledger, without it, or copied elsewhere
counts each response once.
"""

from __future__ import annotations

from pathlib import Path

from tracker.core.records import UsageEvent
from tracker.core.tokens import Tokens
from tracker.sources import logfiles as lf
from tracker.sources.agents.amp import KIND

SKIP_NO_USAGE = "no_usage"  # a response (or ledger event) with no counts
KNOWN_ROLES = frozenset({"user", "system", "info"})


def parse(fh, start: int, limit: int, result: lf.ReadResult) -> None:
    path = Path(getattr(fh, "name", ""))
    doc = lf.read_json_document(fh, limit, result)
    if doc is None:  # caught mid-rewrite: read again when it changes
        return
    thread = doc.get("id") if isinstance(doc.get("id"), str) and doc.get("id") else lf.path_text(path.stem)
    messages = doc.get("messages", [])
    ledger = doc.get("usageLedger")
    events = ledger.get("events", []) if isinstance(ledger, dict) else []
    if not isinstance(messages, list) or not isinstance(events, list):
        result.skipped[lf.UNKNOWN_KIND] += 1
        return
    usages = _responses(messages, result.skipped)
    for event in events:
        result.lines_seen += 1
        if not isinstance(event, dict):
            result.skipped[lf.NOT_AN_OBJECT] += 1
            continue
        to = _message_id(event.get("toMessageId"))
        message = usages.pop(to, None) if to is not None else None
        emitted = _from_ledger(thread, event, to, message, result.skipped)
        if emitted is not None:
            result.events.append(emitted)
    for message_id, message in usages.items():
        result.lines_seen += 1
        usage = message["usage"]
        emitted = _event(thread, message_id, usage.get("model") or message.get("model"),
                         usage.get("timestamp") or message.get("timestamp"), _message_counts(usage),
                         _tool_use(message), result.skipped)
        if emitted is not None:
            result.events.append(emitted)


def _responses(messages: list, skipped) -> dict:
    """{message id: message} of the assistant messages that carry usage, in thread order."""
    found = {}
    for message in messages:
        if not isinstance(message, dict):
            skipped[lf.NOT_AN_OBJECT] += 1
            continue
        role = message.get("role")
        if role != "assistant":
            if not isinstance(role, str) or role not in KNOWN_ROLES:
                skipped[lf.UNKNOWN_KIND] += 1
            continue
        if "usage" not in message:
            continue  # a response still streaming, or cancelled before any usage
        message_id = _message_id(message.get("messageId"))
        if not isinstance(message["usage"], dict) or message_id is None:
            skipped[lf.UNKNOWN_KIND] += 1
            continue
        found[message_id] = message
    return found


def _from_ledger(thread: str, event: dict, to: str | None, message: dict | None, skipped) -> UsageEvent | None:
    """A ledger event, with its message's cache split where the thread has it."""
    usage = message["usage"] if message is not None else {}
    if message is not None:
        counts = _message_counts(usage)
    else:
        raw = event.get("tokens")
        if not isinstance(raw, dict):
            skipped[lf.BAD_NUMBER] += 1
            return None
        counts = _ledger_counts(raw)
    if to is None:  # an event that names no message: its own id, else what identifies it
        to = "event:" + str(event.get("id") if isinstance(event.get("id"), (str, int)) else
                            f"{event.get('timestamp')}:{event.get('model')}")
    return _event(thread, to, event.get("model") or usage.get("model"),
                  event.get("timestamp") or usage.get("timestamp"), counts,
                  _tool_use(message) if message is not None else None, skipped)


def _message_counts(usage: dict) -> tuple | None:
    """(uncached input, cache read, cache write, output) of a message's usage; None when a count is bad."""
    values = [_count(usage, name) for name in ("inputTokens", "cacheReadInputTokens", "cacheCreationInputTokens",
                                              "outputTokens", "totalInputTokens")]
    if None in values:
        return None
    inp, read, write, out, total_input = values
    if "inputTokens" not in usage and total_input >= read + write:  # only the sum was written
        inp = total_input - read - write
    return inp, read, write, out


def _ledger_counts(tokens: dict) -> tuple | None:
    """A ledger event's own counts: input, output, the cache where written (two spellings), or only a total."""
    values = [_count(tokens, "input"), _count(tokens, "cacheReadInputTokens", "cacheRead"),
              _count(tokens, "cacheCreationInputTokens", "cacheWrite"), _count(tokens, "output"),
              _count(tokens, "total")]
    if None in values:
        return None
    inp, read, write, out, total = values
    if not (inp or out or read or write):
        out = total  # only a total: counted as output, as ccusage does (an upper bound on the cost)
    return inp, read, write, out


def _count(raw: dict, *names: str) -> int | None:
    for name in names:
        if name in raw:
            return lf.count(raw[name]) if raw[name] is not None else 0
    return 0


def _event(thread: str, message_id: str, model, timestamp, counts: tuple | None, tool_use: bool | None,
           skipped) -> UsageEvent | None:
    if counts is None:
        skipped[lf.BAD_NUMBER] += 1
        return None
    inp, read, write, out = counts
    if not any(counts):
        skipped[SKIP_NO_USAGE] += 1
        return None
    found = lf.model_and_time(model, timestamp, skipped)
    if found is None:
        return None
    return UsageEvent(
        source=KIND,
        key=f"{thread}:{message_id}",
        ts_ms=found[1],
        model=found[0],
        tokens=Tokens(input_tokens=inp, cache_read_tokens=read, cache_write_5m_tokens=write, output_tokens=out),
        session=thread,
        tool_use=tool_use,
    )


def _message_id(value) -> str | None:
    if type(value) is int or (isinstance(value, str) and value):
        return str(value)
    return None


def _tool_use(message: dict) -> bool:
    content = message.get("content")
    return isinstance(content, list) and any(isinstance(block, dict) and block.get("type") == "tool_use"
                                             for block in content)
