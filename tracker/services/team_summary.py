"""One member's weekly figures, as they go (masked) into the team's sum.

The values are built field by field from an allow-list (team_vector.Layout,
fixed by the team's signed settings) out of aggregates; nothing is copied
from a row and then pruned, so a new column in the store can never leak.
Names that could be private (projects, cwd, clients, tags, sessions,
accounts, API keys, raw model names) are never read into them: models become
the team's family labels, tags the team category their owner mapped them to.

The figures are exact (picodollars, whole counts): they never leave as they
are. team_protocol.py masks them so that only the sum of k or more members
can be read; `readable` is the same figures for the member's own eyes (the
preview and `tracker summary export`).
"""

from __future__ import annotations

import importlib
import json
import logging
import re
import secrets as _random  # stdlib; aliased so the name cannot read as "our secrets"
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta, tzinfo
from decimal import Decimal

from tracker.core.money import PICO_PER_USD, format_usd, usd_to_pico
from tracker.core.timeutil import UTC, Window, from_ms, local_date, now_ms, windows
from tracker.pricing import Pricer
from tracker.services.model_family import OTHER as OTHER_FAMILY
from tracker.services.model_family import family_of
from tracker.services.team_files import parse_week
from tracker.services.team_vector import (
    BASE,
    DEFAULT_COST_BUCKETS_USD,
    DEFAULT_FAMILIES,
    NUDGES,
    OTHER_CATEGORY,
    ROI,
    TOKEN_CLASSES,
    UNCATEGORISED,
    Layout,
    category_group,
    family_group,
    usage_flags,
)
from tracker.storage import Store

log = logging.getLogger(__name__)

INSTALL_ID_SETTING = "team.install_id"
CATEGORIES_SETTING = "team.categories"  # the categories a team being set up here will list
VALUES_SCHEMA = "tracker.team-values/1"
_CATEGORY_CLEAN = re.compile(r"[^a-z0-9._-]+")
# Why a section is empty: codes, never free text (free text could carry a path or a name).
REASONS = {
    "not_installed": "this build has no {what} feature",
    "no_tags": "no local tag is mapped to a team category",
    "unavailable": "the {what} data could not be read on this machine",
}


class TeamSetupError(ValueError):
    """Team sharing is not set up; the text says how."""


# -- rounding (for reading; the sums themselves are exact) --------------------------------
def round_usd(pico: int) -> int:
    """Whole US dollars, half-even (exact: no float)."""
    q, r = divmod(pico, PICO_PER_USD)
    twice = 2 * r
    if twice > PICO_PER_USD or (twice == PICO_PER_USD and q % 2):
        q += 1
    return q


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
    """A random id made once per install; it never leaves the machine (it names this install's keys)."""
    value = store.get_setting(INSTALL_ID_SETTING)
    if not value:
        value = _random.token_hex(32)
        store.set_setting(INSTALL_ID_SETTING, value)
    return value


# -- weeks -------------------------------------------------------------------
def week_start(label: str) -> date:
    year, week = parse_week(label)
    return date.fromisocalendar(year, week, 1)


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


def default_layout(store: Store) -> Layout:
    """The layout of a team set up with defaults (for a preview before joining one)."""
    listed = store.get_setting(CATEGORIES_SETTING)
    categories = tuple(dict.fromkeys(c for c in map(clean_category, listed or []) if c
                                     and c not in (OTHER_CATEGORY, UNCATEGORISED))) if isinstance(listed, list) else ()
    return Layout(DEFAULT_FAMILIES, categories + (OTHER_CATEGORY, UNCATEGORISED), DEFAULT_COST_BUCKETS_USD)


