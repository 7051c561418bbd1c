"""The interface every provider-account source implements, and shared parsing helpers.

A source is a set of *streams*. A range stream (usage buckets, billed cost,
analytics) answers `fetch(stream, start_s, end_s, width_s)` for a UTC range
that the poll service chooses and cuts to the provider's page limits; a
snapshot stream (balances, key limits) answers `snapshot(stream, now_ms)`.
Both return a `Batch` of records: sources never write the database.

Every field a provider sends is untrusted: a value of the wrong type is not
guessed at, the record is rejected with a reason that the poll reports.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any, Protocol

from tracker.core.provider_records import BalanceSnapshot, ClaudeCodeRow
from tracker.core.records import BilledLine, UsageBucket
from tracker.core.timeutil import UTC, parse_iso
from tracker.core.tokens import Tokens
from tracker.core.units import add_units
from tracker.net import AuthError, HttpClient, WrongKeyType

DAY_S = 86_400
HOUR_S = 3_600


@dataclass(frozen=True)
class Stream:
    name: str
    widths: tuple[int, ...] = (DAY_S,)  # bucket widths the provider offers (seconds)
    max_buckets: dict[int, int] = field(default_factory=lambda: {DAY_S: 31})  # per request, per width
    history_days: int | None = None  # how far back the provider keeps data
    snapshot: bool = False  # a point-in-time reading (balance), not a time range
    replaces_buckets: bool = False  # its buckets are the account's buckets for the range fetched
    billed: bool = False  # writes billed lines; a re-read replaces the range's lines
    claude_code: bool = False
    # When set, a 403 on this stream is a note ("it <optional_permission>"), not a failing account.
    optional_permission: str | None = None
    today_alone: bool = False  # the provider answers today only when asked for that day alone


@dataclass
class Batch:
    buckets: list[UsageBucket] = field(default_factory=list)
    billed: list[BilledLine] = field(default_factory=list)
    balances: list[BalanceSnapshot] = field(default_factory=list)
    claude_code: list[ClaudeCodeRow] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)  # "reason" per record not taken

    def extend(self, other: "Batch") -> None:
        self.buckets += other.buckets
        self.billed += other.billed
        self.balances += other.balances
        self.claude_code += other.claude_code
        self.notes += other.notes
        self.rejected += other.rejected


class ProviderSource(Protocol):
    kind: str  # the `source` of every record: openai, anthropic, openrouter, deepseek
    label: str  # the account label: the `account` of every record
    streams: tuple[Stream, ...]
    requests_made: int

    def close(self) -> None:
        """Release the HTTP connections."""

    def test(self) -> str:
        """Check the key against the provider; a sentence on success, a ProviderError otherwise."""

    def fetch(self, stream: str, start_s: int, end_s: int, width_s: int, open_end: bool = False) -> Batch:
        """Records for [start_s, end_s) in buckets of width_s (both on UTC boundaries).

        open_end: end_s lies after "now"; send no end (the APIs default to now).
        """

    def snapshot(self, stream: str, now_ms: int) -> Batch:
        """A point-in-time reading."""


class BadRecord(ValueError):
    """One provider record that cannot be read; its text is the reason."""


MAX_PAGES_PER_FETCH = 500  # a provider that keeps saying has_more is broken, not infinite


class HttpSource:
    """What every HTTP source shares: its client, the request count, closing, paging."""

    client: HttpClient

    @property
    def requests_made(self) -> int:
        return self.client.requests_made

    def close(self) -> None:
        self.client.close()

    # Set by sources whose endpoints need an admin key: a refusal of any other
    # key type becomes advice on which key to create (in words, never the key).
    admin_prefix: str | None = None
    key_names: dict[str, str] = {}
    admin_key_help: str = ""
    _key: str = ""

    def _get(self, path: str, params: list | None = None):
        try:
            return self.client.get_json(path, params)
        except (AuthError, WrongKeyType) as exc:
            words = describe_key_kind(self._key, self.admin_prefix, self.key_names) if self.admin_prefix else None
            if words:
                raise WrongKeyType(f"This is {words}, not an Admin key. {self.admin_key_help}", exc.status) from None
            raise

    def _pages(self, path: str, params: list):
        """The `data` lists of a cursor-paginated endpoint (OpenAI and Anthropic envelopes)."""
        token, seen = None, set()
        for _ in range(MAX_PAGES_PER_FETCH):
            doc = self._get(path, params + ([("page", token)] if token else []))
            data, has_more, token = page_of_tokens(doc)
            yield data
            if not has_more:
                return
            if token in seen:
                raise BadRecord(f"{self.client.provider} repeated a page cursor for {path}")
            seen.add(token)
        raise BadRecord(f"{self.client.provider} returned more than {MAX_PAGES_PER_FETCH} pages for {path}")


# -- field readers ----------------------------------------------------------
def as_int(value: Any, name: str, default: int | None = 0) -> int | None:
    """A count: int, integral Decimal or numeric string; None -> default; anything else is bad."""
    if value is None:
        return default
    if isinstance(value, bool):
        raise BadRecord(f"{name} is a boolean")
    if isinstance(value, int):
        result = value
    elif isinstance(value, (Decimal, str)):
        try:
            number = Decimal(value)
        except InvalidOperation:
            raise BadRecord(f"{name} is not a number: {str(value)[:40]!r}") from None
        if not number.is_finite() or number != number.to_integral_value():
            raise BadRecord(f"{name} is not a whole number: {str(value)[:40]!r}")
        result = int(number)
    else:
        raise BadRecord(f"{name} has type {type(value).__name__}")
    if result < 0:
        raise BadRecord(f"{name} is negative")
    if result >= 2**63:  # SQLite's integers: beyond them the write fails the account's whole poll
        raise BadRecord(f"{name} is out of range")
    return result


def as_decimal(value: Any, name: str) -> Decimal:
    """Money as sent: a JSON number (parsed as Decimal) or a numeric string."""
    if isinstance(value, bool) or value is None:
        raise BadRecord(f"{name} is missing")
    if isinstance(value, (int, Decimal)):
        number = Decimal(value)
    elif isinstance(value, str):
        try:
            number = Decimal(value.strip())
        except InvalidOperation:
            raise BadRecord(f"{name} is not a number: {value[:40]!r}") from None
    elif isinstance(value, float):  # only if someone parsed without parse_float=Decimal
        number = Decimal(repr(value))
    else:
        raise BadRecord(f"{name} has type {type(value).__name__}")
    if not number.is_finite():
        raise BadRecord(f"{name} is not finite")
    return number


def as_str(value: Any) -> str | None:
    if value is None or value == "":
        return None
    return value if isinstance(value, str) else str(value)


def as_list(doc: Any, name: str) -> list:
    value = doc.get(name) if isinstance(doc, dict) else None
    if not isinstance(value, list):
        raise BadRecord(f"response has no '{name}' list")
    return value


def day_of(start_s: int) -> str:
    return datetime.fromtimestamp(start_s, UTC).date().isoformat()


def rfc3339(ts_s: int) -> str:
    return datetime.fromtimestamp(ts_s, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def epoch_s(text: Any, name: str) -> int:
    try:
        return int(parse_iso(text).timestamp())
    except (TypeError, ValueError):
        raise BadRecord(f"{name} is not a timestamp: {str(text)[:40]!r}") from None


def days_in(start_s: int, end_s: int) -> list[str]:
    first = datetime.fromtimestamp(start_s, UTC).date()
    last = datetime.fromtimestamp(end_s - 1, UTC).date()
    return [(first + timedelta(days=i)).isoformat() for i in range((last - first).days + 1)]


def page_of_tokens(page: Any) -> tuple[list, bool, str | None]:
    """(data, has_more, next_page) of the OpenAI/Anthropic page envelope."""
    if not isinstance(page, dict):
        raise BadRecord("the response is not a JSON object")
    data = as_list(page, "data")
    has_more = bool(page.get("has_more"))
    next_page = page.get("next_page")
    if has_more and not isinstance(next_page, str):
        raise BadRecord("has_more is true but next_page is missing")
    return data, has_more, next_page if has_more else None


def merge_buckets(buckets: Iterable[UsageBucket]) -> list[UsageBucket]:
    """One bucket per natural key: duplicate rows (a provider split a group) are summed."""
    merged: dict[str, UsageBucket] = {}
    for b in buckets:
        key = b.natural_key()
        have = merged.get(key)
        if have is None:
            merged[key] = b
            continue
        merged[key] = replace(
            have,
            tokens=have.tokens + b.tokens,
            requests=_add(have.requests, b.requests),
            quantity=_add(have.quantity, b.quantity),
            units=add_units(have.units, b.units),
            # a part whose cost the provider did not report makes the whole unknown (priced from its
            # tokens), never a part counted as $0
            reported_cost_pico=(None if have.reported_cost_pico is None or b.reported_cost_pico is None
                                else have.reported_cost_pico + b.reported_cost_pico),
            byok_cost_pico=_add(have.byok_cost_pico, b.byok_cost_pico),
        )
    return list(merged.values())


def merge_billed(lines: Iterable[BilledLine]) -> list[BilledLine]:
    merged: dict[str, BilledLine] = {}
    for line in lines:
        key = line.natural_key()
        have = merged.get(key)
        merged[key] = line if have is None else replace(have, amount_pico=have.amount_pico + line.amount_pico)
    return list(merged.values())


def _add(a: int | None, b: int | None) -> int | None:
    if a is None and b is None:
        return None
    return (a or 0) + (b or 0)


def zero_tokens() -> Tokens:
    return Tokens()


def describe_key_kind(key: str, admin_prefix: str, names: dict[str, str]) -> str | None:
    """A words-only description of a non-admin key from its public prefix (never echoing the key)."""
    if key.startswith(admin_prefix):
        return None
    for prefix, words in names.items():
        if key.startswith(prefix):
            return words
    return "a key that is not an admin key"
