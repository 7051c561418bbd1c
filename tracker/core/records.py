"""Records that sources produce and the store keeps.

Sources return these; they never write the database. Every record carries its
natural key so that writing it twice is an upsert, never an append.
"""

from __future__ import annotations

from dataclasses import dataclass

from tracker.core.billed_columns import BILLED_BREAKDOWNS  # noqa: F401  (the records' name for it too)
from tracker.core.tokens import Tokens


@dataclass(slots=True)
class UsageEvent:
    """One billable request (agent-log message, OpenRouter generation, ...)."""

    source: str  # kind: claude_code, codex, gemini_cli, openrouter, ...
    key: str  # the source's own request identity, unique within source+account
    ts_ms: int  # request time, UTC epoch milliseconds
    model: str
    tokens: Tokens
    account: str = ""  # provider account label; "" for local logs
    provider: str | None = None  # pricing provider id (anthropic, openai, google, ...)
    session: str | None = None
    project: str | None = None  # readable project (repository folder name)
    cwd: str | None = None
    git_branch: str | None = None
    tool_use: bool | None = None
    service_tier: str | None = None
    requests: int = 1
    # Cost already known by the source (e.g. OpenRouter reports it); picodollars.
    reported_cost_pico: int | None = None
    origin: str | None = None  # machine that recorded it (own-machines merge)
    speed: str | None = None  # Anthropic fast mode ("fast") is a price class of its own
    units: dict | None = None  # usage beyond the token classes (core.units): web searches, audio tokens
    sidechain: bool | None = None  # a Claude Code sidechain (sub-agent, /btw) copy: the main copy wins
    # Filled by the ingest service when the event is priced (frozen at ingest).
    cost_pico: int | None = None
    price_id: str | None = None
    partly_priced: str | None = None  # the price classes the cost leaves out (a lower bound), or None


def replaces_copy(new_sidechain: bool | None, new_total: int, old_sidechain: bool | None, old_total: int) -> bool:
    """Whether a new copy of a logged request replaces the one kept (ccusage's rule).

    A main-transcript copy beats a sidechain replay of the same message whatever
    their token counts; between copies of the same kind, the one with more tokens
    (a streamed response's later, complete line) wins. The store's upsert applies
    the same rule in SQL (storage.store._upsert_sql).
    """
    if bool(new_sidechain) != bool(old_sidechain):
        return bool(old_sidechain)
    return new_total > old_total


@dataclass(slots=True)
class Cursor:
    """Import state for one source item (a log file, an API high-water mark)."""

    source: str
    key: str
    value: dict
    # The item as last seen, as text (a log file: logfiles.FileStat.stat_key): equal
    # next time means unchanged, checked without decoding `value`. None: no such check.
    stat_key: str | None = None


def __getattr__(name: str):
    """UsageBucket and BilledLine (a provider account's records) live in core.provider_usage, loaded when first
    asked for: ~1 ms at start-up that an import of agent logs does without. Their names here too."""
    if name in ("UsageBucket", "BilledLine"):
        from tracker.core import provider_usage

        return getattr(provider_usage, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
