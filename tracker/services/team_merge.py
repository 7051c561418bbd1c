"""Merging a folder of member summaries into the team report.

Every file is read and checked on its own (team_schema.validate): a foreign
or damaged file is rejected whole, named in `problems` with the reason, and
the others are still merged. Merging is idempotent: summaries are keyed on
(member, week) and the latest `generated_at` wins, so a file seen twice, or
two copies of it, count once.

Privacy: the report holds sums and quantiles only, never a member's row, and
any breakdown drawn from fewer than `k` distinct members is suppressed. Rows
that are suppressed are pooled; when the pool itself would be under k (so
that total minus the shown rows would reveal it), the smallest shown rows are
pooled too until it is not (secondary suppression).
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal
from pathlib import Path

from tracker.services.team_schema import MAX_FILE_BYTES, TOKEN_CLASSES, SummaryFormatError, validate

DEFAULT_K = 5
REPORT_SCHEMA = "tracker.team-report/1"
POOLED = "other (pooled)"


@dataclass
class Loaded:
    summaries: list[dict] = field(default_factory=list)  # deduplicated, one per (member, week)
    problems: list[dict] = field(default_factory=list)
    files_read: int = 0
    files_valid: int = 0
    duplicates: int = 0


def read_summary(path: Path) -> dict:
    """One file, fully checked; SummaryFormatError (clear text) when it is not a usable summary."""
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise SummaryFormatError(f"file: too large for a summary ({size} bytes)")
        raw = path.read_bytes()
    except OSError as exc:
        raise SummaryFormatError(f"file: cannot be read ({exc.strerror or type(exc).__name__})") from None
    try:
        doc = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SummaryFormatError(f"file: damaged or not JSON ({type(exc).__name__} at "
                                 f"{getattr(exc, 'pos', getattr(exc, 'start', '?'))})") from None
    return validate(doc)


def _digest(doc: dict) -> str:
    return hashlib.sha256(json.dumps(doc, sort_keys=True).encode()).hexdigest()


def load_folder(folder: Path, expected_team: str | None = None) -> Loaded:
    folder = Path(folder)
    if not folder.is_dir():
        raise ValueError(f"{folder} is not a folder: give the folder your team's summaries are shared in")
    out = Loaded()
    valid: list[tuple[str, dict]] = []
    for path in sorted(p for p in folder.rglob("*.json") if p.is_file()):
        name = str(path.relative_to(folder))
        out.files_read += 1
        try:
            valid.append((name, read_summary(path)))
        except SummaryFormatError as exc:
            out.problems.append({"file": name, "error": str(exc)})
    team = expected_team
    if team is None and valid:
        team = Counter(doc["team"] for _, doc in valid).most_common(1)[0][0]
    best: dict[tuple[str, str], dict] = {}
    for name, doc in valid:
        if doc["team"] != team:
            why = "your team" if expected_team else "most files in this folder"
            out.problems.append({"file": name, "error": f"team: belongs to another team than {why}; not merged"})
            continue
        out.files_valid += 1
        key = (doc["member"], doc["week"])
        current = best.get(key)
        if current is None:
            best[key] = doc
            continue
        out.duplicates += 1
        if (doc["generated_at"], _digest(doc)) > (current["generated_at"], _digest(current)):
            best[key] = doc
    out.summaries = sorted(best.values(), key=lambda d: (d["week"], d["member"]))
    return out


# -- statistics ---------------------------------------------------------------
def quantile(values: list[int], q: Decimal) -> int:
    """Linear interpolation between order statistics (the 'inclusive' method), rounded to whole units."""
    data = sorted(values)
    pos = (len(data) - 1) * q
    lo = int(pos)
    hi = min(lo + 1, len(data) - 1)
    exact = Decimal(data[lo]) + (Decimal(data[hi]) - Decimal(data[lo])) * (pos - lo)
    return int(exact.to_integral_value(rounding=ROUND_HALF_EVEN))


def quartiles(values: list[int]) -> dict:
    return {"p25_usd": quantile(values, Decimal("0.25")), "median_usd": quantile(values, Decimal("0.5")),
            "p75_usd": quantile(values, Decimal("0.75"))}


def _pct(part: int, whole: int) -> str:
    if not whole:
        return "—"
    return str((Decimal(part) * 100 / whole).quantize(Decimal("0.1"), rounding=ROUND_HALF_EVEN)) + "%"


@dataclass
class _Cell:
    members: set = field(default_factory=set)
    cost: int = 0
    requests: int = 0
    value: int | None = None

    def add(self, member: str, cost: int, requests: int = 0, value: int | None = None) -> None:
        self.members.add(member)
        self.cost += cost
        self.requests += requests
        if value is not None:
            self.value = (self.value or 0) + value

    def absorb(self, other: "_Cell") -> None:
        self.members |= other.members
        self.cost += other.cost
        self.requests += other.requests
        if other.value is not None:
            self.value = (self.value or 0) + other.value


def suppress(cells: dict[tuple, _Cell], k: int) -> tuple[list[tuple[tuple, _Cell]], _Cell | None, list[tuple]]:
    """Shown rows, the pooled row (None when empty or itself under k) and the keys that were hidden."""
    shown = {key: c for key, c in cells.items() if len(c.members) >= k}
    hidden = [key for key in cells if key not in shown]
    pool = _Cell()
    for key in hidden:
        pool.absorb(cells[key])
    while hidden and len(pool.members) < k and shown:
        smallest = min(shown, key=lambda key: (shown[key].cost, key))
        pool.absorb(shown.pop(smallest))
        hidden.append(smallest)
    ordered = sorted(shown.items(), key=lambda kv: (-kv[1].cost, kv[0]))
    if not hidden or len(pool.members) < k:
        return ordered, None, hidden
    return ordered, pool, hidden


def merge(loaded: Loaded, k: int = DEFAULT_K) -> dict:
    if k < 1:
        raise ValueError("--k must be at least 1")
    docs = loaded.summaries
    members = {d["member"] for d in docs}
    weeks = sorted({d["week"] for d in docs})
    notes: list[str] = []
    tokens = {c: sum(d["totals"]["tokens"][c] for d in docs) for c in TOKEN_CLASSES}
    total_cost = sum(d["totals"]["cost_usd"] for d in docs)
    if len(members) >= k:
        totals = {"suppressed": False, "cost_usd": total_cost,
                  "requests": sum(d["totals"]["requests"] for d in docs), "tokens": tokens}
    else:
        totals = {"suppressed": True}
        notes.append(f"Totals: suppressed, fewer than {k} members.")
    # distribution: each member's mean weekly cost over the weeks they reported
    per_member: dict[str, list[int]] = defaultdict(list)
    for d in docs:
        per_member[d["member"]].append(d["totals"]["cost_usd"])
    means = [int((Decimal(sum(v)) / len(v)).to_integral_value(rounding=ROUND_HALF_EVEN)) for v in per_member.values()]
    distribution = {"suppressed": True}
    if len(means) >= k:
        distribution = {"suppressed": False, "members": len(means)} | quartiles(means)
    else:
        notes.append(f"Cost distribution: suppressed, fewer than {k} members.")
    # model mix
    model_cells: dict[tuple, _Cell] = defaultdict(_Cell)
    for d in docs:
        for m in d["models"]:
            model_cells[(m["provider"], m["family"])].add(d["member"], m["cost_usd"], m["requests"])
    shown, pool, hidden = suppress(model_cells, k)
    mix_total = sum(c.cost for c in model_cells.values())
    models = [{"provider": p, "family": f, "members": len(c.members), "cost_usd": c.cost,
               "cost_share": _pct(c.cost, mix_total), "requests": c.requests} for (p, f), c in shown]
    if pool is not None:
        models.append({"provider": "other", "family": POOLED, "members": len(pool.members), "cost_usd": pool.cost,
                       "cost_share": _pct(pool.cost, mix_total), "requests": pool.requests})
    if hidden:
        notes.append(f"Model mix: {len(hidden)} provider/family row(s) with fewer than {k} members suppressed"
                     + (" (pooled)." if pool is not None else "."))
    # ROI by category
    roi_cells: dict[tuple, _Cell] = defaultdict(_Cell)
    for d in docs:
        if d["roi"]["available"]:
            for c in d["roi"]["categories"]:
                roi_cells[(c["category"],)].add(d["member"], c["cost_usd"], 0, c["value_usd"])
    shown, pool, hidden = suppress(roi_cells, k)
    roi = [{"category": key[0], "members": len(c.members), "cost_usd": c.cost, "value_usd": c.value}
           for key, c in shown]
    if pool is not None:
        roi.append({"category": POOLED, "members": len(pool.members), "cost_usd": pool.cost, "value_usd": pool.value})
    if hidden:
        notes.append(f"ROI: {len(hidden)} category row(s) with fewer than {k} members suppressed"
                     + (" (pooled)." if pool is not None else "."))
    # nudges
    nudge_docs = [d for d in docs if d["nudges"]["available"]]
    nudge_members = {d["member"] for d in nudge_docs}
    if len(nudge_members) >= k:
        fields = ("open", "switched", "realised_weekly_savings_usd")
        nudges = {"suppressed": False, "members": len(nudge_members),
                  **{f: sum(d["nudges"][f] for d in nudge_docs) for f in fields}}
    else:
        nudges = {"suppressed": True}
        notes.append(f"Nudge adoption: suppressed, fewer than {k} members reported it.")
    # trend over weeks: the same suppression as the other breakdowns, so that the totals minus the
    # weeks shown never give away a week of fewer than k members (the smallest shown weeks join it)
    week_cells: dict[tuple, _Cell] = defaultdict(_Cell)
    for d in docs:
        week_cells[(d["week"],)].add(d["member"], d["totals"]["cost_usd"], d["totals"]["requests"])
    shown_weeks, _pool, hidden_weeks = suppress(week_cells, k)
    visible = {key[0] for key, _cell in shown_weeks}
    trend = []
    for week in weeks:
        if week in visible:
            costs = [d["totals"]["cost_usd"] for d in docs if d["week"] == week]
            trend.append({"week": week, "suppressed": False, "members": len(costs), "cost_usd": sum(costs)}
                         | quartiles(costs))
        else:
            trend.append({"week": week, "suppressed": True})
    if hidden_weeks:
        notes.append(f"Trend: {len(hidden_weeks)} week(s) suppressed (fewer than {k} members, or pooled with one "
                     "that was so that it cannot be worked out from the totals).")
    return {
        "schema": REPORT_SCHEMA,
        "k": k,
        "members": len(members) if len(members) >= k else None,
        "members_label": f"{len(members)} members" if len(members) >= k else f"fewer than {k} members",
        "weeks": weeks,
        # under k the number of files would give the member count away (one file each per week)
        "files": ({"read": loaded.files_read, "merged": loaded.files_valid, "duplicates": loaded.duplicates,
                   "rejected": len(loaded.problems)} if len(members) >= k else {"rejected": len(loaded.problems)}),
        "totals": totals,
        "distribution": distribution,
        "models": models,
        "roi": roi,
        "nudges": nudges,
        "trend": trend,
        "suppressed": notes,
        "problems": loaded.problems,
        "currency": "USD",
        "cost_basis": "estimated",
    }


def merge_folder(folder: Path, k: int = DEFAULT_K, expected_team: str | None = None) -> dict:
    return merge(load_folder(folder, expected_team), k)