# -- the values ---------------------------------------------------------------
@dataclass
class Built:
    """A member's values for one week and what the member should know about them (never shared)."""

    week: str
    complete: bool
    values: dict[str, dict[str, int]]
    layout: Layout
    notes: list[str] = field(default_factory=list)
    roi_reason: str | None = None
    nudges_reason: str | None = None

    @property
    def readable(self) -> dict:
        """The same figures for reading (exact decimal dollars): what the mask hides."""
        base = self.values[BASE]

        def tokens(group: dict) -> dict:
            return {c: group.get(f"tokens.{c}", 0) for c in TOKEN_CLASSES}

        low, high = self.layout.bucket_range(self.layout.bucket_of(base["cost_pico"]))
        models = []
        for family in self.layout.families:
            group = self.values.get(family_group(family))
            if group and (group.get("requests") or group.get("cost_pico")):
                models.append({"family": family, "cost_usd": format_usd(group.get("cost_pico", 0)),
                               "requests": group.get("requests", 0),
                               "unpriced_requests": group.get("unpriced_requests", 0), "tokens": tokens(group)})
        categories = []
        for category in self.layout.categories:
            group = self.values.get(category_group(category))
            if group and base[f"category_used.{category}"]:
                categories.append({"category": category, "cost_usd": format_usd(group.get("cost_pico", 0)),
                                   "value_usd": format_usd(group["value_pico"]) if group.get("with_value") else None})
        nudges = self.values.get(NUDGES, {})
        return {
            "schema": VALUES_SCHEMA, "week": self.week, "complete": self.complete, "currency": "USD",
            "cost_basis": "estimated",
            "totals": {"cost_usd": format_usd(base["cost_pico"]), "requests": base["requests"],
                       "unpriced_requests": base["unpriced_requests"], "tokens": tokens(base)},
            "cost_bucket": {"from_usd": low, "to_usd": high},
            "models": models,
            "roi": {"available": bool(base["roi_available"]), "reason": self.roi_reason, "categories": categories},
            "nudges": {"available": bool(base["nudges_available"]), "reason": self.nudges_reason,
                       "open": nudges.get("open", 0), "switched": nudges.get("switched", 0),
                       "realised_weekly_savings_usd": format_usd(nudges.get("realised_weekly_pico", 0))},
        }


_SUM_KEYS = ("input_tokens", "cache_read_tokens", "cache_write_5m_tokens", "cache_write_1h_tokens",
             "output_tokens", "reasoning_tokens", "requests", "unpriced_requests", "cost_pico")


def _usage_fields(row: dict) -> dict[str, int]:
    return {
        "cost_pico": row["cost_pico"], "requests": row["requests"], "unpriced_requests": row["unpriced_requests"],
        "tokens.input": row["input_tokens"], "tokens.cache_read": row["cache_read_tokens"],
        "tokens.cache_write": row["cache_write_5m_tokens"] + row["cache_write_1h_tokens"],
        "tokens.output": row["output_tokens"], "tokens.reasoning": row["reasoning_tokens"],
    }


def _usage(store: Store, win: Window, layout: Layout) -> tuple[dict[str, int], dict[str, dict[str, int]]]:
    """(totals, usage per family group): exact sums of the week."""
    groups: dict[str, dict] = defaultdict(lambda: {k: 0 for k in _SUM_KEYS})
    total = {k: 0 for k in _SUM_KEYS}
    for row in store.aggregate([win], group_by=["model"]):
        family = family_of(row["model"])
        family = family if family in layout.families else OTHER_FAMILY
        for name in _SUM_KEYS:
            groups[family][name] += row[name] or 0
            total[name] += row[name] or 0
    used = {f: _usage_fields(g) for f, g in groups.items() if g["requests"]}
    return _usage_fields(total), used


def clean_category(raw: str | None) -> str | None:
    if not raw or not raw.strip():
        return None
    label = _CATEGORY_CLEAN.sub("-", raw.strip().lower()).strip("-._")[:40]
    return label or None


def _roi(store: Store, zone: tzinfo, win: Window, week_end: date, layout: Layout,
         notes: list[str]) -> tuple[str | None, dict[str, dict[str, int]]]:
    """(reason when absent, cost and value per team category); local tag names stay here."""
    try:
        roi_service = importlib.import_module("tracker.services.roi")
    except ImportError:
        return "not_installed", {}
    if not hasattr(store, "tags"):
        return "not_installed", {}
    try:
        tags = store.tags()
        report = roi_service.roi_report(store, zone, "week", since=win.start_day, until=week_end,
                                        today=week_end + timedelta(days=1))
    except Exception:  # the ROI feature failing must not stop the rest of the summary
        log.exception("ROI for the team summary failed")
        notes.append("ROI by category was left out: the value data could not be read (see the log).")
        return "unavailable", {}
    category_of = {t["name"]: clean_category(t.get("team_category")) for t in tags}
    private = {t["name"].strip().lower() for t in tags}
    for t in tags:  # a client's billing name is as private as its tag name
        private |= {clean_category(v) or "" for v in (t.get("billing") or {}).values() if isinstance(v, str)}
    private = {clean_category(p) for p in private if p}
    private |= {clean_category(p) for p in _project_names(store) if p}
    team_categories = set(layout.categories) - {OTHER_CATEGORY, UNCATEGORISED}
    cost: dict[str, int] = defaultdict(int)
    value: dict[str, int] = defaultdict(int)
    has_value: set[str] = set()
    for row in report.get("tags", []):
        category = category_of.get(row.get("tag")) or UNCATEGORISED
        if category != UNCATEGORISED:
            if category in private and category not in team_categories:
                notes.append("A team category equal to a local tag or project name was sent as 'other'.")
                category = OTHER_CATEGORY
            elif category not in team_categories:
                notes.append("A team category outside the team's list was sent as 'other'.")
                category = OTHER_CATEGORY
        cost[category] += usd_to_pico(row.get("cost_usd") or "0")
        if row.get("value_usd") is not None:
            amount = usd_to_pico(Decimal(row["value_usd"]))
            if amount < 0:
                notes.append("A negative value was sent as 0.")
            value[category] += max(amount, 0)
            has_value.add(category)
    if not any(c != UNCATEGORISED for c in cost):
        notes.append("ROI by category is empty: map local tags to team categories "
                     "(`tracker tags` with a team category) to share it.")
        return "no_tags", {}
    return None, {c: {"cost_pico": max(cost[c], 0), "value_pico": value[c], "with_value": int(c in has_value)}
                  for c in cost}


