"""Reports: the figures every view shows, in one shape.

`usage_report` gives the documented JSON shape (DESIGN.md section 8): rows per
period and group with every token class, requests, cost (decimal string USD),
unpriced requests and partly priced requests (a price class left out: the
cost is a lower bound), plus totals. Days, weeks and months are the user's
timezone; stored times are UTC.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo

from tracker.core.money import format_usd
from tracker.core.timeutil import UTC, Window, local_date, now_ms, windows, zone_name
from tracker.services import cost_basis
from tracker.sources import usage_source_kinds
from tracker.storage import Store
from tracker.storage.migrations import TOKEN_COLUMNS

PERIOD_OF_REPORT = {"daily": "day", "weekly": "week", "monthly": "month"}
PERIOD_FIELD = {"day": "date", "week": "week", "month": "month"}
GROUPS = ("model", "source", "project", "tag", "session", "account", "api_key", "user")
# Public token fields: the store splits cache writes by TTL; reports add them.
REPORT_TOKEN_FIELDS = ("input_tokens", "cache_read_tokens", "cache_write_tokens", "output_tokens", "reasoning_tokens")
DEFAULT_RANGE_DAYS = 30


@dataclass(frozen=True)
class Range:
    since: date
    until: date


def default_range(store: Store, zone: tzinfo, since: date | None, until: date | None) -> Range:
    """Missing bounds: from the first data (or 30 days back) to today."""
    today = local_date(now_ms(), zone)
    span = store.time_range_ms() if since is None or until is None else None
    if since is None:
        since = local_date(span[0], zone) if span else today - timedelta(days=DEFAULT_RANGE_DAYS - 1)
    if until is None:
        until = max(today, local_date(span[1], zone)) if span else today
    if until < since:
        raise ValueError(f"--until {until} is before --since {since}")
    return Range(since, until)


def _public(row: dict) -> dict:
    out = {
        "input_tokens": row["input_tokens"],
        "cache_read_tokens": row["cache_read_tokens"],
        "cache_write_tokens": row["cache_write_5m_tokens"] + row["cache_write_1h_tokens"],
        "cache_write_1h_tokens": row["cache_write_1h_tokens"],
        "output_tokens": row["output_tokens"],
        "reasoning_tokens": row["reasoning_tokens"],
        "requests": row["requests"],
        # A row whose every request is unpriced has no cost, not a cost of $0.
        "cost_usd": None if all_unpriced(row) else format_usd(row["cost_pico"]),
        "unpriced_requests": row["unpriced_requests"],
        # priced, but a price class with no known rate is left out: the cost is a lower bound
        "partly_priced_requests": row["partly_priced_requests"],
    }
    return out


def all_unpriced(row: dict) -> bool:
    """Whether nothing in the row has a price (its cost is unknown, not $0).

    Provider rows often carry no request count (vector-store bytes, Anthropic's
    report): for them, whether any row had a cost (`priced_rows`) tells; a
    request-counted row is all unpriced when every request is.
    """
    if not row["unpriced_requests"]:
        return False
    priced_rows = row.get("priced_rows")
    if priced_rows is not None:
        return priced_rows == 0
    return row["unpriced_requests"] >= row["requests"]


def _totals(rows: list[dict], plans: bool = False) -> dict:
    total = {c: 0 for c in TOKEN_COLUMNS} | {"requests": 0, "cost_pico": 0, "unpriced_requests": 0,
                                             "partly_priced_requests": 0}
    if plans:
        total |= {"api_equivalent_pico": 0, "plan_covered_pico": 0}
    for row in rows:
        for key in total:
            total[key] += row[key]
    # a total's cost is null only when every row's is (1: some row has a cost)
    total["priced_rows"] = 0 if rows and all(all_unpriced(row) for row in rows) else 1
    return total


PLAN_NOTE = ("cost_usd is money paid as you go: usage a subscription plan covered is not in it; "
             "plan_covered_usd is that usage at API-equivalent cost (list prices), and api_equivalent_usd "
             "is everything at list prices. What each plan was worth: `tracker plans value`.")


def _with_plan_figures(public: dict, row: dict) -> dict:
    """The API-equivalent figures beside cost_usd, labelled, when a plan covered part of the report."""
    public["plan_covered_usd"] = format_usd(row["plan_covered_pico"])
    public["api_equivalent_usd"] = format_usd(row["api_equivalent_pico"])
    return public


def _money_rows(store: Store, zone: tzinfo, wins: list[Window], group: list[str], sources) -> tuple[list[dict], bool]:
    """Aggregate rows on the pay-as-you-go basis, and whether the user has plans (then every report of
    this database carries the plan figures: the same columns whatever range is asked)."""
    rows = cost_basis.aggregate(store, zone, wins, group_by=group, sources=sources)
    return rows, cost_basis.has_plans(store)


def check_sources(sources: list[str] | None) -> None:
    """A --source filter that names no source would silently report nothing: say so instead."""
    known = usage_source_kinds() if sources else ()
    unknown = [s for s in sources or () if s not in known]
    if unknown:
        raise ValueError(f"unknown source {', '.join(map(repr, unknown))}: choose from {', '.join(known)}")


def usage_report(
    store: Store,
    zone: tzinfo,
    period: str = "day",
    by: str = "model",
    since: date | None = None,
    until: date | None = None,
    sources: list[str] | None = None,
) -> dict:
    """Rows per period x source x `by` (model, project, ...), with totals and billed figures.

    Read from one snapshot: the range, the sums and the billed figures agree even while a sync writes.
    """
    with store.read_snapshot():
        return _usage_report(store, zone, period, by, since, until, sources)


def _usage_report(store: Store, zone: tzinfo, period: str, by: str, since: date | None, until: date | None,
                  sources: list[str] | None) -> dict:
    if by not in GROUPS:
        raise ValueError(f"--by must be one of {', '.join(GROUPS)}")
    check_sources(sources)
    span = default_range(store, zone, since, until)
    wins = windows(span.since, span.until, period, zone)
    group = ["source"] if by == "source" else ["source", by]
    raw, planned = _money_rows(store, zone, wins, group, sources)
    raw.sort(key=lambda r: (r["_start_ms"], r.get("source") or "", str(r.get(by) or "")))
    field = PERIOD_FIELD[period]
    rows = []
    for r in raw:
        row = {field: r["period"], "source": r["source"]}
        if by != "source":
            row[by] = r[by]
        row.update(_public(r))
        rows.append(_with_plan_figures(row, r) if planned else row)
    totals = _totals(raw, planned)
    report = {
        "timezone": zone_name(zone),
        "since": span.since.isoformat(),
        "until": span.until.isoformat(),
        "rows": rows,
        "totals": _with_plan_figures(_public(totals), totals) if planned else _public(totals),
    }
    report["totals"]["cost_basis"] = "estimated"
    notes = overlap_notes({r["source"] for r in rows}) + ([PLAN_NOTE] if planned else [])
    if notes:
        report["notes"] = notes
    billed = store.billed_by_day(span.since.isoformat(), span.until.isoformat())
    if billed:
        report["billed"] = billed_comparison(store, billed, span, sources)
    return report


# A provider organisation's own figures include the agent's requests when the
# agent runs on one of that organisation's API keys; the logs cannot tell.
OVERLAPPING_SOURCES = (("anthropic", "claude_code", "Claude Code", "Anthropic"),
                       ("openai", "codex", "Codex CLI", "OpenAI"))


def overlap_notes(sources: set[str]) -> list[str]:
    """Warnings where two sources may count the same requests (shown with every total)."""
    return [
        f"{agent} usage may also be inside the {org} organisation's figures if {agent} runs on that "
        f"organisation's API key (not on a subscription); compare them with --source {provider} and "
        f"--source {log_source} before adding them up."
        for provider, log_source, agent, org in OVERLAPPING_SOURCES
        if provider in sources and log_source in sources
    ]


def billed_comparison(store: Store, billed: list[dict], span: Range, sources: list[str] | None) -> list[dict]:
    """Estimated (tokens x price) beside billed, per provider day and source.

    Providers bill by UTC day, so the estimate here is bucketed in UTC too.
    """
    wanted = {b["source"] for b in billed} & (set(sources) if sources else {b["source"] for b in billed})
    estimated = {}
    wins = windows(span.since, span.until, "day", UTC)
    for r in store.aggregate(wins, group_by=["source"], sources=sorted(wanted)):
        estimated[(r["period"], r["source"])] = r["cost_pico"]
    return [
        {
            "date": b["date"],
            "source": b["source"],
            "estimated_usd": format_usd(estimated.get((b["date"], b["source"]), 0)),
            "billed_usd": format_usd(b["billed_pico"]),
        }
        for b in billed
        if b["source"] in wanted
    ]


def sessions_report(store: Store, zone: tzinfo, since: date | None = None, until: date | None = None,
                    sources: list[str] | None = None) -> dict:
    check_sources(sources)
    span = default_range(store, zone, since, until)
    win = windows(span.since, span.until, "day", zone)
    sessions = store.sessions(win[0].start_ms, win[-1].end_ms, sources)
    rows = []
    for s in sessions:
        row = {
            "session": s["session"],
            "source": s["source"],
            "project": s["project"],
            "first_seen": local_iso(s["first_ms"], zone),
            "last_seen": local_iso(s["last_ms"], zone),
            "models": s["models"],
        }
        row.update(_public(s))
        rows.append(row)
    return {"timezone": zone_name(zone), "since": span.since.isoformat(), "until": span.until.isoformat(),
            "rows": rows, "totals": _public(_totals(sessions))}


def projects_report(store: Store, zone: tzinfo, since: date | None = None, until: date | None = None,
                    sources: list[str] | None = None) -> dict:
    check_sources(sources)
    span = default_range(store, zone, since, until)
    whole = windows(span.since, span.until, "day", zone)
    # one window spanning the whole range
    one = [Window("all", whole[0].start_day, whole[0].start_ms, whole[-1].end_ms)]
    raw, planned = _money_rows(store, zone, one, ["project", "source"], sources)
    raw.sort(key=lambda r: -(r["api_equivalent_pico"] or 0))
    rows = []
    for r in raw:
        row = {"project": r["project"], "source": r["source"]}
        row.update(_public(r))
        rows.append(_with_plan_figures(row, r) if planned else row)
    totals = _totals(raw, planned)
    report = {"timezone": zone_name(zone), "since": span.since.isoformat(), "until": span.until.isoformat(),
              "rows": rows, "totals": _with_plan_figures(_public(totals), totals) if planned else _public(totals)}
    if planned:
        report["notes"] = [PLAN_NOTE]
    return report


def local_iso(ms: int, zone: tzinfo) -> str:
    """Local ISO time to the second, with the offset ("2026-11-06T12:34:56+01:00"); the second is truncated."""
    return datetime.fromtimestamp(ms // 1000, zone).isoformat()
