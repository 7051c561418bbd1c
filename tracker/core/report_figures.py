"""The figures of a usage report, from aggregate rows: one shape for every report (DESIGN.md section 8).

services.reports gathers the rows from the store; the command line's quick
answer (tracker.quick) gathers them from the hourly rollup alone; both shape
them here, so the two cannot print different figures. Standard library only.
"""

from __future__ import annotations

from collections import namedtuple
from operator import itemgetter

from tracker.core.money import format_usd
from tracker.core.timeutil import date, local_date, timedelta, tzinfo, zone_name  # (datetime's, see timeutil)
from tracker.core.token_fields import TOKEN_FIELDS

PERIOD_FIELD = {"day": "date", "week": "week", "month": "month"}
DEFAULT_RANGE_DAYS = 30


# A report's first and last local days (a named tuple: dataclasses cost ~9 ms at start-up, a tenth of a
# quick report).
Range = namedtuple("Range", "since until")


def report_range(span_ms: tuple[int, int] | None, today: date, zone: tzinfo, since: date | None,
                 until: date | None) -> Range:
    """Missing bounds: from the first data (`span_ms`: the first and last stored times) or 30 days back, to today."""
    if since is None:
        since = local_date(span_ms[0], zone) if span_ms else today - timedelta(days=DEFAULT_RANGE_DAYS - 1)
    if until is None:
        until = max(today, local_date(span_ms[1], zone)) if span_ms else today
    if until < since:
        raise ValueError(f"--until {until} is before --since {since}")
    return Range(since, until)


def public(row: dict, into: dict | None = None) -> dict:
    """The published figures of an aggregate row (or of totals): a new dict, or added to `into` (a report row
    whose own fields come first: one dict a row, not a second one copied into it, ~0.3 ms of a year of days)."""
    out = {} if into is None else into
    out["input_tokens"] = row["input_tokens"]
    out["cache_read_tokens"] = row["cache_read_tokens"]
    out["cache_write_tokens"] = row["cache_write_5m_tokens"] + row["cache_write_1h_tokens"]
    out["cache_write_1h_tokens"] = row["cache_write_1h_tokens"]
    out["output_tokens"] = row["output_tokens"]
    out["reasoning_tokens"] = row["reasoning_tokens"]
    out["requests"] = row["requests"]
    # A row whose every request is unpriced has no cost, not a cost of $0.
    out["cost_usd"] = None if all_unpriced(row) else format_usd(row["cost_pico"])
    out["unpriced_requests"] = row["unpriced_requests"]
    # priced, but a price class with no known rate is left out: the cost is a lower bound
    out["partly_priced_requests"] = row["partly_priced_requests"]
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


def totals(rows: list[dict], plans: bool = False) -> dict:
    total = {c: 0 for c in TOKEN_FIELDS} | {"requests": 0, "cost_pico": 0, "unpriced_requests": 0,
                                            "partly_priced_requests": 0}
    if plans:
        total |= {"api_equivalent_pico": 0, "plan_covered_pico": 0}
    for key in total:  # a column at a time, summed in C (a year of daily rows: 0.6 -> 0.1 ms)
        total[key] = sum(map(itemgetter(key), rows), total[key])
    # a total's cost is null only when every row's is (1: some row has a cost)
    total["priced_rows"] = 0 if rows and all(all_unpriced(row) for row in rows) else 1
    return total


PLAN_NOTE = ("cost_usd is money paid as you go: usage a subscription plan covered is not in it; "
             "plan_covered_usd is that usage at API-equivalent cost (list prices), and api_equivalent_usd "
             "is everything at list prices. What each plan was worth: `tracker plans value`.")


def with_plan_figures(public: dict, row: dict) -> dict:
    """The API-equivalent figures beside cost_usd, labelled, when a plan covered part of the report."""
    public["plan_covered_usd"] = format_usd(row["plan_covered_pico"])
    public["api_equivalent_usd"] = format_usd(row["api_equivalent_pico"])
    return public


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


def period_report(zone: tzinfo, span: Range, period: str, by: str, raw: list[dict], planned: bool) -> dict:
    """A daily, weekly or monthly report of aggregate rows (Store.aggregate's shape, on a cost basis), without
    the billed figures: its rows in period, source and `by` order, totals, notes."""
    raw.sort(key=lambda r: (r["_start_ms"], r.get("source") or "", str(r.get(by) or "")))
    field = PERIOD_FIELD[period]
    rows = []
    for r in raw:
        row = {field: r["period"], "source": r["source"]}
        if by != "source":
            row[by] = r[by]
        public(r, into=row)
        rows.append(with_plan_figures(row, r) if planned else row)
    total = totals(raw, planned)
    report = {
        "timezone": zone_name(zone),
        "since": span.since.isoformat(),
        "until": span.until.isoformat(),
        "rows": rows,
        "totals": with_plan_figures(public(total), total) if planned else public(total),
    }
    report["totals"]["cost_basis"] = "estimated"
    notes = overlap_notes({r["source"] for r in rows}) + ([PLAN_NOTE] if planned else [])
    if notes:
        report["notes"] = notes
    return report
