"""Example Agent's reader: one UsageEvent per message with usage (imported only when a file changed)."""

from __future__ import annotations

from pathlib import Path

from tracker.core.records import UsageEvent
from tracker.core.tokens import Tokens
from tracker.sources import logfiles as lf

from tracker_example_source import KIND

MAX_FILE_BYTES = 64 * 1024 * 1024  # a session document larger than this is not read (counted)
SKIP_HUGE_FILE = "huge_file"
SKIP_NO_USAGE = "no_usage"


def parse(fh, start: int, limit: int, result: lf.ReadResult) -> None:
    """The whole document (start is 0: the plug-in's whole_files): every message, as it is now."""
    if limit > MAX_FILE_BYTES:
        result.skipped[SKIP_HUGE_FILE] += 1
        return
    data = fh.read(limit)
    result.bytes_read += len(data)
    result.lines_seen += 1
    doc = lf.loads_line(data, result.skipped)  # counts invalid_json / non_utf8 / not_an_object
    if doc is None:
        return
    session = doc.get("session")
    if not isinstance(session, str) or not session:
        session = lf.path_text(Path(fh.name).stem)
    cwd = doc.get("cwd") if isinstance(doc.get("cwd"), str) else None
    messages = doc.get("messages")
    if not isinstance(messages, list):
        result.skipped[lf.UNKNOWN_KIND] += 1
        return
    for message in messages:
        event = _event(message, session, cwd, result.skipped)
        if event is not None:
            result.events.append(event)


def _event(message, session: str, cwd: str | None, skipped) -> UsageEvent | None:
    if not isinstance(message, dict):
        skipped[lf.NOT_AN_OBJECT] += 1
        return None
    usage = message.get("usage")
    if usage is None:
        skipped[SKIP_NO_USAGE] += 1  # a user message: rightly not counted
        return None
    if not isinstance(usage, dict):
        skipped[lf.BAD_NUMBER] += 1
        return None
    counts = [lf.count(usage.get(name, 0)) for name in ("input", "cached", "output")]
    if None in counts:
        skipped[lf.BAD_NUMBER] += 1
        return None
    found = lf.model_and_time(message.get("model"), message.get("time"), skipped)
    if found is None:
        return None
    model, ts_ms = found
    message_id = message.get("id")
    if not isinstance(message_id, str) or not message_id:
        skipped[lf.UNKNOWN_KIND] += 1  # no identity: it could not be told from a copy
        return None
    inp, cached, out = counts
    return UsageEvent(
        source=KIND,
        key=f"{session}:{message_id}",
        ts_ms=ts_ms,
        model=model,  # "anthropic/claude-sonnet-4-5": the plug-in's PricingHints map it
        tokens=Tokens(input_tokens=inp, cache_read_tokens=cached, output_tokens=out),
        session=session,
        project=lf.project_of(cwd),
        cwd=cwd,
    )
