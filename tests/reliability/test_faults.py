"""Many seeded full syncs under random network faults: the totals are exact in every run.

Provider polls run against the fake provider servers (tests/fakes) with random
rate limits (429 + Retry-After), 5xx, connection resets, timeouts (answers
slower than the read timeout), truncated bodies (dropped connection or broken
JSON) and overlapping ("duplicated") pages. A run whose retries are exhausted
reports the error; the next poll resumes, and the run is only judged once the
poll reports no error. Exact means: every stored bucket, billed line and Claude
Code row equals the seeded dataset.

The log import runs against a gen_logs corpus that is written as the agents do,
a random number of bytes at a time (lines cut anywhere), with an import after
every write: at the end the totals equal the ground truth.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

from tests.fakes.dataset import AnthropicData, OpenAIData, OpenRouterData
from tests.fakes.server import FakeAnthropic, FakeOpenAI, FakeOpenRouter, Faults
from tests.providers.conftest import NOW_S
from tests.providers.helpers import configure, expected, stored_buckets, window_start
from tracker.core.timeutil import UTC
from tracker.net import HttpOptions, RetryPolicy
from tracker.pricing import Pricer
from tracker.services import poll
from tracker.services.log_import import import_logs
from tracker.services.reports import usage_report
from tracker.storage import open_store
from tracker.storage import providers as pstore

from .conftest import expected_totals, measured_totals, record, scaled

END_S = NOW_S + 1
KINDS = ("429", "500", "reset", "slow", "truncate", "duplicate")
MAX_POLLS_PER_RUN = 40


def _faults(rng: random.Random) -> Faults:
    rate = rng.uniform(0.02, 0.06)  # per kind: 10-30 % of requests meet a fault
    return Faults(seed=rng.randrange(1 << 30), rate_429=rate, rate_500=rate, rate_reset=rate,
                  rate_slow=rate / 4, rate_truncate=rate, rate_duplicate=rate * 2, slow_s=0.35,
                  retry_after=rng.choice(["0", "ms:3", "1"]))


def _options(sleeps: list) -> HttpOptions:
    policy = RetryPolicy(sleep=sleeps.append, rng=random.Random(1))
    return HttpOptions(connect_timeout_s=2.0, read_timeout_s=0.25, policy=policy)


def _one_run(tmp_path: Path, seed: int, pricer: Pricer) -> dict:
    rng = random.Random(seed)
    oa_data = OpenAIData(NOW_S, seed=seed)
    an_data = AnthropicData(NOW_S, seed=seed + 1)
    or_data = OpenRouterData(NOW_S, seed=seed + 2)
    page = rng.choice([3, 5, 8])  # short pages: cursors are followed and pages can overlap
    store = open_store(tmp_path / f"run{seed}.db")
    sleeps: list = []
    polls = 0
    try:
        with FakeOpenAI(oa_data, faults=_faults(rng), max_page_buckets=page) as oa, \
                FakeAnthropic(an_data, faults=_faults(rng), max_page_buckets=page) as an, \
                FakeOpenRouter(or_data, faults=_faults(rng)) as orr:
            configure(store, "openai", "oa", oa.base_url, "sk-admin-fake-0001")
            configure(store, "anthropic", "an", an.base_url, "sk-ant-admin01-fake-0001")
            configure(store, "openrouter", "or", orr.base_url, "sk-or-v1-fake-mgmt-0001")
            errors = ["not yet polled"]
            while errors and polls < MAX_POLLS_PER_RUN:
                # named accounts: a failed one is retried at once instead of backing off
                errors = poll.poll_sources(store, pricer, labels=["oa", "an", "or"], now_s=NOW_S,
                                           http_options=_options(sleeps)).errors
                polls += 1
            assert not errors, f"seed {seed}: still failing after {polls} polls: {errors}"
            fakes = (oa, an, orr)
            faults = {k: sum(f.fault_counts.get(k, 0) for f in fakes) for k in KINDS}
            requests = sum(len(f.log) for f in fakes)
        start = window_start(NOW_S, 90)
        assert stored_buckets(store, "openai", "oa") == expected(oa_data.expected_buckets(start, END_S)), seed
        assert pstore.billed_totals(store, "openai", "oa") == oa_data.expected_billed(start, END_S), seed
        assert stored_buckets(store, "anthropic", "an") == expected(an_data.expected_buckets(start, END_S)), seed
        assert pstore.billed_totals(store, "anthropic", "an") == an_data.expected_billed(start, END_S), seed
        got_cc = {(r["day"], r["model"]): r["estimated_cost_pico"] for r in pstore.claude_code_by_day(store, "an")}
        assert got_cc == {k: v["estimated_cost_pico"] for k, v in an_data.expected_claude_code(start, END_S).items()}
        assert stored_buckets(store, "openrouter", "or") == expected(
            or_data.expected_buckets(window_start(NOW_S, 30), END_S)), seed
    finally:
        store.close()
    return {"faults": faults, "requests": requests, "polls": polls, "retries": len(sleeps)}


def test_seeded_polls_under_faults_end_exact(tmp_path):
    runs = scaled(12, 100)
    pricer = Pricer()
    totals = dict.fromkeys(KINDS, 0)
    requests = polls = resumed = retries = 0
    for seed in range(1000, 1000 + runs):
        result = _one_run(tmp_path, seed, pricer)
        for k, v in result["faults"].items():
            totals[k] += v
        requests += result["requests"]
        polls += result["polls"]
        retries += result["retries"]
        resumed += result["polls"] > 1
    assert all(totals.values()), totals  # every kind of fault really happened
    record("faults_poll", runs=runs, requests=requests, faults_injected=sum(totals.values()), faults_by_kind=totals,
           retries=retries, polls=polls, runs_needing_a_resume=resumed, runs_exact=runs, losses=0, double_counts=0)


def test_overlapping_pages_are_not_counted_twice(tmp_path):
    """Every later page repeats the bucket that ended the page before (bug: it was summed twice)."""
    oa_data, an_data = OpenAIData(NOW_S), AnthropicData(NOW_S)
    store = open_store(tmp_path / "overlap.db")
    try:
        with FakeOpenAI(oa_data, faults=Faults(rate_duplicate=1.0), max_page_buckets=4) as oa, \
                FakeAnthropic(an_data, faults=Faults(rate_duplicate=1.0), max_page_buckets=4) as an:
            configure(store, "openai", "oa", oa.base_url, "sk-admin-fake-0001")
            configure(store, "anthropic", "an", an.base_url, "sk-ant-admin01-fake-0001")
            assert poll.poll_sources(store, Pricer(), now_s=NOW_S, http_options=_options([])).errors == []
            assert oa.fault_counts["duplicate"] > 10 and an.fault_counts["duplicate"] > 10
        start = window_start(NOW_S, 90)
        assert stored_buckets(store, "openai", "oa") == expected(oa_data.expected_buckets(start, END_S))
        assert pstore.billed_totals(store, "openai", "oa") == oa_data.expected_billed(start, END_S)
        assert stored_buckets(store, "anthropic", "an") == expected(an_data.expected_buckets(start, END_S))
        assert pstore.billed_totals(store, "anthropic", "an") == an_data.expected_billed(start, END_S)
    finally:
        store.close()


def test_log_import_of_a_growing_corpus_is_exact(tmp_path, corpus):
    """Files appear and grow by random byte counts (lines cut mid-way); import after each write."""
    truth = expected_totals(json.loads((corpus / "ground_truth.json").read_text()))
    runs = scaled(3, 25)
    pricer = Pricer()
    imports = writes = partial_lines = 0
    for seed in range(runs):
        rng = random.Random(seed)
        dst = tmp_path / f"grow{seed}"
        files = [(dst / p.relative_to(corpus / "home"), p.read_bytes()) for p in sorted((corpus / "home").rglob("*.jsonl"))]
        written = [0] * len(files)
        store = open_store(tmp_path / f"grow{seed}.db")
        roots = {"claude_code": [dst / ".claude"], "codex": [dst / ".codex"]}
        try:
            while any(w < len(data) for w, (_, data) in zip(written, files)):
                for _ in range(rng.randint(1, 6)):  # a few agents write before the next import
                    i = rng.randrange(len(files))
                    path, data = files[i]
                    if written[i] >= len(data):
                        continue
                    n = min(len(data) - written[i], rng.choice([1, 7, 300, 4000, 50_000]))
                    path.parent.mkdir(parents=True, exist_ok=True)
                    with open(path, "ab") as fh:
                        fh.write(data[written[i]: written[i] + n])
                    written[i] += n
                    writes += 1
                    partial_lines += not data[: written[i]].endswith(b"\n")
                import_logs(store, pricer, roots=roots, workers=1)
                imports += 1
            got = measured_totals(usage_report(store, UTC))
            assert got == truth, f"seed {seed}"
        finally:
            store.close()
    record("faults_log_import", runs=runs, writes=writes, imports=imports, writes_ending_mid_line=partial_lines,
           runs_exact=runs, losses=0, double_counts=0)
