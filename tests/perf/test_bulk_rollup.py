"""A first import runs without the rollup triggers and fills the rollup once: same rollup, triggers back."""

from __future__ import annotations

import random

from tracker.pricing import Pricer
from tracker.services.ingest import price_event
from tracker.storage.bulk import bulk_writes, write_event_rows
from tracker.storage.migrations import ROLLUP_TRIGGERS
from tracker.storage.store import EVENT_COLUMNS, event_row
from tests.old_schema import insert_rows
from tests.gui.test_store_rollup import _events, _from_events, _rollup_rows


def _rows(events):
    pricer = Pricer()
    for e in events:
        price_event(pricer, e)
    return [event_row(e) for e in events]


def _triggers(store) -> set[str]:
    return {r[0] for r in store.conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")}


def test_first_import_rollup_equals_the_trigger_maintained_one(store, tmp_path):
    from tracker.storage import open_store

    rows = _rows(_events(random.Random(3), 600, "k"))
    dropped_during = []
    with bulk_writes(store):
        dropped_during.append(set(ROLLUP_TRIGGERS) & _triggers(store))
        write_event_rows(store, rows[:300], keep_most_complete=True)
        write_event_rows(store, rows[300:], keep_most_complete=True)
    assert dropped_during == [set()]  # the first import really ran without them
    assert set(ROLLUP_TRIGGERS) <= _triggers(store) and store._rollup_live()
    with open_store(tmp_path / "ref" / "t.db") as reference:  # the same rows, written with triggers
        for i in range(0, len(rows), 100):
            write_event_rows(reference, rows[i:i + 100], keep_most_complete=True)
        assert _rollup_rows(store) == _rollup_rows(reference) == _from_events(store) and _rollup_rows(store)
    # later writes (not into an empty table) keep it exact through the re-created triggers
    more = _rows(_events(random.Random(4), 200, "k"))
    with bulk_writes(store):
        assert set(ROLLUP_TRIGGERS) <= _triggers(store)
        write_event_rows(store, more, keep_most_complete=True)
    assert _rollup_rows(store) == _from_events(store)


def test_a_failed_first_import_leaves_triggers_and_nothing_else(store):
    rows = _rows(_events(random.Random(3), 50, "k"))
    try:
        with bulk_writes(store):
            write_event_rows(store, rows)
            raise RuntimeError("crash mid-import")
    except RuntimeError:
        pass
    assert set(ROLLUP_TRIGGERS) <= _triggers(store)
    assert store.counts()["events"] == 0 and _rollup_rows(store) == []


def test_upgrade_adds_token_sums_to_an_existing_rollup(tmp_path):
    """m060 rebuilds a cost-only rollup (m020) with token sums, from the events already stored."""
    from tracker.storage import open_store
    from tracker.storage.db import connect
    from tracker.storage.migrations import migrations
    from tracker.storage.store import Store

    path = tmp_path / "old.db"
    db = connect(path)
    migrations.apply(db, stop_before="m060_events_hourly_tokens")
    with Store(db, path, tmp_path / "backups").atomic():  # the columns that schema had (later ones add more)
        insert_rows(db, "events", EVENT_COLUMNS, _rows(_events(random.Random(8), 300, "u")), replace=True)
    assert "input_tokens" not in {r[1] for r in db.execute("PRAGMA table_info(events_hourly)")}
    db.close()

    with open_store(path) as store:
        assert store._rollup_live() and _rollup_rows(store) == _from_events(store) and _rollup_rows(store)
        write_event_rows(store, _rows(_events(random.Random(9), 100, "v")))  # the new triggers keep it exact
        assert _rollup_rows(store) == _from_events(store)
