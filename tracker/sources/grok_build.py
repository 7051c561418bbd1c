"""Grok Build CLI session logs: one UsageEvent per model per completed turn (docs/agents/grok-build.md).

Where the files are: the plug-in, tracker.sources.agents.grok_build. Grok Build
appends every session update to `updates.jsonl` as `{"timestamp": <unix
seconds>, "method": ..., "params": {"sessionId", "update", "_meta"}}`. When a
turn (one prompt, however many model calls) ends it appends a `turn_completed`
update whose `usage` is the turn's bill: totals and `modelUsage` per model, with
`inputTokens` the whole prompt (cache reads and cache writes inside it),
`reasoningTokens` inside `outputTokens`, and the server's cost in
`costUsdTicks` (10^10 ticks to the dollar), dropped by Grok itself when the bill
is partial or incomplete. The turn's usage includes its foreground sub-agents'
spend, whose own sessions (summary.json `session_kind` "subagent...") log the
same calls again.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote

import orjson

from tracker.core.records import UsageEvent
from tracker.core.tokens import Tokens
from tracker.sources import logfiles as lf
from tracker.sources.agents.grok_build import KIND, PROVIDER

PATTERNS = (b'"turn_completed"',)
TURN_COMPLETED = "turn_completed"
SKIP_NO_USAGE = "no_usage"  # a turn that ended before any model call (cancelled), or with all counts zero
SKIP_IN_PARENT = "subagent_in_parent"  # a sub-agent session's turn: its calls are in the parent's turn
PICO_PER_TICK = 100  # a tick is 1e-10 USD, a picodollar 1e-12
MAX_TIME_MS = 253_402_300_799_000  # 9999-12-31: a later time is damage
SUMMARY_BYTES = 4 * 1024 * 1024  # a summary.json larger than this is not read (its metadata is optional)


def parse(fh, start: int, limit: int, result: lf.ReadResult) -> None:
    # an eventId read twice (a fork's copy, a second machine) is resolved, and counted, by the importer's batch
    session = _session(Path(getattr(fh, "name", "")))
    for line in lf.iter_lines(fh, start, limit, PATTERNS, result):
        record = lf.loads_line(line, result.skipped)
        if record is not None:
            result.events.extend(_events(record, session, result.skipped))


class _Session:
    """What a session's folder and summary.json say: its id, folder, model, and whether it is a sub-agent's."""

    __slots__ = ("id", "cwd", "model", "subagent")

    def __init__(self, id: str, cwd: str | None, model: str | None, subagent: bool):
        self.id, self.cwd, self.model, self.subagent = id, cwd, model, subagent


def _session(path: Path) -> _Session:
    folder = path.parent
    summary = _summary(folder / "summary.json")
    info = summary.get("info") if isinstance(summary.get("info"), dict) else {}
    kind = _text(summary.get("session_kind")) or ""
    return _Session(_text(info.get("id")) or lf.path_text(folder.name),
                    _text(info.get("cwd")) or _decoded_folder(folder.parent.name),
                    _text(summary.get("current_model_id")), kind.startswith("subagent"))


def _summary(path: Path) -> dict:
    """The session's summary.json (optional: an older or damaged one reads as empty)."""
    try:
        with open(path, "rb") as fh:
            data = fh.read(SUMMARY_BYTES + 1)
        summary = orjson.loads(data) if len(data) <= SUMMARY_BYTES else None
    except (OSError, orjson.JSONDecodeError):
        return {}
    return summary if isinstance(summary, dict) else {}


def _decoded_folder(name: str) -> str | None:
    """The working folder a session group is named after (URL-encoded: `%2Fhome%2Fdev%2Fapi`); a long one is a
    slug and hash instead (its path in a `.cwd` file, not read): None."""
    decoded = unquote(name)
    return lf.path_text(decoded) if decoded.startswith("/") or decoded[1:3] == ":\\" else None


