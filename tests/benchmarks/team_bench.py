"""Team area figures: summary build, merge of a large team folder, events export/import.

Run: python tests/benchmarks/team_bench.py   (prints figures; no asserts)
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))


def main() -> None:
    root = Path(tempfile.mkdtemp(prefix="team-bench-"))
    os.environ["TRACKER_HOME"] = str(root / "home")
    os.environ["TRACKER_TEAM_SECRET"] = "benchmark team secret phrase"
    from tests.team.test_merge import fake
    from tracker.paths import get_paths
    from tracker.services import machines, team
    from tracker.services.context import open_context
    from tracker.services.demo import generate
    from tracker.services.team_merge import merge_folder

    a = open_context(get_paths(root / "a"))
    a.store.set_setting("timezone", "UTC")
    t = time.perf_counter()
    demo = generate(a.store, a.pricer, end_day=date(2026, 11, 28), days=90)
    print(f"demo data: {demo.events} events, {demo.buckets} buckets in {time.perf_counter() - t:.2f} s")

    t = time.perf_counter()
    built = team.summary(a, "2026-W47")
    build_s = time.perf_counter() - t
    t = time.perf_counter()
    html = team.preview(built, "html")
    print(f"summary build: {build_s * 1000:.0f} ms; preview: {(time.perf_counter() - t) * 1000:.1f} ms, "
          f"{len(html)} chars; JSON {len(json.dumps(built.doc))} bytes")

    folder = root / "team"
    folder.mkdir()
    members, weeks = 50, 52
    for i in range(members):
        for w in range(1, weeks + 1):
            doc = fake(i, week=f"2026-W{w:02d}", cost=10 + (i * 7 + w) % 90,
                       families=(("anthropic", "claude-sonnet"), ("openai", "gpt-5"), ("google", "gemini-pro")),
                       categories=(("product", 100), ("ops", None)))
            (folder / f"m{i}-w{w}.json").write_text(json.dumps(doc))
    t = time.perf_counter()
    report = merge_folder(folder, k=5)
    print(f"merge: {members * weeks} files ({members} members x {weeks} weeks) in "
          f"{time.perf_counter() - t:.2f} s; {len(report['trend'])} weeks, {len(report['models'])} model rows")

    path = root / "events.jsonl"
    t = time.perf_counter()
    exported = machines.export_events(a, path)
    export_s = time.perf_counter() - t
    b = open_context(get_paths(root / "b"))
    t = time.perf_counter()
    imported = machines.import_events(b, path)
    import_s = time.perf_counter() - t
    t = time.perf_counter()
    machines.import_events(b, path)
    again_s = time.perf_counter() - t
    print(f"export: {exported.events} events + {exported.buckets} buckets, {path.stat().st_size / 1e6:.1f} MB in "
          f"{export_s:.2f} s; import {import_s:.2f} s ({imported.events_added} new); re-import {again_s:.2f} s (0 new: "
          f"{b.store.counts() == a.store.counts()})")
    a.close()
    b.close()


if __name__ == "__main__":
    main()
