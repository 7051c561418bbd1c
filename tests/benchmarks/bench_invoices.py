"""Invoice figures over a large client month: preview, issue, re-preview (all locked), exports.

    python -m tests.benchmarks.bench_invoices [EVENTS]

Prints seconds per step; no asserts (targets are read, not enforced).
"""

from __future__ import annotations

import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from tests.invoices.helpers import SELLER, add_usage, bucket, event
from tracker.core.timeutil import get_zone
from tracker.services import invoices as service
from tracker.services.invoices_profile import update_profile
from tracker.storage import open_store
from tracker.storage.invoices import InvoiceBook


def main(n_events: int = 100_000) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(Path(tmp) / "bench.db")
        update_profile(store, **SELLER)
        book = InvoiceBook(store)
        tag = book.ensure_client_tag("big")
        book.set_client_billing(tag["id"], {"plan": "markup", "markup_pct": "10",
                                            "taxes": [{"name": "VAT", "rate_pct": "20"}]})
        models = ["claude-sonnet-4-5", "claude-opus-4-5", "gpt-5", "gemini-2.5-pro"]
        events = [event(f"k{i}", f"2026-11-{1 + i % 30:02d}", models[i % 4], "0.012345", hour=i % 24)
                  for i in range(n_events)]
        buckets = [bucket(f"2026-11-{d:02d}", m) for d in range(1, 31) for m in ("gpt-5", "gpt-5-mini")]
        t0 = time.perf_counter()
        add_usage(store, tag["id"], events=events, buckets=buckets)
        print(f"setup: {n_events:,} events + {len(buckets)} buckets written and tagged in "
              f"{time.perf_counter() - t0:.2f}s")
        zone = get_zone("UTC")
        for group_by in ("model", "day"):
            draft = service.create_draft(store, "big", date(2026, 11, 1), date(2026, 11, 30), zone, group_by)
            t0 = time.perf_counter()
            doc = service.preview(store, draft["id"])
            print(f"preview by {group_by}: {len(doc['lines'])} lines in {time.perf_counter() - t0:.2f}s")
            service.delete_draft(store, draft["id"])
        draft = service.create_draft(store, "big", date(2026, 11, 1), date(2026, 11, 30), zone, "day")
        t0 = time.perf_counter()
        issued = service.issue(store, draft["id"])
        print(f"issue (number + freeze + {n_events + len(buckets):,} usage locks): {time.perf_counter() - t0:.2f}s")
        again = service.create_draft(store, "big", date(2026, 11, 1), date(2026, 11, 30), zone)
        t0 = time.perf_counter()
        doc = service.preview(store, again["id"])
        print(f"preview over fully billed usage: {doc['usage']['rows_already_billed']:,} locked rows, "
              f"{len(doc['lines'])} lines in {time.perf_counter() - t0:.2f}s")
        for fmt in ("pdf", "facturx", "csv"):
            t0 = time.perf_counter()
            data, _ = service.export(store, issued["number"], fmt)
            print(f"export {fmt}: {len(data):,} bytes in {time.perf_counter() - t0:.2f}s")
        store.close()


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)
