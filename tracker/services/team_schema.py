"""The team summary format, `tracker.team-summary/1`, and its strict check.

The same check guards both ends: an export is validated before it can leave
(so a bug cannot add a field that was not allow-listed), and every file a
merge reads is validated before any of it counts (a foreign or damaged file
is rejected whole, with a sentence saying why).

Shape (every number a non-negative integer, already rounded):

    {"schema": "tracker.team-summary/1",
     "team": "<16 hex>",            # keyed hash of the team secret: which team
     "member": "<64 hex>",          # HMAC-SHA256(team secret, random install id)
     "week": "2026-W47",            # ISO week in the member's configured timezone
     "generated_at": "2026-11-28T18:04Z", "complete": true,
     "currency": "USD", "cost_basis": "estimated",
     "totals": {"cost_usd": 12, "requests": 340, "unpriced_requests": 0,
                "tokens": {"input": 1230000, "cache_read": ..., "cache_write": ..., "output": ..., "reasoning": ...}},
     "models": [{"provider": "anthropic", "family": "claude-sonnet", "cost_usd": 9, "requests": 200,
                 "unpriced_requests": 0, "tokens": {...}}],
     "roi": {"available": true, "reason": null,
             "categories": [{"category": "product", "cost_usd": 7, "value_usd": 120}]},
     "nudges": {"available": true, "reason": null, "open": 2, "switched": 1, "realised_weekly_savings_usd": 3}}
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone
from typing import Any

SCHEMA = "tracker.team-summary/1"
SCHEMA_PREFIX = "tracker.team-summary/"
TOKEN_CLASSES = ("input", "cache_read", "cache_write", "output", "reasoning")
# Why a section is absent: codes, never free text (free text could carry a path or a name).
REASONS = {
    "not_installed": "this build has no {what} feature",
    "no_tags": "no local tag is mapped to a team category",
    "unavailable": "the {what} data could not be read on this machine",
}
MAX_FILE_BYTES = 1_000_000
MAX_ROWS = 200
MAX_NUMBER = 10**15
MAX_CLOCK_SKEW = timedelta(days=1)  # a member's clock ahead of ours

_HEX16 = re.compile(r"^[0-9a-f]{16}$")
_HEX64 = re.compile(r"^[0-9a-f]{64}$")
_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")
_STAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}Z$")
LABEL = re.compile(r"^[a-z0-9][a-z0-9._-]{0,39}$")  # provider, family and category labels


class SummaryFormatError(ValueError):
    """A summary file that is not ours or is damaged; the text says what is wrong."""


def _fail(where: str, problem: str) -> None:
    raise SummaryFormatError(f"{where}: {problem}")


def _keys(obj: Any, where: str, required: tuple[str, ...]) -> dict:
    if not isinstance(obj, dict):
        _fail(where, f"expected an object, found {type(obj).__name__}")
    missing = [k for k in required if k not in obj]
    extra = sorted(set(obj) - set(required))
    if missing:
        _fail(where, f"missing field(s) {', '.join(missing)}")
    if extra:
        _fail(where, f"unexpected field(s) {', '.join(map(str, extra[:5]))} (not in {SCHEMA})")
    return obj


def _count(value: Any, where: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= MAX_NUMBER:
        _fail(where, f"expected a non-negative whole number, found {value!r}"[:200])
    return value


def _label(value: Any, where: str) -> str:
    if not isinstance(value, str) or not LABEL.fullmatch(value):
        _fail(where, "expected a short lower-case label")
    return value


def _reason(value: Any, where: str) -> None:
    if value is not None and (not isinstance(value, str) or value not in REASONS):  # a list is unhashable
        _fail(where, f"unknown reason code (expected one of {', '.join(REASONS)})")


def _tokens(obj: Any, where: str) -> None:
    _keys(obj, where, TOKEN_CLASSES)
    for name in TOKEN_CLASSES:
        _count(obj[name], f"{where}.{name}")


def _rows(value: Any, where: str) -> list:
    if not isinstance(value, list) or len(value) > MAX_ROWS:
        _fail(where, f"expected a list of at most {MAX_ROWS} rows")
    return value


def parse_week(label: str) -> tuple[int, int]:
    match = _WEEK.fullmatch(label or "")
    if not match:
        raise ValueError(f"{label!r} is not an ISO week: use YYYY-Www, e.g. 2026-W47")
    year, week = int(match.group(1)), int(match.group(2))
    try:
        date.fromisocalendar(year, week, 1)  # 53 only in the years that have a 53rd week
    except ValueError:
        raise ValueError(f"{label!r} is not an ISO week: {year} has no week {week:02d}") from None
    return year, week


def validate(doc: Any) -> dict:
    """Return `doc` if it is a well-formed summary; raise SummaryFormatError otherwise."""
    if not isinstance(doc, dict):
        _fail("file", "not a JSON object, so not a tracker team summary")
    schema = doc.get("schema")
    if not isinstance(schema, str) or not schema.startswith(SCHEMA_PREFIX):
        _fail("file", f"not a tracker team summary (schema {str(schema)[:60]!r}, expected {SCHEMA!r})")
    if schema != SCHEMA:
        _fail("file", f"summary format {schema!r} is not supported by this version (expected {SCHEMA!r}); "
                      "update tracker to merge it")
    _keys(doc, "summary", ("schema", "team", "member", "week", "generated_at", "complete", "currency",
                           "cost_basis", "totals", "models", "roi", "nudges"))
    if not isinstance(doc["team"], str) or not _HEX16.fullmatch(doc["team"]):
        _fail("team", "expected 16 hex digits")
    if not isinstance(doc["member"], str) or not _HEX64.fullmatch(doc["member"]):
        _fail("member", "expected 64 hex digits (a pseudonymous member id)")
    try:
        parse_week(doc["week"] if isinstance(doc["week"], str) else "")
    except ValueError as exc:
        _fail("week", str(exc))
    if not isinstance(doc["generated_at"], str) or not _STAMP.fullmatch(doc["generated_at"]):
        _fail("generated_at", "expected YYYY-MM-DDTHH:MMZ")
    try:
        made = datetime.strptime(doc["generated_at"], "%Y-%m-%dT%H:%MZ").replace(tzinfo=timezone.utc)
    except ValueError:
        _fail("generated_at", f"{doc['generated_at']!r} is not a real time")
    # the newest file of a member wins a merge: a time from the future would win every later one
    if made > datetime.now(timezone.utc) + MAX_CLOCK_SKEW:
        _fail("generated_at", f"{doc['generated_at']} is in the future")
    if not isinstance(doc["complete"], bool):
        _fail("complete", "expected true or false")
    if doc["currency"] != "USD" or doc["cost_basis"] != "estimated":
        _fail("currency", "expected USD estimated costs")
    totals = _keys(doc["totals"], "totals", ("cost_usd", "requests", "unpriced_requests", "tokens"))
    for name in ("cost_usd", "requests", "unpriced_requests"):
        _count(totals[name], f"totals.{name}")
    _tokens(totals["tokens"], "totals.tokens")
    seen = set()
    for i, row in enumerate(_rows(doc["models"], "models")):
        where = f"models[{i}]"
        _keys(row, where, ("provider", "family", "cost_usd", "requests", "unpriced_requests", "tokens"))
        key = (_label(row["provider"], f"{where}.provider"), _label(row["family"], f"{where}.family"))
        if key in seen:
            _fail(where, f"{key[0]}/{key[1]} appears twice")
        seen.add(key)
        for name in ("cost_usd", "requests", "unpriced_requests"):
            _count(row[name], f"{where}.{name}")
        _tokens(row["tokens"], f"{where}.tokens")
    shown = sum(row["cost_usd"] for row in doc["models"])
    if abs(shown - totals["cost_usd"]) > len(doc["models"]) + 1:  # each figure rounded to whole dollars
        _fail("totals.cost_usd", f"{totals['cost_usd']} does not match its model rows ({shown})")
    roi = _keys(doc["roi"], "roi", ("available", "reason", "categories"))
    if not isinstance(roi["available"], bool):
        _fail("roi.available", "expected true or false")
    _reason(roi["reason"], "roi.reason")
    if not roi["available"] and roi["categories"]:
        _fail("roi.categories", "listed although roi.available is false")
    cats = set()
    for i, row in enumerate(_rows(roi["categories"], "roi.categories")):
        where = f"roi.categories[{i}]"
        _keys(row, where, ("category", "cost_usd", "value_usd"))
        cat = _label(row["category"], f"{where}.category")
        if cat in cats:
            _fail(where, f"category {cat} appears twice")
        cats.add(cat)
        _count(row["cost_usd"], f"{where}.cost_usd")
        if row["value_usd"] is not None:
            _count(row["value_usd"], f"{where}.value_usd")
    nudges = _keys(doc["nudges"], "nudges", ("available", "reason", "open", "switched", "realised_weekly_savings_usd"))
    if not isinstance(nudges["available"], bool):
        _fail("nudges.available", "expected true or false")
    _reason(nudges["reason"], "nudges.reason")
    for name in ("open", "switched", "realised_weekly_savings_usd"):
        _count(nudges[name], f"nudges.{name}")
    return doc