def _text(value) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def _events(record: dict, session: _Session, skipped) -> list[UsageEvent]:
    params = record.get("params")
    update = params.get("update") if isinstance(params, dict) else None
    if not isinstance(update, dict):
        skipped[lf.NOT_AN_OBJECT if "params" in record else lf.UNKNOWN_KIND] += 1
        return []
    kind = update.get("sessionUpdate")
    if kind != TURN_COMPLETED:
        # the words turn_completed in the text of another update (a message, a tool's output) carry no usage
        skipped[SKIP_NO_USAGE if isinstance(kind, str) else lf.UNKNOWN_KIND] += 1
        return []
    usage = update.get("usage")
    if usage is None:
        skipped[SKIP_NO_USAGE] += 1
        return []
    if not isinstance(usage, dict):
        skipped[lf.NOT_AN_OBJECT] += 1
        return []
    meta = params.get("_meta") if isinstance(params.get("_meta"), dict) else {}
    ts_ms = _time_ms(meta.get("agentTimestampMs"), record.get("timestamp"))
    if ts_ms is None:
        skipped[lf.BAD_TIMESTAMP] += 1
        return []
    per_model = usage.get("modelUsage")
    if per_model is not None and not isinstance(per_model, dict):
        skipped[lf.NOT_AN_OBJECT] += 1
        return []
    rows = list(per_model.items()) if per_model else [(session.model, usage)]
    counted = []
    for model, row in rows:
        counts = _counts(row)
        if counts is None:
            skipped[lf.BAD_NUMBER] += 1
            return []
        if any(counts[:5]):
            counted.append((model, row, counts))
    if not counted:
        skipped[SKIP_NO_USAGE] += 1
        return []
    if session.subagent:
        skipped[SKIP_IN_PARENT] += 1
        return []
    base = _text(meta.get("eventId")) or (f"prompt:{prompt}" if (prompt := _text(update.get("prompt_id")))
                                          else f"@{ts_ms}:{':'.join(str(n) for n in counted[0][2][:5])}")
    # Grok drops its own cost from a partial or incomplete bill; a row stamped partial is not trusted either
    trusted = usage.get("usageIsIncomplete") is not True and usage.get("costIsPartial") is not True
    return [_event(f"{base}#{model}", ts_ms, model, counts, _cost_pico(row) if trusted else None, session)
            for model, row, counts in counted]


def _time_ms(agent_ms, envelope_s) -> int | None:
    """The turn's time: `_meta.agentTimestampMs` (a fork's copy keeps it), else the line's `timestamp` (seconds;
    a fork's copy gets the time of the copy)."""
    if type(agent_ms) is int and 0 < agent_ms <= MAX_TIME_MS:
        return agent_ms
    if type(envelope_s) in (int, float) and 0 < envelope_s <= MAX_TIME_MS // 1000:  # (NaN fails too)
        return int(envelope_s * 1000)
    return None


def _counts(row) -> tuple[int, int, int, int, int, int] | None:
    """(uncached input, cache read, cache write, output, reasoning, model calls) of a usage row; None if damaged.

    `inputTokens` holds the cache reads and writes (Grok's PromptUsageModel); a count Grok leaves out is 0
    (its serde default), one that is not a whole number is damage.
    """
    if not isinstance(row, dict):
        return None
    values = [lf.count(row.get(name, 0)) for name in ("inputTokens", "cachedReadTokens", "cacheCreationTokens",
                                                       "outputTokens", "reasoningTokens", "modelCalls")]
    if None in values:
        return None
    full, cache_read, cache_write, output, reasoning, calls = values
    if cache_read + cache_write > full or reasoning > output:
        return None
    return full - cache_read - cache_write, cache_read, cache_write, output, reasoning, calls


def _cost_pico(row: dict) -> int | None:
    ticks = row.get("costUsdTicks")
    if type(ticks) is not int or ticks <= 0 or row.get("costIsPartial") is True:
        return None  # absent, zero or partial: unreported, never free (Grok's reported_cost_ticks)
    return ticks * PICO_PER_TICK


def _event(key: str, ts_ms: int, model, counts: tuple, cost_pico: int | None, session: _Session) -> UsageEvent:
    inp, cache_read, cache_write, output, reasoning, calls = counts
    return UsageEvent(
        source=KIND,
        key=key,
        ts_ms=ts_ms,
        model=model if isinstance(model, str) else None,
        tokens=Tokens(input_tokens=inp, cache_read_tokens=cache_read, cache_write_5m_tokens=cache_write,
                      output_tokens=output, reasoning_tokens=reasoning),
        provider=PROVIDER,
        session=session.id,
        project=lf.project_of(session.cwd),
        cwd=session.cwd,
        requests=calls or 1,
        reported_cost_pico=cost_pico,
    )
