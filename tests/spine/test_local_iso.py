"""The sessions report's local times: LocalIso (an offset looked up once per quarter hour) writes exactly what
local_iso (datetime in the zone) writes, across daylight-saving changes, odd offsets and before 1970 (the
local date and hour kept per quarter hour too, where that stays within one local hour)."""

from __future__ import annotations

import random
from datetime import datetime

import pytest

from tracker.core.timeutil import UTC, get_zone, to_ms
from tracker.services.reports import LocalIso, local_iso

ZONES = ("UTC", "Europe/Paris", "America/St_Johns", "Asia/Kolkata", "Asia/Kathmandu", "Australia/Lord_Howe",
         "Pacific/Chatham", "America/Sao_Paulo", "Africa/Casablanca", "Etc/GMT+12",
         "Europe/Amsterdam")  # (+00:20 in 1937-1940: whole minutes, and an hour that changes within a quarter)


@pytest.mark.parametrize("zone_name", ZONES)
def test_local_iso_of_many_times_is_datetimes_text(zone_name):
    zone = get_zone(zone_name)
    rng = random.Random(zone_name)
    iso = LocalIso(zone)
    # around every offset change of 2025-2026 (found by stepping), at random, and long before 1970
    times = [rng.randrange(to_ms(datetime(1890, 1, 1, tzinfo=UTC)), to_ms(datetime(2040, 1, 1, tzinfo=UTC)))
             for _ in range(3000)]
    start = to_ms(datetime(2025, 1, 1, tzinfo=UTC))
    step = 3_600_000
    previous = None
    for t in range(start, start + 2 * 365 * 86_400_000, step):
        offset = datetime.fromtimestamp(t // 1000, zone).utcoffset()
        if previous is not None and offset != previous:
            times += [t + d for d in range(-step - 1000, step + 1000, 60_000)] + [t - 1, t, t + 1, t - 999, t + 999]
        previous = offset
    times += [-1, 0, 1, -999, -1000, -1001, -86_400_001]
    times += [to_ms(datetime(1938, 6, 1, tzinfo=UTC)) + k * 61_001 for k in range(200)]
    for ms in times:
        assert iso(ms) == local_iso(ms, zone), ms
