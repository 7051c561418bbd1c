"""Plan limit windows and 5-hour blocks: the pure arithmetic (no I/O).

A *limit window* is what a subscription plan meters: "28% of your 5-hour
limit used, resets at 14:00". Codex writes its windows into its logs
(`rate_limits` of `token_count` events); Claude's come from its usage endpoint.
Each reading is kept as a point of a time series per (source, limit id).

A *block* is the 5-hour session the agents count when no window is reported
(ccusage's `blocks` rule): the first request starts a block at its UTC hour;
a request more than the block length after the block's start, or after the
previous request, starts the next one.

Percentages are measurements, not money: floats are fine here.
"""

from __future__ import annotations

from dataclasses import dataclass
from collections.abc import Iterable, Sequence

MINUTE_MS = 60_000
HOUR_MS = 3_600_000
BLOCK_MS = 5 * HOUR_MS
# A reading this close to the previous reset time belongs to the same occurrence of the window
# (providers move resets_at by a second or so between readings).
SAME_RESET_SLACK_MS = 2 * MINUTE_MS
# Pace from recent readings when there are some at least this far apart within this much time;
# otherwise the average since the window started.
RECENT_SPAN_MIN_MS = 15 * MINUTE_MS
RECENT_LOOKBACK_MS = 2 * HOUR_MS
AVERAGE_MIN_ELAPSED_MS = 5 * MINUTE_MS
TYPICAL_BLOCK_PERCENTILE = 90
MIN_PAST_BLOCKS = 3  # fewer completed blocks than this give no "typical" block


@dataclass(slots=True)  # not frozen: a log import makes thousands, and frozen ones cost twice as much to make
class LimitReading:
    """One observation of one plan limit window."""

    source: str  # the agent whose plan the window meters: claude_code, codex, ...
    limit_id: str  # codex.primary, codex.secondary, five_hour, seven_day, seven_day_opus, ...
    observed_ms: int
    used_pct: float  # percent of the window's allowance used (may pass 100)
    window_minutes: int | None = None
    resets_at_ms: int | None = None
    name: str | None = None  # the provider's own label when it gives one ("Codex")
    account: str = ""
    detail: dict | None = None  # extra figures the window carries (Claude extra usage credits)

    def same_occurrence(self, other: "LimitReading") -> bool:
        """Both readings belong to the same run of the window (between two resets)."""
        if self.resets_at_ms is None or other.resets_at_ms is None:
            return False
        return abs(self.resets_at_ms - other.resets_at_ms) <= SAME_RESET_SLACK_MS


def window_label(limit_id: str, window_minutes: int | None) -> str:
    """A short name for a window: '5-hour', 'weekly', 'weekly (Opus)', 'extra usage'."""
    if limit_id == "extra_usage":
        return "extra usage (month)"
    if window_minutes is None:
        base = limit_id.replace("_", " ")
    elif window_minutes == 10_080:
        base = "weekly"
    elif window_minutes % 1440 == 0:
        base = f"{window_minutes // 1440}-day"
    elif window_minutes % 60 == 0:
        base = f"{window_minutes // 60}-hour"
    else:
        base = f"{window_minutes}-minute"
    for model in ("opus", "sonnet", "haiku"):
        if limit_id.endswith("_" + model) or limit_id.endswith("." + model):
            return f"{base} ({model.capitalize()})"
    prefix = limit_id.split(".", 1)[0] if "." in limit_id else ""
    if prefix and prefix not in ("codex",):  # a model-specific Codex limit ("gpt-5-codex-mini.primary")
        return f"{base} ({prefix})"
    return base


@dataclass(frozen=True, slots=True)
class Pace:
    """Where a window is heading at the current rate of use."""

    rate_pct_per_hour: float | None  # None: not enough readings to tell
    basis: str  # "recent readings", "since the window started", "no readings to tell"
    reaches_full_ms: int | None = None  # when 100% is reached, if before the reset
    pct_at_reset: float | None = None  # projected percent at the reset (when it stays under)
    full_already: bool = False


