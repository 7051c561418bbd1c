"""Records of provider accounts that are neither usage nor billed lines."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class BalanceSnapshot:
    source: str
    account: str
    ts_ms: int
    metric: str  # balance, granted, topped_up, credits_total, credits_used, key_usage, key_limit, ...
    currency: str
    amount_pico: int  # pico-units of `currency`


@dataclass(frozen=True)
class ClaudeCodeRow:
    account: str
    day: str
    actor: str
    model: str
    input_tokens: int
    output_tokens: int
    cache_read_tokens: int
    cache_write_tokens: int
    estimated_cost_pico: int | None
    details: dict  # sessions, lines of code, tool actions, terminal ... (no prompt text exists here)
    extra_key: str = ""  # terminal/remote, so two rows of one actor and day do not collide

    def natural_key(self) -> str:
        return "|".join([self.day, self.actor, self.model, self.extra_key])
