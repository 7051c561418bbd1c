"""Requests made by a 90-day backfill of each provider against the minimum its page limits allow.

Run: python -m tests.benchmarks.bench_poll [--faults RATE]
Prints one line per provider: requests made on the first poll (backfill), the
minimum the documented page limits allow for the same ranges, the requests of
an incremental re-poll an hour later, and wall time. Uses the loopback fakes.
"""

from __future__ import annotations

import argparse
import math
import random
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

import keyring
from keyring.backend import KeyringBackend

from tests.fakes.dataset import AnthropicData, DeepSeekData, OpenAIData, OpenRouterData
from tests.fakes.server import FakeAnthropic, FakeDeepSeek, FakeOpenAI, FakeOpenRouter, Faults
from tracker import credentials
from tracker.net import HttpOptions, RetryPolicy
from tracker.pricing import Pricer
from tracker.services import poll
from tracker.storage import open_store
from tracker.storage import providers as pstore

DAY_S, HOUR_S = 86_400, 3_600
NOW_S = int(datetime(2026, 11, 28, 14, 37, 5, tzinfo=timezone.utc).timestamp())
BACKFILL_DAYS = 90


class _Memory(KeyringBackend):
    priority = 1

    def __init__(self):
        super().__init__()
        self.items = {}

    def get_password(self, s, u):
        return self.items.get((s, u))

    def set_password(self, s, u, p):
        self.items[(s, u)] = p

    def delete_password(self, s, u):
        self.items.pop((s, u), None)


def minimum_requests(kind: str) -> int:
    today = NOW_S // DAY_S * DAY_S
    start = today - BACKFILL_DAYS * DAY_S
    hourly_start = (NOW_S - poll.HOURLY_WINDOW_S) // DAY_S * DAY_S
    hourly_end = (NOW_S // HOUR_S + 1) * HOUR_S
    daily_days = (hourly_start - start) // DAY_S  # daily part of a stream that also has hourly buckets
    hours = (hourly_end - hourly_start) // HOUR_S
    all_days = (today + DAY_S - start) // DAY_S  # daily-only streams run through today
    if kind == "openai":  # 8 usage endpoints (31 days / 168 hours per page) + costs (180 days per page)
        return 8 * (math.ceil(daily_days / 31) + math.ceil(hours / 168)) + math.ceil(all_days / 180)
    if kind == "anthropic":  # messages + cost report (31 days) + Claude Code (one day per request)
        return math.ceil(daily_days / 31) + math.ceil(hours / 168) + math.ceil(all_days / 31) + all_days
    if kind == "openrouter":  # /key, /credits, /activity (30 completed days) + /activity?date=today
        return 4
    return 1  # deepseek: /user/balance


def main(argv=None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--faults", type=float, default=0.0, help="rate of 429 / 500 / truncated answers")
    args = parser.parse_args(argv)
    keyring.set_keyring(_Memory())
    pricer = Pricer()
    faults = dict(rate_429=args.faults, rate_500=args.faults, rate_truncate=args.faults, retry_after="ms:1")
    setups = [
        ("openai", FakeOpenAI(OpenAIData(NOW_S), faults=Faults(seed=1, **faults)), "sk-admin-fake-0001"),
        ("anthropic", FakeAnthropic(AnthropicData(NOW_S), faults=Faults(seed=2, **faults)),
         "sk-ant-admin01-fake-0001"),
        ("openrouter", FakeOpenRouter(OpenRouterData(NOW_S), faults=Faults(seed=3, **faults)),
         "sk-or-v1-fake-mgmt-0001"),
        ("deepseek", FakeDeepSeek(DeepSeekData(), faults=Faults(seed=4, **faults)), "sk-deepseek-fake-0001"),
    ]
    options = HttpOptions(policy=RetryPolicy(sleep=lambda s: None, rng=random.Random(1)))
    print(f"90-day backfill at {datetime.fromtimestamp(NOW_S, timezone.utc):%Y-%m-%d %H:%M} UTC"
          + (f", fault rate {args.faults:g} each" if args.faults else ""))
    print(f"{'provider':<11} {'backfill req':>12} {'minimum':>8} {'ratio':>6} {'re-poll req':>11} "
          f"{'buckets':>8} {'billed':>7} {'seconds':>8}")
    with tempfile.TemporaryDirectory() as tmp:
        for kind, fake, key in setups:
            with fake:
                store = open_store(Path(tmp) / f"{kind}.db")
                pstore.add_account(store, pstore.Account(kind, kind, fake.base_url))
                credentials.store_key(kind, kind, key)
                began = time.perf_counter()
                first = poll.poll_sources(store, pricer, now_s=NOW_S, http_options=options)
                elapsed = time.perf_counter() - began
                made = len(fake.log)
                poll.poll_sources(store, pricer, now_s=NOW_S + HOUR_S, http_options=options)
                again = len(fake.log) - made
                acc = first.accounts[0]
                minimum = minimum_requests(kind)
                status = "" if acc.ok else f"  FAILED: {acc.error}"
                print(f"{kind:<11} {made:>12} {minimum:>8} {made / minimum:>6.2f} {again:>11} "
                      f"{acc.buckets_written:>8} {acc.billed_written:>7} {elapsed:>8.2f}{status}")
                store.close()


if __name__ == "__main__":
    main()