def pace(latest: LimitReading, history: Sequence[LimitReading]) -> Pace:
    """The window's rate of use and where it gets to before it resets.

    `history`: earlier readings of the same limit (any order). The rate is the
    climb over recent readings of the same occurrence when there are some at
    least RECENT_SPAN_MIN_MS before the latest; otherwise the average since the
    window started (resets_at - window length).
    """
    if latest.used_pct >= 100:
        return Pace(None, "the limit is reached", latest.observed_ms, None, True)
    rate_per_ms, basis = None, "no readings to tell"
    earlier = [r for r in history if r.same_occurrence(latest)
               and RECENT_SPAN_MIN_MS <= latest.observed_ms - r.observed_ms <= RECENT_LOOKBACK_MS]
    if earlier:
        first = min(earlier, key=lambda r: r.observed_ms)
        rate_per_ms = max(0.0, latest.used_pct - first.used_pct) / (latest.observed_ms - first.observed_ms)
        basis = "recent readings"
    elif latest.window_minutes and latest.resets_at_ms is not None:
        started = latest.resets_at_ms - latest.window_minutes * MINUTE_MS
        elapsed = latest.observed_ms - started
        if elapsed >= AVERAGE_MIN_ELAPSED_MS:
            rate_per_ms = latest.used_pct / elapsed
            basis = "since the window started"
    if rate_per_ms is None:
        return Pace(None, basis)
    rate_per_hour = rate_per_ms * HOUR_MS
    if latest.resets_at_ms is None:
        return Pace(rate_per_hour, basis)
    left_ms = max(0, latest.resets_at_ms - latest.observed_ms)
    at_reset = latest.used_pct + rate_per_ms * left_ms
    if rate_per_ms > 0 and at_reset >= 100:
        full = latest.observed_ms + int((100 - latest.used_pct) / rate_per_ms)
        return Pace(rate_per_hour, basis, reaches_full_ms=full)
    return Pace(rate_per_hour, basis, pct_at_reset=at_reset)


# -- blocks -------------------------------------------------------------------
@dataclass(slots=True)
class Block:
    start_ms: int  # the first request's UTC hour
    end_ms: int  # start + the block length
    first_ms: int
    last_ms: int
    tokens: int = 0
    cost_pico: int = 0  # API-equivalent, priced requests only
    requests: int = 0
    unpriced_requests: int = 0

    def active(self, now_ms: int, block_ms: int = BLOCK_MS) -> bool:
        return now_ms < self.end_ms and now_ms - self.last_ms < block_ms

    def tokens_per_minute(self) -> float | None:
        minutes = (self.last_ms - self.first_ms) / MINUTE_MS
        return self.tokens / minutes if minutes >= 1 else None

    def cost_per_hour_pico(self) -> int | None:
        span = self.last_ms - self.first_ms
        return self.cost_pico * HOUR_MS // span if span >= MINUTE_MS else None


def blocks(points: Iterable[tuple[int, int, int, int, int]], block_ms: int = BLOCK_MS) -> list[Block]:
    """Group (ts_ms, tokens, cost_pico of the priced requests, requests, unpriced requests) points into blocks."""
    result: list[Block] = []
    current: Block | None = None
    for ts, tokens, cost, requests, unpriced in sorted(points, key=lambda p: p[0]):
        if current is None or ts - current.start_ms > block_ms or ts - current.last_ms > block_ms:
            start = ts - ts % HOUR_MS
            current = Block(start, start + block_ms, ts, ts)
            result.append(current)
        current.last_ms = ts
        current.tokens += tokens
        current.requests += requests
        current.unpriced_requests += unpriced
        current.cost_pico += cost
    return result


def percentile(values: Sequence[int], pct: int) -> int | None:
    """Nearest-rank percentile of integers (None for no values)."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, -(-pct * len(ordered) // 100))  # ceil(pct/100 * n)
    return ordered[rank - 1]


@dataclass(frozen=True, slots=True)
class BlockOutlook:
    """The active block against the user's typical block."""

    typical_tokens: int | None  # the TYPICAL_BLOCK_PERCENTILE of completed blocks
    past_blocks: int
    reaches_typical_ms: int | None = None  # when the active block gets there at its burn rate (before its end)
    projected_tokens: int | None = None  # at the block's end, at its burn rate


def outlook(active: Block | None, past: Sequence[Block], now_ms: int) -> BlockOutlook:
    typical = percentile([b.tokens for b in past], TYPICAL_BLOCK_PERCENTILE) if len(past) >= MIN_PAST_BLOCKS else None
    if active is None:
        return BlockOutlook(typical, len(past))
    rate = active.tokens_per_minute()
    if rate is None or rate <= 0:
        return BlockOutlook(typical, len(past))
    per_ms = rate / MINUTE_MS
    projected = active.tokens + int(per_ms * max(0, active.end_ms - now_ms))
    reaches = None
    if typical is not None and active.tokens < typical <= projected:
        reaches = now_ms + int((typical - active.tokens) / per_ms)
    return BlockOutlook(typical, len(past), reaches, projected)
