"""ZCode's usage database: one UsageEvent per completed model call (docs/agents/zcode.md).

Where it is: the plug-in, tracker.sources.agents.zcode. `cli/db/db.sqlite` holds
`model_usage`, one row per model call (`id`, `session_id`, `turn_id`,
`provider_id`, `model_id`, `status`, `started_at` in epoch milliseconds, and the
AI SDK's usage: `input_tokens` with the cached parts in it, `output_tokens` with
the reasoning in it, `reasoning_tokens`, `cache_read_input_tokens`,
`cache_creation_input_tokens`), and `session` (`id`, `directory`). A call is
counted once it is `completed` (as ccusage counts it); a row is rewritten while
the call runs, so the newest state of a key replaces the earlier one (keep=LAST).
"""

from __future__ import annotations

from tracker.core.records import UsageEvent
from tracker.core.tokens import Tokens
from tracker.sources import foreign_db
from tracker.sources import logfiles as lf
from tracker.sources.agents.zcode import KIND

SKIP_NO_USAGE = "no_usage"  # a completed call that logged no tokens
SKIP_NOT_COMPLETED = "not_completed"  # still running, failed or cancelled: ccusage leaves these out too
COMPLETED = "completed"
# Z.ai's own channels (provider_id `builtin:zai-coding-plan`, `builtin:bigmodel-coding-plan`, the start plans):
# Zhipu's GLM models, priced at Z.ai's list prices; a channel the user added (a UUID) says nothing of the vendor
BUILTIN_PREFIX = "builtin:"
BUILTIN_PROVIDER = "zai"
_REQUIRED = {"id", "started_at", "model_id", "input_tokens", "output_tokens"}
_FIELDS = ("id", "session_id", "started_at", "model_id", "provider_id", "status", "input_tokens", "output_tokens",
           "reasoning_tokens", "cache_read_input_tokens", "cache_creation_input_tokens")


def parse(fh, start: int, limit: int, result: lf.ReadResult) -> None:
    with foreign_db.read_only(fh.name) as conn:
        columns = foreign_db.columns(conn, "model_usage")
        if not _REQUIRED <= columns:
            result.skipped[lf.UNKNOWN_KIND] += 1
            return
        directory = "s.directory" if {"id", "directory"} <= foreign_db.columns(conn, "session") else None
        rows = conn.execute(_query(columns, directory)).fetchall()
    for row in rows:
        result.lines_seen += 1
        event = _event(dict(zip(_FIELDS + ("directory",), row)), result.skipped)
        if event is not None:
            result.events.append(event)


def _query(columns: set[str], directory: str | None) -> str:
    picked = ", ".join(f"m.{name}" if name in columns else "NULL" for name in _FIELDS)
    if directory is None:
        return f"SELECT {picked}, NULL FROM model_usage m ORDER BY m.rowid"
    return (f"SELECT {picked}, {directory} FROM model_usage m LEFT JOIN session s ON s.id = m.session_id "
            "ORDER BY m.rowid")


def _event(row: dict, skipped) -> UsageEvent | None:
    key = row["id"]
    if not isinstance(key, (str, int)) or isinstance(key, bool) or key == "":
        skipped[lf.UNKNOWN_KIND] += 1
        return None
    status = row["status"]
    if status is not None and status != COMPLETED:
        skipped[SKIP_NOT_COMPLETED] += 1
        return None
    raw = (row["input_tokens"], row["output_tokens"], row["reasoning_tokens"], row["cache_read_input_tokens"],
           row["cache_creation_input_tokens"])
    counts = [0 if v is None else lf.count(v) for v in raw]
    if None in counts:
        skipped[lf.BAD_NUMBER] += 1
        return None
    inp, out, reasoning, read, write = counts
    if not any(counts):
        skipped[SKIP_NO_USAGE] += 1
        return None
    model = row["model_id"].strip() if isinstance(row["model_id"], str) else ""
    if not model:
        skipped[lf.MISSING_MODEL] += 1
        return None
    ts_ms = lf.epoch_or_text_ms(row["started_at"])
    if ts_ms is None:
        skipped[lf.BAD_TIMESTAMP] += 1
        return None
    # input holds the cached parts (the AI SDK's inputTokens); a row whose cache exceeds it cannot, so its
    # input is taken as the uncached part. Output holds the reasoning (outputTokens); reasoning above it is not.
    uncached = inp - read - write if inp >= read + write else inp
    cwd = row["directory"] if isinstance(row["directory"], str) and row["directory"] else None
    session = row["session_id"] if isinstance(row["session_id"], str) and row["session_id"] else None
    return UsageEvent(
        source=KIND,
        key=str(key),
        ts_ms=ts_ms,
        model=model,
        tokens=Tokens(input_tokens=uncached, cache_read_tokens=read, cache_write_5m_tokens=write,
                      output_tokens=max(out, reasoning), reasoning_tokens=reasoning),
        provider=_provider(row["provider_id"]),
        session=session,
        project=lf.project_of(cwd),
        cwd=cwd,
    )


def _provider(channel) -> str | None:
    return BUILTIN_PROVIDER if isinstance(channel, str) and channel.startswith(BUILTIN_PREFIX) else None
