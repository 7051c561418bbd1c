"""Building one member's anonymised weekly summary.

The output is constructed field by field from an allow-list (the schema in
team_schema.py) out of aggregates; nothing is copied from a row and then
pruned, so a new column in the store can never leak. Names that could be
private (projects, cwd, clients, tags, sessions, accounts, API keys, raw model
names) are never read into the summary: models become allow-listed family
labels, tags become the team category their owner mapped them to.

Figures are rounded before they leave: cost to whole US dollars, token and
request counts to three significant digits.
"""

from __future__ import annotations

import hashlib
import hmac
import importlib
import json
import logging
import re
import secrets as _random  # stdlib; aliased so the name cannot read as "our secrets"
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta, tzinfo
from decimal import ROUND_HALF_EVEN, Decimal

from tracker.core.money import PICO_PER_USD, usd_to_pico
from tracker.core.timeutil import UTC, Window, from_ms, local_date, now_ms, windows
from tracker.pricing import Pricer
from tracker.services import team_keys
from tracker.services.model_family import family_of, provider_of
from tracker.services.team_schema import SCHEMA, TOKEN_CLASSES, parse_week, validate
from tracker.storage import Store

log = logging.getLogger(__name__)

INSTALL_ID_SETTING = "team.install_id"
CATEGORIES_SETTING = "team.categories"  # optional team allow-list of category labels
UNCATEGORISED = "uncategorised"
OTHER_CATEGORY = "other"
_CATEGORY_CLEAN = re.compile(r"[^a-z0-9._-]+")
_TEAM_FINGERPRINT_MSG = b"tracker.team-summary/team"


class TeamSetupError(ValueError):
    """Team sharing is not set up; the text says how."""


# -- rounding ----------------------------------------------------------------
def round_usd(pico: int) -> int:
    """Whole US dollars, half-even (exact: no float)."""
    q, r = divmod(pico, PICO_PER_USD)
    twice = 2 * r
    if twice > PICO_PER_USD or (twice == PICO_PER_USD and q % 2):
        q += 1
    return q


def round_usd_decimal(value: Decimal) -> int:
    return int(value.to_integral_value(rounding=ROUND_HALF_EVEN))


def round_sig3(n: int) -> int:
    """Three significant digits, half-even: 123456 -> 123000, 999 -> 999, 99950 -> 100000."""
    if n < 1000:
        return n
    factor = 10 ** (len(str(n)) - 3)
    q, r = divmod(n, factor)
    if 2 * r > factor or (2 * r == factor and q % 2):
        q += 1
    return q * factor


# -- identity ----------------------------------------------------------------
def install_id(store: Store) -> str:
    """A random id made once per install; it never leaves the machine."""
    value = store.get_setting(INSTALL_ID_SETTING)
    if not value:
        value = _random.token_hex(32)
        store.set_setting(INSTALL_ID_SETTING, value)
    return value


def member_id(team_secret: str, install: str) -> str:
    """HMAC-SHA256(team secret, install id): stable in one team, unlinkable across teams."""
    return hmac.new(team_secret.encode(), install.encode(), hashlib.sha256).hexdigest()


def team_fingerprint(team_secret: str) -> str:
    """Which team a file belongs to, without revealing the secret."""
    return hmac.new(team_secret.encode(), _TEAM_FINGERPRINT_MSG, hashlib.sha256).hexdigest()[:16]


class NoTeamSecret(TeamSetupError):
    """No team secret yet: the summary cannot be pseudonymised (the GUI points at its own field)."""


def require_secret(team_secret: str | None = None) -> str:
    secret = team_secret or team_keys.get(team_keys.TEAM_SECRET)
    if not secret:
        raise NoTeamSecret(
            "No team secret is set: run `tracker summary setup --secret` (or set TRACKER_TEAM_SECRET) with the "
            "phrase your team shares."
        )
    return secret


# -- weeks -------------------------------------------------------------------
def week_start(label: str) -> date:
    year, week = parse_week(label)
    try:
        return date.fromisocalendar(year, week, 1)
    except ValueError as exc:
        raise ValueError(f"{label!r}: {year} has no ISO week {week}") from exc


