"""How long `compute_nudges` takes on a heavy user's month. Prints figures; asserts nothing.

    TRACKER_HOME=$(mktemp -d) python tests/benchmarks/bench_nudges.py [events]
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "nudges"))

from nudge_usage import NOW_MS, events  # noqa: E402

from tracker.core.timeutil import UTC  # noqa: E402
from tracker.pricing import Pricer  # noqa: E402
from tracker.services import nudges  # noqa: E402
from tracker.services.ingest import ingest  # noqa: E402
from tracker.services.ladders import load_ladders  # noqa: E402
from tracker.storage import open_store  # noqa: E402


def main(n_events: int) -> None:
    pricer = Pricer()
    with tempfile.TemporaryDirectory() as folder, open_store(Path(folder) / "bench.db") as store:
        per_model = n_events // 4
        start = NOW_MS - 28 * 86_400_000
        batch = []
        for model, source, provider in [("claude-opus-4-5", "claude_code", "anthropic"),
                                        ("claude-sonnet-4-5", "claude_code", "anthropic"),
                                        ("gpt-5-codex", "codex", "openai"),
                                        ("gemini-2.5-pro", "gemini_cli", "google")]:
            batch += events(per_model * 2 // 5, per_model * 3 // 5, start, 28, model=model, source=source,
                            provider=provider)
        ingest(store, pricer, events=batch)
        ladders = load_ladders()
        for label in ("first run", "second run"):
            t0 = time.perf_counter()
            found = nudges.compute_nudges(store, pricer, UTC, now=NOW_MS, ladders=ladders)
            print(f"{label}: {len(batch)} events, {len(found)} nudges, {time.perf_counter() - t0:.3f} s")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)
