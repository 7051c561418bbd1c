"""A client's usage summed per hour from the tagged rollup, for a draft's live total and a budget.

The invoice arithmetic (invoices_calc) charges each usage row, and rounds once per line. Every
row it charges the same way adds up: a row never billed, at an estimate or a contract rate, is
charged in proportion to its cost or its tokens, so an hour's rows of one source, account, model
and project charge what their sum charges (Decimal arithmetic is exact at these sizes). The rows
that are charged one by one are read one by one, as issuing reads them:

- rows a standing invoice of the client billed (dated in the period): the whole period is read row
  by row (a revision is an adjustment, a withdrawn row a credit);
- rows on a day the provider billed (its charge is shared out row by row, rounded per row);
- the parts of the period that are not whole UTC hours (a +05:30 zone's midnights), and buckets;
- under a plan that bills plan usage at its share of the plan (priced per row): every row.
"""

from __future__ import annotations

from datetime import tzinfo

from tracker.core.timeutil import from_ms, local_date, windows
from tracker.storage.invoices import InvoiceBook
from tracker.storage.migrations import HOUR_MS
from tracker.storage.rollup_reads import split_at_hours


def _utc_day(ms: int) -> str:
    return from_ms(ms).date().isoformat()


def _ranges(hours: list[int]) -> list[tuple[int, int]]:
    """Sorted hour starts as [start, end) ranges of consecutive hours."""
    out: list[tuple[int, int]] = []
    for h in sorted(set(hours)):
        if out and out[-1][1] == h:
            out[-1] = (out[-1][0], h + HOUR_MS)
        else:
            out.append((h, h + HOUR_MS))
    return out


def summed_rows(b: InvoiceBook, tag_id: int, start_ms: int, end_ms: int, zone: tzinfo, billed: dict,
                unbilled_only: bool) -> list[dict] | None:
    """client_usage's rows with an hour's like rows summed (each with `rows`: how many it sums), or None
    when the rows must be read one by one (the tagged rollup is not live, or events of the period were
    billed before)."""
    if end_ms <= start_ms or not b.tagged_rollup_live():
        return None
    if unbilled_only and b.billed_events_between(tag_id, start_ms, end_ms):
        return None
    days = windows(local_date(start_ms, zone), local_date(end_ms - 1, zone), "day", zone)
    clipped = [w._replace(start_ms=max(w.start_ms, start_ms), end_ms=min(w.end_ms, end_ms)) for w in days]
    inner, edges = split_at_hours(clipped)  # a local day's whole hours hold no other day's time
    rows, per_row_hours = [], []
    for row in b.client_usage_hours(tag_id, [(first, last) for _, first, last in inner]):
        if (row["source"], row["account"], _utc_day(row["ts_ms"])) in billed:
            per_row_hours.append(row["ts_ms"])
        else:
            rows.append(row)
    for lo, hi in _ranges(per_row_hours):
        rows += [r for r in b.client_usage(tag_id, lo, hi, tables=("events",))
                 if (r["source"], r["account"], _utc_day(r["ts_ms"])) in billed]
    for _, lo, hi in edges:
        rows += b.client_usage(tag_id, lo, hi, tables=("events",))
    return rows + b.client_usage(tag_id, start_ms, end_ms, tables=("buckets",))
