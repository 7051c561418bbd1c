"""The team report from a team folder: the published weeks, nothing else.

Every file is read and checked on its own (team_files.py): a foreign,
damaged or misplaced file is rejected whole and named with the reason. A week
counts only once published by the protocol (team_protocol.py): after its
deadline, from the list of members agreed by a majority of the roster, and
only when k or more members are on that list. k, the roster and the deadline
come from the team's signed settings; the merge has no say in them, and
merging again (with more files, fewer, or late ones) gives the same figures.

What a published week gives, and therefore the report: sums over its members
(cost, requests, tokens), a histogram of the members' weekly cost in the
team's buckets (quantiles are ranges of those buckets, never one member's
figure), and breakdowns (model families, team categories, nudge adoption)
only where k or more members stand behind a row; smaller rows and the least
used large one are pooled, so no row can be subtracted out of the total.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import ROUND_HALF_EVEN, Decimal
from pathlib import Path

from tracker.core.money import format_usd
from tracker.services import team_files as tf
from tracker.services import team_protocol as tp
from tracker.services.model_family import provider_of
from tracker.services.team_summary import round_usd
from tracker.services.team_vector import (
    NUDGES,
    ROI,
    TOKEN_CLASSES,
    Layout,
    category_group,
    category_pooling,
    family_group,
    family_pooling,
)

REPORT_SCHEMA = "tracker.team-report/2"
POOLED = "other (pooled)"
QUANTILES = (("p25", Decimal("0.25")), ("median", Decimal("0.5")), ("p75", Decimal("0.75")))


class TeamChoiceError(ValueError):
    """The folder holds no team, or several and none was chosen."""


def choose_team(contents: tf.Folder, team: str | None) -> str:
    teams = tp.teams_in(contents.settings)
    if team is not None:
        if team not in teams:
            raise TeamChoiceError(f"the folder holds no settings of your team ({team}); is it the team's folder?")
        return team
    if not teams:
        raise TeamChoiceError("the folder holds no team settings: the founder sets a team up with "
                              "`tracker summary team create`")
    if len(teams) > 1:
        raise TeamChoiceError("the folder holds the settings of several teams: give the team key (--team-key)")
    return teams[0]


def week_results(contents: tf.Folder, team: str, at_ms: int) -> tuple[tp.TeamSettings, list[tp.WeekResult]]:
    team_settings = tp.TeamSettings.from_docs(team, contents.settings)
    results = []
    for week in sorted(contents.weeks, key=tf.parse_week):
        settings = team_settings.for_week(week)  # the founder's, by week: no member's file chooses them
        if settings is not None:
            results.append(tp.week_result(settings, week, contents.weeks[week], at_ms))
    return team_settings, results


# -- quantiles -----------------------------------------------------------------------
def quantile_range(layout: Layout, histogram: list[int], q: Decimal) -> dict:
    """The range of buckets the q-quantile (inclusive method) falls in: from the lower edge of the
    bucket of the order statistic below it to the upper edge of the one above."""
    n = sum(histogram)
    pos = (n - 1) * q
    low_rank, high_rank = int(pos), int(pos) + (0 if pos == int(pos) else 1)

    def bucket(rank: int) -> int:
        seen = 0
        for i, count in enumerate(histogram):
            seen += count
            if rank < seen:
                return i
        return len(histogram) - 1

    low, _ = layout.bucket_range(bucket(low_rank))
    _, high = layout.bucket_range(bucket(high_rank))
    return {"from_usd": low, "to_usd": high}


def _histogram(layout: Layout, base: dict[str, int]) -> list[int]:
    return [base[f"hist.{i}"] for i in range(len(layout.cost_buckets_usd) + 1)]


def _quantiles(layout: Layout, histogram: list[int]) -> dict:
    return {name: quantile_range(layout, histogram, q) for name, q in QUANTILES}


def _pct(part: int, whole: int) -> str:
    if not whole:
        return "—"
    return str((Decimal(part) * 100 / whole).quantize(Decimal("0.1"), rounding=ROUND_HALF_EVEN)) + "%"


# -- the report ------------------------------------------------------------------------------
def _rows(cells: dict[str, dict], pool: dict) -> list[tuple[str, dict]]:
    shown = sorted(cells.items(), key=lambda kv: (-kv[1]["cost_pico"], kv[0]))
    return shown + ([(POOLED, pool)] if pool["members"] else [])


def _add(cell: dict, values: dict, members: int) -> None:
    for key, value in values.items():
        cell[key] = cell.get(key, 0) + value
    cell["members"] = max(cell.get("members", 0), members)


def report_from_results(settings: dict, results: list[tp.WeekResult], problems: list[dict], files_read: int) -> dict:
    """The report of the published weeks among `results` (all made under one team's settings)."""
    k = settings["k"]
    layout = Layout.from_settings(settings)
    published = [r for r in results if r.status == tp.PUBLISHED]
    base_report = {"schema": REPORT_SCHEMA, "team": settings["team"], "settings_version": settings["version"], "k": k,
                   "currency": "USD", "cost_basis": "estimated", "problems": problems,
                   "privacy": {"k": k, "threshold": tp.threshold(settings), "deadline_hours": settings["deadline_hours"],
                               "noise": None,
                               "statement": f"Each week's figures are sums over {k} or more members, unmasked once "
                                            "after the deadline from the members a majority agreed on; no file holds "
                                            "one member's figures. Quantiles are ranges of cost buckets. No noise "
                                            "is added."}}
    if len(settings["roster"]) < k or not published and all(r.status == tp.UNDER_K for r in results):
        return base_report | {  # nothing but that: not even how many weeks, files or members there are
            "members": None, "members_label": f"fewer than {k} members", "weeks": [],
            "files": {"rejected": len(problems)}, "totals": {"suppressed": True},
            "distribution": {"suppressed": True}, "models": [], "roi": [], "nudges": {"suppressed": True},
            "trend": [], "pending": [], "suppressed": [f"Everything: fewer than {k} members."]}
    notes: list[str] = []
    totals = defaultdict(int)
    histogram = [0] * (len(layout.cost_buckets_usd) + 1)
    families: dict[str, dict] = {}
    family_pool = {"members": 0}
    categories: dict[str, dict] = {}
    category_pool = {"members": 0}
    mix_weeks, roi_weeks, trend = [], [], []
    nudges = {"suppressed": True}
    for result in results:
        if result.status != tp.PUBLISHED:
            if result.status == tp.UNDER_K:
                trend.append({"week": result.week, "status": result.status, "suppressed": True})
            continue
        base = result.base
        week_layout, week_k = Layout.from_settings(result.settings), result.settings["k"]  # admit may change them
        for name in ("cost_pico", "requests", "unpriced_requests", *(f"tokens.{c}" for c in TOKEN_CLASSES)):
            totals[name] += base[name]
        week_hist = _histogram(layout, base)
        histogram = [a + b for a, b in zip(histogram, week_hist, strict=True)]
        trend.append({"week": result.week, "status": result.status, "suppressed": False, "members": result.members,
                      "cost_usd": round_usd(base["cost_pico"]), "cost_usd_exact": format_usd(base["cost_pico"]),
                      "requests": base["requests"]} | _quantiles(layout, week_hist))
        if result.pending_groups:
            notes.append(f"{result.week}: breakdowns not unmasked yet; its usage is in the totals only.")
            continue
        fam = family_pooling(week_layout, base, week_k)
        shown_cost = defaultdict(int)
        for family in fam.shown:
            values = result.groups[family_group(family)]
            _add(families.setdefault(family, {}), values, base[f"family_used.{family}"])
            for key in ("cost_pico", "requests"):
                shown_cost[key] += values[key]
        if fam.pooled:
            _add(family_pool, {key: base[key] - shown_cost[key] for key in ("cost_pico", "requests")},
                 fam.pool_members_at_least)
        mix_weeks.append(base["cost_pico"])
        if ROI in result.groups:
            roi_weeks.append(result.week)
            cat = category_pooling(week_layout, base, week_k)
            shown_value = defaultdict(int)
            for category in cat.shown:
                values = result.groups[category_group(category)]
                _add(categories.setdefault(category, {}), values, base[f"category_used.{category}"])
                for key in ("cost_pico", "value_pico", "with_value"):
                    shown_value[key] += values[key]
            if cat.pooled:
                roi = result.groups[ROI]
                _add(category_pool, {key: roi[key] - shown_value[key] for key in ("cost_pico", "value_pico",
                                                                                  "with_value")},
                     cat.pool_members_at_least)
        if NUDGES in result.groups:
            n = result.groups[NUDGES]
            nudges = {"suppressed": False, "week": result.week, "members": base["nudges_available"],
                      "open": n["open"], "switched": n["switched"],
                      "realised_weekly_savings_usd": round_usd(n["realised_weekly_pico"]),
                      "realised_basis": "estimated per simple request that moved to the cheaper model"}
    if not published:
        notes.append("No week is published yet: see pending.")
    mix_total = sum(mix_weeks)
    models = [{"provider": provider_of(None, f) if f != POOLED else "other", "family": f, "members": c["members"],
               "cost_usd": round_usd(c["cost_pico"]), "cost_share": _pct(c["cost_pico"], mix_total),
               "requests": c["requests"]} for f, c in _rows(families, family_pool)]
    if family_pool["members"]:
        notes.append(f"Model mix: families with fewer than {k} members are pooled with the least used other "
                     f"one, so that no row can be worked out from the total.")
    roi = [{"category": c, "members": cell["members"], "cost_usd": round_usd(cell["cost_pico"]),
            "value_usd": round_usd(cell["value_pico"]) if cell.get("with_value") else None}
           for c, cell in _rows(categories, category_pool)]
    if published and not roi:
        notes.append(f"ROI by category: fewer than {k} members reported it.")
    if nudges["suppressed"] and published:
        notes.append(f"Nudge adoption: fewer than {k} members reported it.")
    members = max((r.members for r in published), default=None)
    pending = [{"week": r.week, "status": r.status, "detail": r.detail} for r in results
               if r.status not in (tp.PUBLISHED, tp.UNDER_K)]
    if any(r.status == tp.UNDER_K for r in results):
        notes.append(f"Weeks with fewer than {k} members taking part are not published.")
    return base_report | {
        "members": members,
        "members_label": (f"{members} members" if members else f"{len(settings['roster'])} members on the roster"),
        "roster": len(settings["roster"]),
        "weeks": [r.week for r in published],
        "files": {"read": files_read, "rejected": len(problems)},
        "totals": ({"suppressed": False, "cost_usd": round_usd(totals["cost_pico"]),
                    "cost_usd_exact": format_usd(totals["cost_pico"]), "requests": totals["requests"],
                    "unpriced_requests": totals["unpriced_requests"],
                    "tokens": {c: totals[f"tokens.{c}"] for c in TOKEN_CLASSES}}
                   if published else {"suppressed": True}),
        "distribution": ({"suppressed": False, "member_weeks": sum(histogram)} | _quantiles(layout, histogram)
                         if published else {"suppressed": True}),
        "models": models,
        "roi": roi,
        "nudges": nudges,
        "trend": trend,
        "pending": pending,
        "suppressed": notes,
    }


def merge_folder(folder: Path, team: str | None = None, at_ms: int | None = None) -> dict:
    """The team report from `folder`, for `team` (a pinned team key) or the folder's only team."""
    from tracker.core.timeutil import now_ms

    contents = tf.read_folder(folder)
    team = choose_team(contents, team)
    team_settings, results = week_results(contents, team, at_ms if at_ms is not None else now_ms())
    problems = list(contents.problems)
    for result in results:
        problems += [{"file": f"weeks/{result.week}/{name}.json", "error": why}
                     for name, why in sorted(result.rejected.items())]
    problems += [{"file": tf.settings_path(Path(), doc["version"]).name, "error": "settings of another team: not used"}
                 for doc in contents.settings if doc["team"] != team]
    for version in team_settings.conflicts:
        problems.append({"file": f"settings-v{version:04d}.json",
                         "error": "two different settings of the same version were signed: neither is used"})
    settings = team_settings.latest()
    if settings is None:
        raise TeamChoiceError("no usable settings of the team in the folder")
    return report_from_results(settings, results, problems, contents.files_read)
