"""What every session of a corpus draws from: the calendar, the projects, the models of each day, ids, times.

All times are integer milliseconds since the epoch (UTC): no float ever decides a day.
"""

from __future__ import annotations

import datetime as dt
import itertools
import random
import time
from dataclasses import dataclass

DAY_MS = 86_400_000
HOUR_MS = 3_600_000
EPOCH = dt.date(1970, 1, 1)
BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


@dataclass(frozen=True)
class Release:
    """A model as an agent offers it: from its launch day; after `fades`, few still pick it."""

    model: str
    since: dt.date
    weight: float
    fades: dt.date | None = None


D = dt.date
FADED_WEIGHT = 0.04
CLAUDE_MAIN = (
    Release("claude-3-5-sonnet-20241022", D(2024, 10, 22), 1.0, D(2025, 3, 10)),
    Release("claude-3-7-sonnet-20250219", D(2025, 2, 24), 2.0, D(2025, 6, 15)),
    Release("claude-sonnet-4-20250514", D(2025, 5, 22), 3.0, D(2025, 10, 15)),
    Release("claude-opus-4-20250514", D(2025, 5, 22), 1.2, D(2025, 8, 15)),
    Release("claude-opus-4-1-20250805", D(2025, 8, 5), 1.5, D(2025, 11, 30)),
    Release("claude-sonnet-4-5-20250929", D(2025, 9, 29), 4.0),
    Release("claude-opus-4-5-20251101", D(2025, 11, 24), 3.0),
)
# what sub-agents such as Explore run on
CLAUDE_QUICK = (
    Release("claude-3-5-haiku-20241022", D(2024, 10, 22), 1.0, D(2025, 10, 20)),
    Release("claude-haiku-4-5-20251001", D(2025, 10, 15), 2.0),
)
CODEX = (
    Release("o4-mini", D(2025, 4, 16), 1.0, D(2025, 8, 20)),
    Release("codex-mini-latest", D(2025, 5, 16), 1.0, D(2025, 8, 20)),
    Release("gpt-5", D(2025, 8, 7), 3.0),
    Release("gpt-5-mini", D(2025, 8, 7), 0.5),
    Release("gpt-5-codex", D(2025, 9, 15), 4.0, D(2025, 11, 25)),
    Release("gpt-5.1-codex", D(2025, 11, 13), 4.0),
    Release("gpt-5.1-codex-mini", D(2025, 11, 13), 0.8),
)

PROJECT_WORDS = ("ledger", "atlas", "relay", "quill", "harbor", "prism", "orbit", "cinder", "meadow", "forge",
                 "lumen", "tally", "vector", "pylon", "sable", "kestrel", "juniper", "canopy", "delta", "nimbus")
PROJECT_KINDS = ("api", "web", "cli", "infra", "ml", "app", "docs", "sdk", "bot", "etl", "core", "ui")


def iso(ms: int) -> str:
    """Epoch milliseconds -> 2025-06-01T10:00:00.123Z, as both agents write their timestamps."""
    s, frac = divmod(ms, 1000)
    t = time.gmtime(s)
    return "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ" % (t[0], t[1], t[2], t[3], t[4], t[5], frac)


class Ids:
    """Seeded identifiers shaped like the agents' (uuid4, uuid7, msg_/req_/toolu_/call_ tags)."""

    def __init__(self, rng: random.Random):
        self.bits = rng.getrandbits
        self.choices = rng.choices

    def uuid4(self) -> str:
        g = self.bits
        return "%08x-%04x-4%03x-%04x-%012x" % (g(32), g(16), g(12), 0x8000 | g(14), g(48))

    def uuid7(self, ms: int) -> str:
        g = self.bits
        return "%08x-%04x-7%03x-%04x-%012x" % (ms >> 16, ms & 0xFFFF, g(12), 0x8000 | g(14), g(48))

    def tag(self, prefix: str, length: int) -> str:
        return prefix + "".join(self.choices(BASE62, k=length))


class World:
    """The calendar (busier on weekdays and lately), the projects (a few popular), and the model tables."""

    def __init__(self, rng: random.Random, days: int, end_date: dt.date, projects: int):
        self.rng = rng
        first = end_date - dt.timedelta(days=days - 1)
        self.day_numbers = [(first - EPOCH).days + i for i in range(days)]
        weights = []
        for i, number in enumerate(self.day_numbers):
            weekend = (EPOCH + dt.timedelta(days=number)).weekday() >= 5
            growth = 0.5 + 1.5 * i / max(1, days - 1)
            weights.append((0.3 if weekend else 1.0) * growth * rng.lognormvariate(0, 0.4))
        self.day_cum = list(itertools.accumulate(weights))
        self.cwds = []
        for i in range(projects):
            sep = "." if i % 9 == 4 else "-"  # a dotted folder name: the encoded project dir loses it
            self.cwds.append("/home/dev/src/%s%s%s-%d" % (rng.choice(PROJECT_WORDS), sep, rng.choice(PROJECT_KINDS), i))
        self.cwd_cum = list(itertools.accumulate(1.0 / (i + 1) ** 0.9 for i in range(projects)))
        self._offers: dict = {}
        self._day_names: dict[int, str] = {}

    def session_start_ms(self) -> int:
        """A day by weight, then a start between 07:00 and 23:50 UTC (late ones run past midnight)."""
        rng = self.rng
        number = rng.choices(self.day_numbers, cum_weights=self.day_cum)[0]
        return number * DAY_MS + 7 * HOUR_MS + rng.randrange(17 * HOUR_MS - 600_000)

    def cwd(self) -> str:
        return self.rng.choices(self.cwds, cum_weights=self.cwd_cum)[0]

    def model(self, table: tuple[Release, ...], ms: int) -> str:
        """A model of `table` as offered on the UTC day of `ms`."""
        number = ms // DAY_MS
        offer = self._offers.get((table, number))
        if offer is None:
            day = EPOCH + dt.timedelta(days=number)
            live = [r for r in table if r.since <= day] or [table[0]]
            weights = [r.weight * (FADED_WEIGHT if r.fades and day > r.fades else 1.0) for r in live]
            offer = self._offers[(table, number)] = ([r.model for r in live], list(itertools.accumulate(weights)))
        return self.rng.choices(offer[0], cum_weights=offer[1])[0]

    def day(self, ms: int) -> str:
        """The UTC day of `ms`, YYYY-MM-DD."""
        number = ms // DAY_MS
        name = self._day_names.get(number)
        if name is None:
            name = self._day_names[number] = (EPOCH + dt.timedelta(days=number)).isoformat()
        return name
