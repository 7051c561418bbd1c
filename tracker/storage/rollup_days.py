"""Which parts of a window the rollups by UTC day answer (events_daily, events_project_daily): whole UTC days,
with the part-days at its ends read by the hour.

Arithmetic on times only, standard library only: the full reports (storage.rollup_reads) and the quick
daily report (storage.quick.rollup_sums, which loads none of the store's modules) split windows the same way.
"""

from __future__ import annotations

from collections.abc import Sequence

from tracker.storage.migrations import HOUR_MS

DAY_MS = 24 * HOUR_MS  # (a day is a whole number of hours: an event's UTC day is one for every event of its hour)


def split_at_days(inner: Sequence[tuple], covered: dict[str, Sequence[tuple[int, int]]] | None
                  ) -> tuple[list[tuple], list[tuple], list[tuple]]:
    """(days, hours, less): split_at_hours' stretches of whole hours as whole UTC days (from the second day of
    1970 on: the rollups' day of a time rounds toward zero, as its hour does), plus `hours`, less the hours of
    `less` (every measure is a sum: a day less its hours outside the stretch is exactly its hours inside).
    Each end is read from the side with fewer hours, and a stretch from its hours alone where that reads
    fewer rows: a local day in a zone an hour east of UTC is its UTC day, plus the hour before, less its
    last hour (3 reads, not 24). A day holding a bound of a `covered` span (a plan's month starts at a local
    midnight) is only ever read by the hour: a day is then wholly in a span or out of it."""
    cut = {bound - bound % DAY_MS for spans in (covered or {}).values() for span in spans for bound in span
           if bound % DAY_MS}
    days, hours, less = [], [], []
    for label, start, end in inner:
        if start < DAY_MS:  # the hours of the first day of 1970 (and before: the edges hold them)
            hours.append((label, start, min(end, DAY_MS)))
            start = DAY_MS
            if start >= end:
                continue
        if not cut and not start % DAY_MS and not end % DAY_MS:  # whole UTC days: read as such (_days_of's answer)
            days.append((label, start, end))
            continue
        split = _days_of(label, start, end, cut)
        if split is None:
            hours.append((label, start, end))
        else:
            days += split[0]
            hours += split[1]
            less += split[2]
    return days, hours, less


_DAY_IN_HOURS = 2  # a day's rows of the project rollup against an hour's: ~15 to ~6 (a year: ~5.3k to ~54k)


def _days_of(label: str, start: int, end: int, cut: set[int]) -> tuple[list, list, list] | None:
    """split_at_days of one stretch (1970's second day on), or None where its hours alone read fewer rows."""
    first, last = start - start % DAY_MS, end - end % DAY_MS  # the days that hold the ends
    if start > first and (start - first > DAY_MS // 2 or first in cut):
        first += DAY_MS  # the hours from the start to the next midnight, not the day less those before
    if end > last and end - last >= DAY_MS // 2 and last not in cut:
        last += DAY_MS  # the end's day less the hours after it, not the hours from its midnight
    if first >= last:
        return None
    days, hours, less = [], [], []
    (hours if start < first else less).append((label, min(start, first), max(start, first)))
    (hours if last < end else less).append((label, min(last, end), max(last, end)))
    for day in sorted(cut):
        if first <= day < last:
            if first < day:
                days.append((label, first, day))
            hours.append((label, day, day + DAY_MS))
            first = day + DAY_MS
    if first < last:
        days.append((label, first, last))
    hours = [h for h in hours if h[1] < h[2]]
    less = [h for h in less if h[1] < h[2]]
    read = (sum(h[2] - h[1] for h in hours + less) + _DAY_IN_HOURS * sum(d[2] - d[1] for d in days) // 24) // HOUR_MS
    return (days, hours, less) if read < (end - start) // HOUR_MS else None
