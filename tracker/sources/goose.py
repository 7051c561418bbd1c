"""Goose's sessions database: one UsageEvent per model call, or per session before Goose kept calls (docs/agents/goose.md).

Where it is: the plug-in, tracker.sources.agents.goose. `sessions.db` holds:

* `usage_ledger` (schema 15, July 2026): one row per provider call (`session_id`,
  `created_timestamp`, `model`, `input_tokens` with the cached parts in it,
  `cache_read_tokens`, `cache_write_tokens`, `output_tokens`, `total_tokens`,
  `cost`, `cost_source`). The first call of a session that began before the
  ledger existed first writes a `carried_forward` row: the session's earlier
  totals, with no model.
* `sessions`: per session the running totals `accumulated_*` (input with cache,
  output, total; cache read and write since schema 14), `created_at`,
  `working_dir`, `provider_name`, `model_config_json` (`model_name`).

A session with ledger rows is counted from them (the carried-forward row under
the session's own key, where its totals were counted before the ledger: the
same row, not a second one); a session without is one event of its totals at
its start, replaced as they grow.
"""

from __future__ import annotations

import orjson

from tracker.core.money import usd_to_pico
from tracker.core.records import UsageEvent
from tracker.core.tokens import Tokens
from tracker.sources import foreign_db
from tracker.sources import logfiles as lf
from tracker.sources.agents.goose import KIND

SKIP_NO_USAGE = "no_usage"  # a session or call with no counts (an empty session, a failed call)
CARRIED_FORWARD = "carried_forward"
# cost_source values that mean the provider itself reported the cost (OpenRouter's usage.cost), not an estimate
PROVIDER_REPORTED = frozenset({"provider", "provider_reported", "reported"})
# Goose provider names that genai-prices spells otherwise; the others are passed as they are
PROVIDERS = {"aws_bedrock": "aws", "gcp_vertex_ai": "google", "azure_openai": "azure",
             "github_copilot": "github-copilot", "xai": "x-ai"}
_TOKEN_COLUMNS = ("input", "output", "total", "cache_read", "cache_write")


def parse(fh, start: int, limit: int, result: lf.ReadResult) -> None:
    with foreign_db.read_only(fh.name) as conn:
        columns = foreign_db.columns(conn, "sessions")
        if "id" not in columns or not ({"accumulated_input_tokens", "input_tokens"} & columns):
            result.skipped[lf.UNKNOWN_KIND] += 1
            return
        sessions = [dict(zip(_SESSION_FIELDS, row)) for row in conn.execute(_session_query(columns))]
        ledger = foreign_db.columns(conn, "usage_ledger")
        calls = []
        if {"session_id", "created_timestamp", "input_tokens", "output_tokens"} <= ledger:
            calls = [dict(zip(_LEDGER_FIELDS, row)) for row in conn.execute(_ledger_query(ledger))]
    by_session: dict[str, list[dict]] = {}
    for call in calls:
        by_session.setdefault(call["session_id"], []).append(call)
    for session in sessions:
        result.lines_seen += 1
        info = _session_info(session, result.skipped)
        if info is None:
            continue
        rows = by_session.pop(session["id"], None)
        if rows is None:
            event = _event(info, info["key"], info["created_ms"], info["model"], _session_counts(session),
                           None, result.skipped)
            if event is not None:
                result.events.append(event)
            continue
        for call in rows:
            result.lines_seen += 1
            carried = call["cost_source"] == CARRIED_FORWARD
            event = _event(info, info["key"] if carried else f"{info['key']}:{call['id']}",
                           info["created_ms"] if carried else lf.epoch_or_text_ms(call["created_timestamp"]),
                           call["model"] if isinstance(call["model"], str) and call["model"] else info["model"],
                           tuple(call[c] for c in _TOKEN_COLUMNS), _reported_cost(call), result.skipped)
            if event is not None:
                result.events.append(event)
    orphans = sum(len(rows) for rows in by_session.values())  # calls of a session that is not there
    if orphans:
        result.skipped[lf.UNKNOWN_KIND] += orphans


# -- queries: only the columns this build has ----------------------------------------------
_SESSION_FIELDS = ("id", "created_at", "working_dir", "provider_name", "model_config_json",
                   "input", "output", "total", "cache_read", "cache_write",
                   "last_input", "last_output", "last_total", "last_cache_read", "last_cache_write")
