"""Team area figures: values build, the protocol for teams of 7 and 50, merge, events export/import.

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
    from tests.team.protocol_kit import WEEK, Team
    from tracker.paths import get_paths
    from tracker.services import machines, team
    from tracker.services import team_files as tf
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
    print(f"values build: {build_s * 1000:.0f} ms; preview: {(time.perf_counter() - t) * 1000:.1f} ms, "
          f"{len(html)} chars")

    for members in (7, 50):
        synthetic = Team([10 + (i * 7) % 90 for i in range(members)])
        t = time.perf_counter()
        synthetic.contribute(*range(members))
        contribute_s = (time.perf_counter() - t) / members
        size = len(tf.file_bytes(next(iter(synthetic.files.contributions.values()))))
        synthetic.view(*range(members))
        t = time.perf_counter()
        synthetic.reveal("base", *range(members))
        synthetic.reveal("groups", *range(members))
        reveal_s = (time.perf_counter() - t) / members
        folder = synthetic.write(root / f"team-{members}")
        t = time.perf_counter()
        report = merge_folder(folder, synthetic.settings["team"], synthetic.deadline + 10 * 3600_000)
        print(f"team of {members}: a contribution {contribute_s * 1000:.0f} ms, {size / 1000:.0f} kB; reveals "
              f"{reveal_s * 1000:.0f} ms a member; merge of {WEEK} ({sum(1 for _ in folder.rglob('*.json'))} files) "
              f"{time.perf_counter() - t:.2f} s; published {report['weeks']}")

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
