"""A reader (as the GUI) and the writer (as the sync) on one database at once.

The writer commits batches of BATCH events each; the reader keeps summing. WAL
lets both run: the reader must never see a half-written batch (a total that is
not a multiple of BATCH) and "database is locked" must never reach either side.
"""

import threading
import time
from datetime import date

from tracker.core.records import Cursor, UsageEvent
from tracker.core.timeutil import UTC, windows
from tracker.core.tokens import Tokens
from tracker.pricing import Pricer
from tracker.services.ingest import ingest
from tracker.storage import open_store

from .conftest import scaled

BATCH = 250


def test_reader_never_sees_half_a_batch(tmp_path):
    path = tmp_path / "tracker.db"
    open_store(path).close()
    duration_s = scaled(4, 120)
    errors: list[str] = []
    observations = []
    stop = threading.Event()
    wins = windows(date(2026, 1, 1), date(2026, 12, 31), "month", UTC)

    def writer():
        store = open_store(path)
        pricer = Pricer()
        n = 0
        try:
            while not stop.is_set():
                events = [
                    UsageEvent(source="claude_code", key=f"b{n}-{i}", ts_ms=1_780_000_000_000 + n * 1000 + i,
                               model="claude-sonnet-4-5", provider="anthropic",
                               tokens=Tokens(input_tokens=10, output_tokens=1))
                    for i in range(BATCH)
                ]
                ingest(store, pricer, events=events, cursors=[Cursor("claude_code", "f", {"batch": n})])
                n += 1
        except Exception as exc:  # noqa: BLE001 - any error is a failure to report
            errors.append(f"writer: {exc!r}")
        finally:
            store.close()

    def reader():
        store = open_store(path)
        try:
            while not stop.is_set():
                rows = store.aggregate(wins, group_by=["source"])
                total = sum(r["requests"] for r in rows)
                cursor = store.get_cursor("claude_code", "f")
                observations.append(total)
                if total % BATCH:
                    errors.append(f"reader saw a half batch: {total} requests")
        except Exception as exc:  # noqa: BLE001
            errors.append(f"reader: {exc!r}")
        finally:
            store.close()

    threads = [threading.Thread(target=writer), threading.Thread(target=reader), threading.Thread(target=reader)]
    for t in threads:
        t.start()
    time.sleep(duration_s)
    stop.set()
    for t in threads:
        t.join(30)
    assert not errors, errors[:5]
    assert len(observations) > 10 and max(observations) >= BATCH * 3
    print(f"concurrency: {len(observations)} reads over {duration_s}s, up to {max(observations)} events, 0 errors")