_LEDGER_FIELDS = ("id", "session_id", "created_timestamp", "model") + _TOKEN_COLUMNS + ("cost", "cost_source")


def _pick(columns: set[str], *names: str) -> str:
    return ", ".join(name if name in columns else "NULL" for name in names)


def _session_query(columns: set[str]) -> str:
    return ("SELECT id, " + _pick(columns, "created_at", "working_dir", "provider_name", "model_config_json",
                                  "accumulated_input_tokens", "accumulated_output_tokens", "accumulated_total_tokens",
                                  "accumulated_cache_read_tokens", "accumulated_cache_write_tokens",
                                  "input_tokens", "output_tokens", "total_tokens", "cache_read_tokens",
                                  "cache_write_tokens")
            + " FROM sessions ORDER BY id")


def _ledger_query(columns: set[str]) -> str:
    return ("SELECT " + _pick(columns, "id", "session_id", "created_timestamp", "model", "input_tokens",
                              "output_tokens", "total_tokens", "cache_read_tokens", "cache_write_tokens", "cost",
                              "cost_source")
            + " FROM usage_ledger ORDER BY id")


# -- one session, one call ---------------------------------------------------------------
def _session_info(session: dict, skipped) -> dict | None:
    sid = session["id"]
    if not isinstance(sid, str) or not sid:
        skipped[lf.UNKNOWN_KIND] += 1
        return None
    model = None
    raw = session["model_config_json"]
    if isinstance(raw, str) and raw.strip():
        try:
            config = orjson.loads(raw)
        except orjson.JSONDecodeError:
            skipped[lf.INVALID_JSON] += 1
            return None
        name = config.get("model_name") if isinstance(config, dict) else None
        model = name.strip() if isinstance(name, str) and name.strip() else None
    cwd = session["working_dir"] if isinstance(session["working_dir"], str) and session["working_dir"] else None
    provider = session["provider_name"] if isinstance(session["provider_name"], str) else None
    return {"key": sid, "session": sid, "cwd": cwd, "model": model,
            "created_ms": lf.epoch_or_text_ms(session["created_at"]),
            "provider": PROVIDERS.get(provider, provider) if provider else None}


def _session_counts(session: dict) -> tuple:
    """The session's running totals; a build that kept none yet: its last call's (what ccusage falls back to)."""
    totals = tuple(session[c] for c in _TOKEN_COLUMNS)
    if any(v is not None for v in totals):
        return totals
    return tuple(session["last_" + c] for c in _TOKEN_COLUMNS)


def _event(info: dict, key: str, ts_ms: int | None, model: str | None, raw: tuple, cost_pico: int | None,
           skipped) -> UsageEvent | None:
    counts = [0 if v is None else lf.count(v) for v in raw]
    if None in counts:
        skipped[lf.BAD_NUMBER] += 1
        return None
    inp, out, total, read, write = counts
    if not (inp or out or total):
        skipped[SKIP_NO_USAGE] += 1
        return None
    if not model:
        skipped[lf.MISSING_MODEL] += 1
        return None
    if ts_ms is None:
        skipped[lf.BAD_TIMESTAMP] += 1
        return None
    # input holds the cached parts (Goose's Usage since schema 14; before, cache was not split out);
    # a total above input + output is reasoning the provider counted apart (Gemini's thoughts)
    uncached = inp - read - write if inp >= read + write else inp
    extra = max(total - inp - out, 0)
    return UsageEvent(
        source=KIND,
        key=key,
        ts_ms=ts_ms,
        model=model,
        tokens=Tokens(input_tokens=uncached, cache_read_tokens=read, cache_write_5m_tokens=write,
                      output_tokens=out + extra, reasoning_tokens=extra),
        provider=info["provider"],
        session=info["session"],
        project=lf.project_of(info["cwd"]),
        cwd=info["cwd"],
        reported_cost_pico=cost_pico,
    )


def _reported_cost(call: dict) -> int | None:
    """The call's cost in picodollars when the provider reported it (not Goose's own estimate), else None."""
    source, cost = call["cost_source"], call["cost"]
    if not isinstance(source, str) or source.lower() not in PROVIDER_REPORTED:
        return None
    if type(cost) not in (int, float) or not 0 <= cost < 1e9:  # NaN and infinities fail the range too
        return None
    return usd_to_pico(repr(cost))
