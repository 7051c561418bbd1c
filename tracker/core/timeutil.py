"""Time: UTC inside, the user's timezone at the edges.

Periods (days, ISO weeks, months) are computed in a named timezone with
zoneinfo, so a DST change gives a 23- or 25-hour day rather than a shifted one.
"""

from __future__ import annotations

import os
from collections import namedtuple

try:  # the C module's classes (the very ones the datetime module gives): Python 3.11's datetime.py defines its
    from _datetime import date, datetime, time, timedelta, timezone, tzinfo  # whole pure-Python version before
except ImportError:  # taking them (~0.7 ms of a quick report); an interpreter without it: the module's own
    from datetime import date, datetime, time, timedelta, timezone, tzinfo

UTC = timezone.utc
PERIODS = ("day", "week", "month")


class TimezoneError(ValueError):
    pass


def get_zone(name: str | None) -> tzinfo:
    """A timezone by IANA name; None means the system's own zone."""
    if name == "UTC":
        return UTC  # (see _named_utc)
    if name:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError  # ~3 ms: not for commands that need no zone

        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise TimezoneError(
                f"Unknown timezone {name!r}: use an IANA name such as 'Europe/Paris' or 'UTC'."
            ) from exc
    return system_zone()


# _named_utc: the zone named "UTC" is timezone.utc, not ZoneInfo("UTC"): the same offset (none) and the
# same name wherever one is shown (zone_name, tzname, %Z), found without loading zoneinfo and its tzpath
# (sysconfig): ~2 ms of a quick report where the system runs on UTC (servers, containers, CI). Only that
# exact name: another spelling ("Etc/UTC") is shown as it is, by its ZoneInfo.


def system_zone() -> tzinfo:
    tz_env = os.environ.get("TZ")
    if tz_env and tz_env.lstrip(":") == "UTC":
        return UTC  # (see _named_utc)
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    if tz_env:
        try:
            return ZoneInfo(tz_env.lstrip(":"))
        except (ZoneInfoNotFoundError, ValueError):
            pass
    try:
        link = os.path.realpath("/etc/localtime")
        if "zoneinfo/" in link:
            return ZoneInfo(link.split("zoneinfo/", 1)[1])
    except (OSError, ZoneInfoNotFoundError, ValueError):
        pass
    local = datetime.now().astimezone().tzinfo
    return local or UTC


def zone_name(zone: tzinfo) -> str:
    return getattr(zone, "key", None) or str(zone)


def now_ms() -> int:
    return int(datetime.now(UTC).timestamp() * 1000)


def to_ms(dt: datetime) -> int:
    if dt.tzinfo is None:
        raise ValueError("naive datetime: times must carry a timezone")
    return int(dt.timestamp() * 1000)


def from_ms(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, UTC)


def parse_iso(text: str) -> datetime:
    """RFC 3339 / ISO 8601 timestamp to an aware UTC datetime ("Z" accepted)."""
    if not isinstance(text, str) or not text:
        raise ValueError("timestamp is not a string")
    value = text.strip()
    if value.endswith("Z") or value.endswith("z"):
        value = value[:-1] + "+00:00"
    dt = datetime.fromisoformat(value)
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.astimezone(UTC)


def parse_day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{text!r} is not a date: use YYYY-MM-DD") from exc


def local_midnight(day: date, zone: tzinfo) -> datetime:
    """First instant of `day` in `zone`, as UTC (handles DST: no nonexistent midnight issue)."""
    naive = datetime.combine(day, time(0))
    aware = naive.replace(tzinfo=zone)
    # If midnight does not exist (a DST jump at 00:00), zoneinfo's fold rules
    # move it forward; normalising through UTC gives the real first instant.
    return aware.astimezone(UTC)


def local_date(ms: int, zone: tzinfo) -> date:
    return from_ms(ms).astimezone(zone).date()


def period_start(day: date, period: str) -> date:
    if period == "day":
        return day
    if period == "week":
        return day - timedelta(days=day.weekday())  # ISO weeks start on Monday
    if period == "month":
        return day.replace(day=1)
    raise ValueError(f"unknown period {period!r}; choose one of {', '.join(PERIODS)}")