def week_label(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def week_window(label: str, zone: tzinfo) -> Window:
    monday = week_start(label)
    return windows(monday, monday + timedelta(days=6), "week", zone)[0]


def current_week(zone: tzinfo, at_ms: int | None = None) -> str:
    return week_label(local_date(at_ms if at_ms is not None else now_ms(), zone))


def last_complete_week(zone: tzinfo, at_ms: int | None = None) -> str:
    today = local_date(at_ms if at_ms is not None else now_ms(), zone)
    return week_label(today - timedelta(days=7))


# -- the summary ---------------------------------------------------------------
@dataclass
class Built:
    """A summary and what the local user should know about it (never shared)."""

    doc: dict
    notes: list[str] = field(default_factory=list)


def _token_block(row: dict) -> dict:
    return {
        "input": round_sig3(row["input_tokens"]),
        "cache_read": round_sig3(row["cache_read_tokens"]),
        "cache_write": round_sig3(row["cache_write_5m_tokens"] + row["cache_write_1h_tokens"]),
        "output": round_sig3(row["output_tokens"]),
        "reasoning": round_sig3(row["reasoning_tokens"]),
    }


_SUM_KEYS = ("input_tokens", "cache_read_tokens", "cache_write_5m_tokens", "cache_write_1h_tokens",
             "output_tokens", "reasoning_tokens", "requests", "unpriced_requests", "cost_pico")


def _usage(store: Store, win: Window) -> tuple[dict, list[dict]]:
    groups: dict[tuple[str, str], dict] = defaultdict(lambda: {k: 0 for k in _SUM_KEYS})
    total = {k: 0 for k in _SUM_KEYS}
    for row in store.aggregate([win], group_by=["provider", "model"]):
        family = family_of(row["model"])
        key = (provider_of(row["provider"], family), family)
        for name in _SUM_KEYS:
            groups[key][name] += row[name] or 0
            total[name] += row[name] or 0
    totals = {
        "cost_usd": round_usd(total["cost_pico"]),
        "requests": round_sig3(total["requests"]),
        "unpriced_requests": round_sig3(total["unpriced_requests"]),
        "tokens": _token_block(total),
    }
    models = [
        {
            "provider": provider,
            "family": family,
            "cost_usd": round_usd(g["cost_pico"]),
            "requests": round_sig3(g["requests"]),
            "unpriced_requests": round_sig3(g["unpriced_requests"]),
            "tokens": _token_block(g),
        }
        for (provider, family), g in sorted(groups.items(), key=lambda kv: (-kv[1]["cost_pico"], kv[0]))
    ]
    return totals, models


def clean_category(raw: str | None) -> str | None:
    if not raw or not raw.strip():
        return None
    label = _CATEGORY_CLEAN.sub("-", raw.strip().lower()).strip("-._")[:40]
    return label or None


def _roi(store: Store, zone: tzinfo, win: Window, week_end: date, notes: list[str]) -> dict:
    """Cost and value per team category; local tag names stay here."""
    try:
        roi_service = importlib.import_module("tracker.services.roi")
    except ImportError:
        return {"available": False, "reason": "not_installed", "categories": []}
    if not hasattr(store, "tags"):
        return {"available": False, "reason": "not_installed", "categories": []}
    try:
        tags = store.tags()
        report = roi_service.roi_report(store, zone, "week", since=win.start_day, until=week_end,
                                        today=week_end + timedelta(days=1))
    except Exception:  # the ROI feature failing must not stop the rest of the summary
        log.exception("ROI for the team summary failed")
        notes.append("ROI by category was left out: the value data could not be read (see the log).")
        return {"available": False, "reason": "unavailable", "categories": []}
    category_of = {t["name"]: clean_category(t.get("team_category")) for t in tags}
    private = {t["name"].strip().lower() for t in tags}
    for t in tags:  # a client's billing name is as private as its tag name
        private |= {clean_category(v) or "" for v in (t.get("billing") or {}).values() if isinstance(v, str)}
    private = {clean_category(p) for p in private if p}
    private |= {clean_category(p) for p in _project_names(store) if p}
    allowed = store.get_setting(CATEGORIES_SETTING)
    allowed = {clean_category(c) for c in allowed} if isinstance(allowed, list) else None
    cost: dict[str, int] = defaultdict(int)
    value: dict[str, Decimal] = defaultdict(Decimal)
    has_value: set[str] = set()
    for row in report.get("tags", []):
        name = row.get("tag")
        category = category_of.get(name) or UNCATEGORISED
        if category != UNCATEGORISED:
            if category in private:
                notes.append("A team category equal to a local tag or project name was sent as 'other'.")
                category = OTHER_CATEGORY
            elif allowed is not None and category not in allowed:
                notes.append("A team category outside the team's list was sent as 'other'.")
                category = OTHER_CATEGORY
        cost[category] += usd_to_pico(row.get("cost_usd") or "0")
        if row.get("value_usd") is not None:
            value[category] += Decimal(row["value_usd"])
            has_value.add(category)
    if not any(c != UNCATEGORISED for c in cost):
        notes.append("ROI by category is empty: map local tags to team categories "
                     "(`tracker tags` with a team category) to share it.")
        return {"available": False, "reason": "no_tags", "categories": []}
    categories = [
        {"category": c, "cost_usd": round_usd(cost[c]),
         "value_usd": round_usd_decimal(value[c]) if c in has_value else None}
        for c in sorted(cost, key=lambda c: (c == UNCATEGORISED, c))
    ]
    return {"available": True, "reason": None, "categories": categories}


def _project_names(store: Store) -> list[str]:
    rows = store.aggregate([Window("all", date(1970, 1, 1), 0, 2**62)], group_by=["project"])
    return [r["project"] for r in rows if isinstance(r.get("project"), str)]


def _nudges(store: Store, pricer: Pricer, zone: tzinfo, at_ms: int, notes: list[str]) -> dict:
    empty = {"open": 0, "switched": 0, "realised_weekly_savings_usd": 0}
    try:
        nudge_service = importlib.import_module("tracker.services.nudges")
    except ImportError:
        return {"available": False, "reason": "not_installed"} | empty
    try:
        found = nudge_service.compute_nudges(store, pricer, zone, now=at_ms)
    except Exception:
        log.exception("nudges for the team summary failed")
        notes.append("Nudge adoption was left out: nudges could not be computed (see the log).")
        return {"available": False, "reason": "unavailable"} | empty
    realised = 0
    for nudge in found:
        follow = getattr(nudge, "follow_through", None)
        if nudge.status == "switched" and follow is not None and follow.realised_weekly_pico:
            realised += max(follow.realised_weekly_pico, 0)
    return {
        "available": True,
        "reason": None,
        "open": sum(1 for n in found if n.status == "open"),
        "switched": sum(1 for n in found if n.status == "switched"),
        "realised_weekly_savings_usd": round_usd(realised),
    }


def build_summary(store: Store, pricer: Pricer, zone: tzinfo, week: str | None = None,
                  at_ms: int | None = None, team_secret: str | None = None) -> Built:
    """This member's summary for ISO `week` (default: the last complete week)."""
    at_ms = at_ms if at_ms is not None else now_ms()
    week = week or last_complete_week(zone, at_ms)
    secret = require_secret(team_secret)
    win = week_window(week, zone)
    week_end = win.start_day + timedelta(days=6)
    notes: list[str] = []
    totals, models = _usage(store, win)
    if totals["unpriced_requests"]:
        notes.append(f"{totals['unpriced_requests']} request(s) have no known price and are not in the cost.")
    stamp = from_ms(at_ms).astimezone(UTC)
    doc = {
        "schema": SCHEMA,
        "team": team_fingerprint(secret),
        "member": member_id(secret, install_id(store)),
        "week": week,
        "generated_at": stamp.strftime("%Y-%m-%dT%H:%MZ"),
        "complete": at_ms >= win.end_ms,
        "currency": "USD",
        "cost_basis": "estimated",
        "totals": totals,
        "models": models,
        "roi": _roi(store, zone, win, week_end, notes),
        "nudges": _nudges(store, pricer, zone, min(at_ms, win.end_ms), notes),
    }
    if not doc["complete"]:
        notes.append(f"{week} is not over yet: its figures will still grow.")
    validate(doc)  # an export that breaks the allow-list never leaves
    return Built(doc, list(dict.fromkeys(notes)))


def to_json_bytes(doc: dict) -> bytes:
    """The exact bytes that are written or posted (the allow-list's key order)."""
    return (json.dumps(doc, indent=2, sort_keys=False, ensure_ascii=True) + "\n").encode()


__all__ = [
    "Built", "TeamSetupError", "build_summary", "current_week", "last_complete_week", "member_id",
    "round_sig3", "round_usd", "team_fingerprint", "to_json_bytes", "TOKEN_CLASSES", "week_window",
]
