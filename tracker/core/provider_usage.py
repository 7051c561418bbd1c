"""A provider account's usage buckets and billed lines (core.records names them too).

Kept apart from the agent logs' records (core.records): an import of agent logs loads neither class.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tracker.core.records import BILLED_BREAKDOWNS
from tracker.core.tokens import Tokens


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
