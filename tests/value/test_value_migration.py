"""m020_value upgrades a database that already holds usage, keeping it and leaving it untagged."""

from __future__ import annotations

from datetime import date

from value_helpers import USD, bucket, event

from tracker.core.timeutil import Window
from tracker.storage import open_store
from tracker.storage.db import connect
from tracker.storage.migrations import migrations
from tests.old_schema import insert_rows
from tracker.storage.store import BUCKET_COLUMNS, EVENT_COLUMNS, Store, bucket_row, event_row


def test_upgrade_keeps_usage_and_shows_it_untagged(tmp_path):
    path = tmp_path / "old.db"
    db = connect(path)
    migrations.apply(db, stop_before="m020_value")
    with Store(db, path, tmp_path / "backups").atomic():  # the columns that schema had (later ones add more)
        insert_rows(db, "events", EVENT_COLUMNS, [event_row(event("e1", date(2026, 11, 2), 2 * USD, project="acme"))])
        insert_rows(db, "buckets", BUCKET_COLUMNS, [bucket_row(bucket(date(2026, 11, 2), 3 * USD,
                                                                      project_id="proj_1"))])
    db.close()

    store = open_store(path)
    assert store.counts() == {"events": 1, "buckets": 1, "billed": 0}
    assert list((tmp_path / "backups").glob("old-*-before-m020_value.db"))  # backed up first
    rows = store.aggregate([Window("all", date(2026, 11, 1), 0, 2**62)], group_by=["tag"])
    assert {r["tag"] for r in rows} == {"untagged"} and sum(r["cost_pico"] for r in rows) == 5 * USD
    store.close()
