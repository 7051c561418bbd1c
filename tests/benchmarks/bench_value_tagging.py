"""Benchmark: re-applying tag rules over 1M events, and the by-tag reads.

Run: python tests/benchmarks/bench_value_tagging.py [N_EVENTS] [N_RULES]
Prints figures; asserts nothing about time.
"""

from __future__ import annotations

import random
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path

from tracker.core.records import UsageBucket, UsageEvent
from tracker.core.timeutil import UTC, get_zone, to_ms
from tracker.core.tokens import Tokens
from tracker.services import roi, tagging
from tracker.services.value import add_tag
from tracker.storage import open_store

PROJECTS = [f"client-{i:02d}" for i in range(30)] + ["tracker", "dotfiles", "scratch"]
MODELS = ["claude-sonnet-4-5", "claude-opus-4-5", "claude-haiku-4-5", "gpt-5-codex", "gemini-2.5-pro"]
BRANCHES = ["main", "feature/a", "feature/b", "fix/c"]
END = date(2026, 11, 28)
DAYS = 180


def fill(store, n_events: int) -> None:
    rng = random.Random(7)
    start_ms = to_ms(datetime.combine(END - timedelta(days=DAYS - 1), datetime.min.time(), UTC))
    span_ms = DAYS * 86_400_000
    batch = []
    for i in range(n_events):
        project = rng.choice(PROJECTS)
        batch.append(UsageEvent(
            source=rng.choice(("claude_code", "codex", "gemini_cli")), key=f"k{i}",
            ts_ms=start_ms + rng.randrange(span_ms), model=rng.choice(MODELS),
            tokens=Tokens(input_tokens=rng.randint(1, 5000), output_tokens=rng.randint(1, 2000)),
            session=f"s{i // 40}", project=project, cwd=f"/home/u/work/{project}",
            git_branch=rng.choice(BRANCHES), cost_pico=rng.randint(10**8, 10**11), price_id="bench",
        ))
        if len(batch) == 50_000:
            store.write_batch(events=batch)
            batch = []
    buckets = [UsageBucket(source="openai", account="org", kind="completions", start_s=(start_ms // 1000) + d * 86400,
                           width_s=86400, model=m, project_id=f"proj_{d % 3}", tokens=Tokens(input_tokens=1000),
                           requests=10, cost_pico=10**12, price_id="bench")
               for d in range(DAYS) for m in ("gpt-4.1", "gpt-4.1-mini")]
    store.write_batch(events=batch, buckets=buckets)


def main() -> None:
    n_events = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    n_rules = int(sys.argv[2]) if len(sys.argv) > 2 else 20
    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(Path(tmp) / "bench.db")
        store.set_setting("timezone", "UTC")
        t = time.perf_counter()
        fill(store, n_events)
        print(f"filled {n_events:,} events in {time.perf_counter() - t:.1f} s")
        for i in range(n_rules):
            add_tag(store, f"tag{i}", ("client", "project", "kpi")[i % 3])
        rng = random.Random(3)
        for i in range(n_rules):
            kind = i % 4
            fields = (
                {"project_glob": f"client-{i:02d}*"} if kind == 0 else
                {"cwd_glob": f"/home/u/work/client-{i + 1:02d}"} if kind == 1 else
                {"project_glob": "client-*", "git_branch_glob": rng.choice(["feature/*", "fix/*"]),
                 "model_glob": "claude-*"} if kind == 2 else
                {"project_id": f"proj_{i % 3}"}
            )
            store.add_rule(store.tag_by_name(f"tag{i}")["id"], priority=rng.randint(0, 5), **fields)
        for label in ("first apply (every row changes)", "re-apply (nothing changes)"):
            result = tagging.apply_rules(store)
            print(f"{label}: {result.rules} rules, {result.changed} rows changed, {result.seconds:.2f} s")
        t = time.perf_counter()
        _, result = tagging.add_rule(store, "tag0", priority=9, model_glob="claude-opus-*", git_branch_glob="main")
        print(f"add one rule + re-apply in one transaction: {time.perf_counter() - t:.2f} s ({result.changed})")
        more = [UsageEvent(source="codex", key=f"new{i}", ts_ms=to_ms(datetime.combine(END, datetime.min.time(), UTC)),
                           model="gpt-5-codex", tokens=Tokens(input_tokens=1), project=PROJECTS[i % len(PROJECTS)],
                           cost_pico=1, price_id="bench") for i in range(2000)]
        store.write_batch(events=more)
        result = tagging.tag_new_usage(store)
        print(f"after a sync of 2,000 new events: tag_new_usage {result.seconds:.2f} s ({result.changed})")
        t = time.perf_counter()
        tagging.assign_selection(store, "tag1", project_glob="scratch")
        print(f"hand-assign a selection: {time.perf_counter() - t:.2f} s")
        t = time.perf_counter()
        doc = roi.roi_report(store, get_zone("UTC"), "month", today=END)
        print(f"roi report by month over {DAYS} days: {time.perf_counter() - t:.2f} s, {len(doc['rows'])} rows")
        t = time.perf_counter()
        doc = roi.roi_report(store, get_zone("UTC"), "week", today=END)
        print(f"roi report by week: {time.perf_counter() - t:.2f} s, {len(doc['rows'])} rows")
        store.close()


if __name__ == "__main__":
    main()
