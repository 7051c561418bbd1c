"""Records that sources produce and the store keeps.

Sources return these; they never write the database. Every record carries its
natural key so that writing it twice is an upsert, never an append.
"""

from __future__ import annotations

from dataclasses import dataclass, field

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


@dataclass(slots=True)
class UsageBucket:
    """A provider-reported aggregate over [start, start + width)."""

    source: str
    account: str
    kind: str  # endpoint family: completions, embeddings, images, messages, ...
    start_s: int  # UTC epoch seconds
    width_s: int
    model: str | None = None
    tokens: Tokens = field(default_factory=Tokens)
    requests: int | None = None
    quantity: int | None = None  # non-token units (images, characters, seconds, bytes, sessions)
    quantity_unit: str | None = None
    project_id: str | None = None
    api_key_id: str | None = None
    workspace_id: str | None = None
    service_tier: str | None = None
    batch: bool | None = None
    provider: str | None = None
    extra: dict | None = None  # other grouping dimensions, kept for tagging rules
    units: dict | None = None  # usage beyond the token classes (core.units)
    reported_cost_pico: int | None = None
    # of the reported cost, the part billed to the user's own provider keys (OpenRouter BYOK)
    byok_cost_pico: int | None = None
    cost_pico: int | None = None
    price_id: str | None = None
    partly_priced: str | None = None

    def natural_key(self) -> str:
        dims = [
            self.kind,
            str(self.start_s),
            str(self.width_s),
            self.model or "",
            self.project_id or "",
            self.api_key_id or "",
            self.workspace_id or "",
            self.service_tier or "",
            "" if self.batch is None else str(int(self.batch)),
        ]
        if self.extra:
            dims.extend(f"{k}={self.extra[k]}" for k in sorted(self.extra))
        return "|".join(dims)


@dataclass(slots=True)
class BilledLine:
    """What a provider says it charged, per day and line item."""

    source: str
    account: str
    day: str  # YYYY-MM-DD (UTC day as the provider reports it)
    line_item: str
    amount_pico: int
    currency: str = "USD"
    project_id: str | None = None
    workspace_id: str | None = None
    model: str | None = None
    # the breakdowns the providers offer (OpenAI: API key; Anthropic: cost and token type, tier, ...)
    api_key_id: str | None = None
    cost_type: str | None = None
    token_type: str | None = None
    service_tier: str | None = None
    context_window: str | None = None
    inference_geo: str | None = None

    def natural_key(self) -> str:
        key = "|".join([self.day, self.line_item, self.project_id or "", self.workspace_id or ""])
        # the breakdowns only when present: lines without them keep the keys they always had
        return key + "".join(f"|{name}={value}" for name, value in self.breakdown().items())

    def breakdown(self) -> dict[str, str]:
        return {name: value for name in BILLED_BREAKDOWNS if (value := getattr(self, name))}


BILLED_BREAKDOWNS = ("api_key_id", "cost_type", "token_type", "service_tier", "context_window", "inference_geo")


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