def _project_names(store: Store) -> list[str]:
    return store.project_names()


def _nudges(store: Store, pricer: Pricer, zone: tzinfo, at_ms: int,
            notes: list[str]) -> tuple[str | None, dict[str, int]]:
    try:
        nudge_service = importlib.import_module("tracker.services.nudges")
    except ImportError:
        return "not_installed", {}
    try:
        found = nudge_service.compute_nudges(store, pricer, zone, now=at_ms)
    except Exception:
        log.exception("nudges for the team summary failed")
        notes.append("Nudge adoption was left out: nudges could not be computed (see the log).")
        return "unavailable", {}
    realised = 0
    for nudge in found:
        follow = getattr(nudge, "follow_through", None)
        if nudge.status == "switched" and follow is not None and follow.realised_weekly_pico:
            realised += max(follow.realised_weekly_pico, 0)  # an estimate per simple request that moved
    return None, {"open": sum(1 for n in found if n.status == "open"),
                  "switched": sum(1 for n in found if n.status == "switched"), "realised_weekly_pico": realised}


def build_values(store: Store, pricer: Pricer, zone: tzinfo, layout: Layout, week: str | None = None,
                 at_ms: int | None = None) -> Built:
    """This member's values for ISO `week` (default: the last complete week) in the team's layout."""
    at_ms = at_ms if at_ms is not None else now_ms()
    week = week or last_complete_week(zone, at_ms)
    win = week_window(week, zone)
    week_end = win.start_day + timedelta(days=6)
    notes: list[str] = []
    totals, families = _usage(store, win, layout)
    if totals["unpriced_requests"]:
        notes.append(f"{totals['unpriced_requests']} request(s) have no known price and are not in the cost.")
    roi_reason, categories = _roi(store, zone, win, week_end, layout, notes)
    nudges_reason, nudges = _nudges(store, pricer, zone, min(at_ms, win.end_ms), notes)
    base = {"members": 1, **totals, f"hist.{layout.bucket_of(totals['cost_pico'])}": 1,
            **usage_flags(layout.families, set(families), "family"),
            "roi_available": int(roi_reason is None), "nudges_available": int(nudges_reason is None),
            **usage_flags(layout.categories, {c for c, v in categories.items() if v["cost_pico"] or v["with_value"]},
                          "category")}
    values = {BASE: base, **{family_group(f): v for f, v in families.items()}}
    if categories:
        values[ROI] = {"cost_pico": sum(v["cost_pico"] for v in categories.values()),
                       "value_pico": sum(v["value_pico"] for v in categories.values()),
                       "with_value": int(any(v["with_value"] for v in categories.values()))}
        values |= {category_group(c): v for c, v in categories.items()}
    if nudges:
        values[NUDGES] = nudges
    complete = at_ms >= win.end_ms
    if not complete:
        notes.append(f"{week} is not over yet: its figures will still grow.")
    layout.encode(values)  # values outside the allow-list never get as far as a mask
    return Built(week, complete, values, layout, list(dict.fromkeys(notes)), roi_reason, nudges_reason)


def to_json_bytes(doc: dict) -> bytes:
    """A readable document as the exact bytes `tracker summary export` prints."""
    return (json.dumps(doc, indent=2, sort_keys=False, ensure_ascii=True) + "\n").encode()


def utc_stamp(at_ms: int) -> str:
    return from_ms(at_ms).astimezone(UTC).strftime("%Y-%m-%dT%H:%MZ")
