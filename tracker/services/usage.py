"""The Usage table: daily rows, sessions or projects over a date range, from the report services."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, tzinfo
from decimal import Decimal

from tracker.core.timeutil import zone_label
from tracker.core.wording import counted
from tracker.services import tagging
from tracker.services.reports import projects_report, sessions_page, usage_report
from tracker.storage import Store

USAGE_VIEWS = {"daily": "Daily rows", "sessions": "Sessions", "projects": "Projects"}
SESSIONS_ORDER = "first_seen"  # the sessions view's first order: newest first
# On a narrow screen these columns go first, in this order (the figures people look for stay).
NARROW_HIDES = ("session", "cache_write_tokens", "unpriced_requests", "cache_read_tokens", "models", "input_tokens")
# cost and requests first: the token columns push whatever follows them off a laptop's screen
_TOKENS = [("cost_usd", "Cost"), ("requests", "Requests"), ("input_tokens", "Input"),
           ("cache_read_tokens", "Cache read"), ("cache_write_tokens", "Cache write"), ("output_tokens", "Output"),
           ("unpriced_requests", "Unpriced")]
_COLUMNS = {
    "daily": [("date", "Date"), ("source", "Source"), ("model", "Model"), *_TOKENS],
    "sessions": [("first_seen", "Started"), ("source", "Source"), ("project", "Project"), *_TOKENS,
                 ("models", "Models"), ("session", "Session")],
    "projects": [("project", "Project"), ("source", "Source"), *_TOKENS],
}


@dataclass
class UsageTable:
    columns: list[str]
    headers: list[str]
    rows: list[dict]
    summary: str = ""
    billed: list[dict] | None = None
    view: str = ""
    since: date | None = None  # the local days the rows cover: tagging a row tags that range only
    until: date | None = None
    # The sessions view reads a page at a time (reports.sessions_page): `rows` are the first of
    # `total_rows`, in the order of the column `order`; more_rows reads the next ones. None: all rows.
    total_rows: int | None = None
    order: str = ""
    descending: bool = False

    @property
    def paged(self) -> bool:
        return self.total_rows is not None

    @property
    def complete(self) -> bool:
        return self.total_rows is None or len(self.rows) >= self.total_rows


def usage_table(store: Store, zone: tzinfo, view: str, since: date, until: date, order: str = SESSIONS_ORDER,
                descending: bool = True) -> UsageTable:
    """The rows of a view over [since, until]; the sessions view's first page in the order of the column
    `order` (newest first by default: a year is tens of thousands of sessions)."""
    if view not in _COLUMNS:
        raise ValueError(f"unknown usage view {view!r}; choose one of {', '.join(USAGE_VIEWS)}")
    if view == "daily":
        report = usage_report(store, zone, "day", by="model", since=since, until=until)
    elif view == "sessions":
        report = sessions_page(store, zone, since, until, order, descending)
    else:
        report = projects_report(store, zone, since=since, until=until)
    columns = _COLUMNS[view]
    totals = report["totals"]
    total_rows = report.get("total_rows")
    count = len(report["rows"]) if total_rows is None else total_rows
    summary = (f"{count} rows · {report['since']} to {report['until']} "
               f"(days in {zone_label(report['timezone'])}) · "
               f"estimated cost ${Decimal(totals['cost_usd'] or 0):,.2f}")
    if totals.get("plan_covered_usd") is not None:
        summary += (f" paid as you go; plus ${Decimal(totals['plan_covered_usd']):,.2f} of usage your plans "
                    "covered (API-equivalent, not money spent)")
    if view == "sessions":  # why its total is below the Daily rows' for the same days
        summary += " · sessions come from agent logs; provider accounts' daily totals have none"
    if totals["unpriced_requests"]:
        summary += (f" · {counted(totals['unpriced_requests'], 'unpriced request')} "
                    "(no known price; not counted as $0)")
    if totals["partly_priced_requests"]:
        summary += (f" · {counted(totals['partly_priced_requests'], 'partly priced request')} "
                    "(a price class with no known rate: their cost is a lower bound)")
    billed = report.get("billed")
    if billed:
        est = sum(Decimal(b["estimated_usd"]) for b in billed)
        paid = sum(Decimal(b["billed_usd"]) for b in billed)
        summary += f" · where providers bill: estimated ${est:,.2f}, billed ${paid:,.2f}"
    return UsageTable([c for c, _ in columns], [h for _, h in columns], report["rows"], summary, billed, view,
                      date.fromisoformat(report["since"]), date.fromisoformat(report["until"]), total_rows,
                      order if total_rows is not None else "", descending)


def more_rows(store: Store, zone: tzinfo, table: UsageTable) -> list[dict]:
    """The next page of a paged table's rows (none when it is complete)."""
    if table.complete:
        return []
    return sessions_page(store, zone, table.since, table.until, table.order, table.descending,
                         offset=len(table.rows))["rows"]


def _glob_literal(text: str) -> str:
    """`text` as a GLOB pattern matching only itself ([*?[] wrapped in brackets)."""
    return "".join(f"[{ch}]" if ch in "*?[" else ch for ch in text)


def selection_of(table: UsageTable, row: dict) -> dict | None:
    """The usage a row of `table` stands for, as a tagging selection; None when it cannot be named.

    A session's or project's row sums the table's date range only, so the selection is that
    range too: tagging this month's share of a project must not retag its whole history.
    """
    shown = {"since_day": table.since, "until_day": table.until}
    if table.view == "daily":
        return {"source": row["source"], "model_glob": _glob_literal(row["model"] or ""),
                "since_day": row["date"], "until_day": row["date"]}
    if table.view == "sessions" and row.get("session"):
        return {"source": row["source"], "session": row["session"], **shown}
    if table.view == "projects" and row.get("project"):
        return {"source": row["source"], "project_glob": _glob_literal(row["project"]), **shown}
    return None


def tag_rows(store: Store, zone: tzinfo, table: UsageTable, rows: list[dict], tag_name: str | None,
             untag: bool = False) -> tuple[int, int]:
    """Tag by hand the usage behind rows of `table`: (usage rows changed, table rows that could not be named).

    `tag_name=None` gives the usage back to the rules; `untag=True` marks it untagged by hand.
    """
    changed = skipped = 0
    for row in rows:
        selection = selection_of(table, row)
        if selection is None:
            skipped += 1
            continue
        counts = tagging.assign_selection(store, tag_name, untag=untag, zone=zone, **selection)
        changed += sum(counts.values())
    return changed, skipped


def tag_names(store: Store) -> list[str]:
    return [tag["name"] for tag in store.tags()]
