"""The Usage table: daily rows, sessions or projects over a date range, from the report services."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, tzinfo
from decimal import Decimal

from tracker.core.timeutil import zone_label
from tracker.core.wording import counted
from tracker.services import tagging
from tracker.services import reports
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
    # a paged table's filter: only the sessions that `text` names (sessions_matching), read from the database
    text: str = ""
    named_sources: tuple[str, ...] = ()

    @property
    def paged(self) -> bool:
        return self.total_rows is not None

    @property
    def complete(self) -> bool:
        return self.total_rows is None or len(self.rows) >= self.total_rows


def usage_table(store: Store, zone: tzinfo, view: str, since: date, until: date, order: str = SESSIONS_ORDER,
                descending: bool = True, text: str = "", named_sources: tuple[str, ...] = ()) -> UsageTable:
    """The rows of a view over [since, until]; the sessions view's first page in the order of the column
    `order` (newest first by default: a year is tens of thousands of sessions), of the sessions that `text`
    names when it is given (sessions_matching; the other views are whole and filtered on the screen)."""
    if view not in _COLUMNS:
        raise ValueError(f"unknown usage view {view!r}; choose one of {', '.join(USAGE_VIEWS)}")
    text = text.strip() if view == "sessions" else ""
    if view == "daily":
        report = usage_report(store, zone, "day", by="model", since=since, until=until)
    elif text:
        report = sessions_matching(store, zone, since, until, order, descending, text, named_sources)
    elif view == "sessions":
        report = sessions_page(store, zone, since, until, order, descending)
    else:
        report = projects_report(store, zone, since=since, until=until)
    columns = _COLUMNS[view]
    totals = report["totals"]
    total_rows = report.get("total_rows")
    count = len(report["rows"]) if total_rows is None else total_rows
    matched = f" {'matches' if count == 1 else 'match'} \u201c{text}\u201d" if text else ""
    summary = (f"{counted(count, 'session' if view == 'sessions' else 'row')}{matched} · "
               f"{report['since']} to {report['until']} "
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
                      order if total_rows is not None else "", descending, text, tuple(named_sources))


def more_rows(store: Store, zone: tzinfo, table: UsageTable) -> list[dict]:
    """The next page of a paged table's rows (none when it is complete)."""
    if table.complete:
        return []
    if table.text:
        return sessions_matching(store, zone, table.since, table.until, table.order, table.descending, table.text,
                                 table.named_sources, offset=len(table.rows))["rows"]
    return sessions_page(store, zone, table.since, table.until, table.order, table.descending,
                         offset=len(table.rows))["rows"]


def session_matches(row: dict, text: str, named_sources: tuple[str, ...] = ()) -> bool:
    """Whether a sessions report row holds `text` (any case) where the Sessions table shows it: its session
    id, source, project, one of its models or its start ("2026-11-06 12:34", local), or its source is one of
    `named_sources` (those whose name as shown holds the text)."""
    needle = text.lower()
    started = (row["first_seen"] or "").replace("T", " ")[:16]
    return row["source"] in named_sources or any(
        needle in (value or "").lower() for value in (row["session"], row["source"], row["project"], started,
                                                      *row["models"]))


def sessions_matching(store: Store, zone: tzinfo, since: date, until: date, order: str, descending: bool,
                      text: str, named_sources: tuple[str, ...] = (), offset: int = 0,
                      limit: int | None = None) -> dict:
    """reports.sessions_page of only the sessions that `text` names (session_matches): every match of the
    range, found in the database (storage.session_search), not only among the rows loaded so far."""
    limit = reports.SESSION_PAGE_ROWS if limit is None else limit
    head, start_ms, end_ms = reports._sessions_range(store, zone, since, until, None)
    iso = reports.LocalIso(zone)
    spans = reports.offset_spans(zone, start_ms // 1000, (end_ms + 999) // 1000) if start_ms >= 0 else None
    found = None if spans is None else store.session_search_page(
        start_ms, end_ms, None, order, descending, offset, limit, text, named_sources, spans,
        lambda s: session_matches(reports.session_row(s, iso), text, named_sources))
    if found is None:  # no live rollup, a column the totals do not hold: every session, filtered and sorted here
        kept = [(s, row) for s in reports._sessions(store, zone, since, until, None)[1]
                if session_matches(row := reports._row_dict(reports._session_values(s, iso)), text, named_sources)]
        rows = sorted((row for _, row in kept), key=reports._public_sort_key(order), reverse=descending)
        return head | {"rows": rows[offset:offset + limit], "total_rows": len(rows),
                       "totals": reports._session_totals([s for s, _ in kept])}
    totals = found.sums | {"priced_rows": 0 if found.total_rows and not found.sums["priced_rows"] else 1}
    return head | {"rows": [reports.session_row(s, iso) for s in found.rows], "total_rows": found.total_rows,
                   "totals": reports._public(totals)}


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