def next_period_start(start: date, period: str) -> date:
    if period == "day":
        return start + timedelta(days=1)
    if period == "week":
        return start + timedelta(days=7)
    if period == "month":
        return (start.replace(day=28) + timedelta(days=4)).replace(day=1)
    raise ValueError(f"unknown period {period!r}")


def period_label(start: date, period: str) -> str:
    if period == "day":
        return start.isoformat()
    if period == "week":
        year, week, _ = start.isocalendar()
        return f"{year}-W{week:02d}"
    return start.strftime("%Y-%m")


class Window(namedtuple("Window", "label start_day start_ms end_ms")):
    """One local period as a half-open UTC interval in milliseconds (label, start_day, start_ms, end_ms).

    A named tuple: dataclasses cost ~9 ms at start-up, a tenth of a quick report (tracker.quick).
    """

    __slots__ = ()


def windows(since: date, until: date, period: str, zone: tzinfo) -> list[Window]:
    """Local periods covering [since, until] (both inclusive local dates).

    The first and last periods are clipped to the range, so a weekly report
    from a Wednesday counts from that Wednesday, under its ISO week's label.
    """
    if until < since:
        raise ValueError(f"--until {until} is before --since {since}")
    if period == "day" and until < date.max:  # (the last day: the loop's error, as it always was)
        return _days(since, until, zone)
    result: list[Window] = []
    stop = until + timedelta(days=1)
    start = period_start(since, period)
    midnights: dict[date, int] = {}  # a period's end is the next one's start: each day converted once

    def midnight_ms(day: date) -> int:
        found = midnights.get(day)
        if found is None:
            found = midnights[day] = _midnight_ms(day, zone)
        return found

    while start <= until:
        end = next_period_start(start, period)
        result.append(Window(period_label(start, period), start, midnight_ms(max(start, since)),
                             midnight_ms(min(end, stop))))
        start = end
    return result


_EPOCH_DAY = date(1970, 1, 1).toordinal()
_DAY_MS = 86_400_000
_new_tuple = tuple.__new__  # Window(...) as its own __new__ makes it, without that Python-level call


def _days(since: date, until: date, zone: tzinfo) -> list[Window]:
    """windows(since, until, "day", zone): each day from its midnight to the next one's, each midnight
    converted once; in a zone of one offset (UTC) of whole seconds, a day after the first's (a year of
    days: 1.9 -> 0.5 ms)."""
    days = list(map(date.fromordinal, range(since.toordinal(), until.toordinal() + 2)))
    offset = zone.utcoffset(None) if type(zone) is timezone else None
    if offset is not None and not offset.microseconds:
        first = _midnight_ms(since, zone)
        midnights = range(first, first + len(days) * _DAY_MS, _DAY_MS)
    else:
        midnights = [_midnight_ms(day, zone) for day in days]
    return [_new_tuple(Window, (day.isoformat(), day, start, end))
            for day, start, end in zip(days, midnights, midnights[1:])]


def _midnight_ms(day: date, zone: tzinfo) -> int:
    """to_ms(local_midnight(day, zone)) in integers: astimezone(UTC) subtracts the zone's offset at that
    local midnight (fold 0, as local_midnight's), and an offset of whole seconds leaves whole milliseconds
    (a year of daily windows: 2.5 -> 1 ms). Any other offset takes local_midnight itself."""
    offset = datetime(day.year, day.month, day.day, tzinfo=zone).utcoffset()
    if offset is None or offset.microseconds:
        return to_ms(local_midnight(day, zone))
    return ((day.toordinal() - _EPOCH_DAY - offset.days) * 86_400 - offset.seconds) * 1000


def zone_label(name: str) -> str:
    """A timezone's name as a person reads it: 'Etc/UTC' -> 'UTC', 'America/New_York' -> 'America/New York'."""
    if name.startswith("Etc/"):
        name = name[4:]
    return "UTC" if name in ("UTC", "Universal", "Zulu", "GMT", "UCT") else name.replace("_", " ")
