"""Simple-task detection from metadata, and the thresholds that drive nudges.

Only token counts and the tool-use flag are read; the rules and their
defaults are described in services/nudges.py and docs/nudges.md. Thresholds
are settings named `nudges.<field>`; a bad stored value falls back to its
default with a warning, and `set_setting` refuses one.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from tracker.core.money import usd_to_pico
from tracker.core.tokens import Tokens
from tracker.storage import Store

SETTING_PREFIX = "nudges."


@dataclass(frozen=True)
class NudgeSettings:
    max_output_tokens: int = 600
    max_reasoning_tokens: int = 200
    max_fresh_input_tokens: int = 2000
    min_weekly_savings_usd: Decimal = Decimal("5")
    min_simple_share_percent: Decimal = Decimal("20")
    lookback_days: int = 28
    shift_days: int = 7
    examples: int = 5

    @property
    def min_weekly_savings_pico(self) -> int:
        return usd_to_pico(self.min_weekly_savings_usd)

    def as_dict(self) -> dict[str, Any]:
        return {name: str(v) if isinstance(v, Decimal) else v for name, v in self.__dict__.items()}


_INT_SETTINGS = ("max_output_tokens", "max_reasoning_tokens", "max_fresh_input_tokens", "lookback_days",
                 "shift_days", "examples")
_DECIMAL_SETTINGS = ("min_weekly_savings_usd", "min_simple_share_percent")
# (least, most) of each threshold: a day count beyond ten years or a token count above any request's
# (logfiles.MAX_REQUEST_TOKENS) would overflow the store's integers when the nudges are computed
_RANGES = {
    "max_output_tokens": (0, 10**9), "max_reasoning_tokens": (0, 10**9), "max_fresh_input_tokens": (0, 10**9),
    "lookback_days": (1, 3650), "shift_days": (1, 3650), "examples": (0, 1000),
    "min_weekly_savings_usd": (0, 10**9), "min_simple_share_percent": (0, 100),
}


def _setting_value(name: str, raw: Any) -> int | Decimal:
    """A threshold's value from its stored form; ValueError when it is not a valid one."""
    least, most = _RANGES[name]
    try:
        if isinstance(raw, bool):
            raise ValueError
        number = Decimal(str(raw).strip())
        if not number.is_finite() or not least <= number <= most:
            raise ValueError
        if name in _DECIMAL_SETTINGS:
            return number
        if number != number.to_integral_value():
            raise ValueError
        return int(number)
    except (ValueError, TypeError, InvalidOperation):
        kind = "a number" if name in _DECIMAL_SETTINGS else "a whole number"
        raise ValueError(f"setting {SETTING_PREFIX}{name} = {raw!r} is not {kind} from {least:,} to {most:,}") from None


def load_settings(store: Store, warnings: list[str] | None = None) -> NudgeSettings:
    """Thresholds from the settings table; a bad value falls back to its default with a warning."""
    defaults = NudgeSettings()
    values: dict[str, Any] = {}
    for name in _INT_SETTINGS + _DECIMAL_SETTINGS:
        raw = store.get_setting(SETTING_PREFIX + name)
        if raw is None:
            continue
        try:
            values[name] = _setting_value(name, raw)
        except ValueError as exc:
            if warnings is not None:
                warnings.append(f"{exc}; using the default {getattr(defaults, name)}")
    return NudgeSettings(**values)


def set_setting(store: Store, name: str, value: str) -> int | Decimal:
    """Check and store one threshold (`name` without the `nudges.` prefix); returns the value kept."""
    if name not in _INT_SETTINGS + _DECIMAL_SETTINGS:
        raise ValueError(f"unknown nudge setting {name!r}; choose from {', '.join(_INT_SETTINGS + _DECIMAL_SETTINGS)}")
    parsed = _setting_value(name, value)
    store.set_setting(SETTING_PREFIX + name, str(parsed))
    return parsed


def is_simple(tokens: Tokens, tool_use: bool | None, settings: NudgeSettings) -> bool:
    """One request from metadata only (tool use must be known to be false)."""
    return (
        tool_use is False
        and tokens.output_tokens <= settings.max_output_tokens
        and tokens.reasoning_tokens <= settings.max_reasoning_tokens
        and tokens.input_tokens + tokens.cache_write_tokens <= settings.max_fresh_input_tokens
    )


def is_simple_average(tokens: Tokens, requests: int, settings: NudgeSettings) -> bool:
    """A bucket-day from its average per request (no tool-use flag exists in buckets)."""
    if requests <= 0:
        return False
    return (
        tokens.output_tokens <= settings.max_output_tokens * requests
        and tokens.reasoning_tokens <= settings.max_reasoning_tokens * requests
        and tokens.input_tokens + tokens.cache_write_tokens <= settings.max_fresh_input_tokens * requests
    )
