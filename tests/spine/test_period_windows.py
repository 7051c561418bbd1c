"""A report's local periods: each window's UTC start is the zone's own first instant of that local day."""

from __future__ import annotations

from datetime import date, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tracker.core.timeutil import get_zone, local_midnight, to_ms, windows

# zones whose clocks jumped at midnight (the local day began at 01:00), half-hour and 45-minute offsets,
# the southern hemisphere's DST, and fixed offsets (one of them not whole minutes)
ZONES = ["UTC", "Europe/Berlin", "America/Sao_Paulo", "America/Havana", "Asia/Beirut", "Africa/Cairo",
         "America/Santiago", "Asia/Kathmandu", "Australia/Lord_Howe", "Pacific/Apia", "America/Asuncion"]
FIXED = [timezone.utc, timezone(timedelta(hours=5, minutes=45)), timezone(timedelta(hours=-3, seconds=7))]


@settings(max_examples=200, deadline=None)
@given(zone=st.sampled_from([get_zone(name) for name in ZONES] + FIXED),
       since=st.dates(min_value=date(1950, 1, 1), max_value=date(2037, 12, 31)),
       days=st.integers(min_value=0, max_value=400), period=st.sampled_from(["day", "week", "month"]))
def test_each_window_starts_and_ends_at_the_local_midnights(zone, since, days, period):
    until = since + timedelta(days=days)
    found = windows(since, until, period, zone)
    assert found[0].start_ms == to_ms(local_midnight(since, zone))
    assert found[-1].end_ms == to_ms(local_midnight(until + timedelta(days=1), zone))
    for window, following in zip(found, found[1:]):
        assert window.end_ms == following.start_ms == to_ms(local_midnight(following.start_day, zone))


@pytest.mark.parametrize("name, day", [("America/Sao_Paulo", date(2018, 11, 4)), ("Asia/Beirut", date(2020, 3, 29)),
                                       ("America/Havana", date(2020, 3, 8))])
def test_a_day_whose_midnight_did_not_exist_starts_when_it_began(name, day):
    """The clocks went from 23:59:59 to 01:00: the day began at 00:00 the day before's offset would say."""
    zone = get_zone(name)
    (window,) = windows(day, day, "day", zone)
    assert window.start_ms == to_ms(local_midnight(day, zone))
    assert window.end_ms - window.start_ms == 23 * 3_600_000


@settings(max_examples=60, deadline=None)
@given(st.integers(min_value=-(10**11), max_value=4 * 10**12), st.sampled_from(["day", "week", "month"]))
def test_the_zone_named_utc_is_zoneinfos_utc_without_zoneinfo(ms, period):
    """get_zone("UTC") (and TZ=UTC) is timezone.utc: what ZoneInfo("UTC") tells (its name, offsets, periods),
    without loading zoneinfo (~2 ms of a quick report on a system that runs on UTC)."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from tracker.core.timeutil import local_date, zone_name

    named, utc = ZoneInfo("UTC"), get_zone("UTC")
    assert utc is timezone.utc and zone_name(utc) == zone_name(named) == "UTC"
    moment = datetime.fromtimestamp(ms / 1000, timezone.utc)
    for attribute in ("isoformat", "tzname", "utcoffset"):
        assert getattr(moment.astimezone(utc), attribute)() == getattr(moment.astimezone(named), attribute)()
    assert moment.astimezone(utc).strftime("%Z %z") == moment.astimezone(named).strftime("%Z %z")
    day = local_date(ms, named)
    assert local_date(ms, utc) == day
    assert windows(day, day + timedelta(days=40), period, utc) == windows(day, day + timedelta(days=40), period, named)


def test_tz_utc_is_read_without_zoneinfo(monkeypatch):
    import subprocess
    import sys

    code = ("import sys\nfrom tracker.core.timeutil import get_zone, system_zone\n"
            "assert system_zone() is get_zone('UTC') is get_zone(None)\nprint('zoneinfo' in sys.modules)\n")
    for tz in ("UTC", ":UTC"):
        monkeypatch.setenv("TZ", tz)
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        assert done.stdout.strip() == "False"


@settings(max_examples=200, deadline=None)
@given(zone=st.sampled_from([get_zone(name) for name in ZONES] + FIXED),
       since=st.dates(min_value=date(1950, 1, 1), max_value=date(2037, 12, 31)),
       days=st.integers(min_value=0, max_value=400))
def test_daily_windows_are_each_day_from_its_midnight_to_the_next(zone, since, days):
    """Daily windows (built apart from weeks and months: timeutil._days) are Window tuples, one a day, each
    labelled by its date and from its local midnight to the next one's."""
    found = windows(since, since + timedelta(days=days), "day", zone)
    assert len(found) == days + 1
    for i, window in enumerate(found):
        day = since + timedelta(days=i)
        assert type(window).__name__ == "Window" and window.label == day.isoformat() and window.start_day == day
        assert (window.start_ms, window.end_ms) == (to_ms(local_midnight(day, zone)),
                                                    to_ms(local_midnight(day + timedelta(days=1), zone)))
