"""A first import runs without the rollup triggers and fills the rollup once: same rollup, triggers back."""

from __future__ import annotations

import random

from tracker.pricing import Pricer
from tracker.services.ingest import price_event
from tracker.storage.bulk import bulk_writes
from tracker.storage.migrations import ROLLUP_TRIGGERS
from tracker.storage.store import EVENT_COLUMNS, event_row
from tests.old_schema import insert_rows
from tests.gui.test_store_rollup import _events, _from_events, _rollup_rows


def _priced(events, pricer=None):
    pricer = pricer or Pricer()
    for e in events:
        price_event(pricer, e)
    return events


def _traced_first_import(store, events, then=lambda: None) -> list[str]:
    """The statements of a first import (bulk_writes) of `events`, and of `then` inside it."""
    seen: list[str] = []
    store.conn.set_trace_callback(seen.append)
    with bulk_writes(store):
        store.write_batch(events=events, keep_most_complete=True)
        then()
    store.conn.set_trace_callback(None)
    return seen


def _triggers(store) -> set[str]:
    return {r[0] for r in store.conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")}


def test_first_import_rollup_equals_the_trigger_maintained_one(store, tmp_path):
    from tracker.storage import open_store

    rows = _priced(_events(random.Random(3), 600, "k"))
    dropped_during = []
    with bulk_writes(store):
        dropped_during.append(set(ROLLUP_TRIGGERS) & _triggers(store))
        store.write_batch(events=rows[:300], keep_most_complete=True)
        store.write_batch(events=rows[300:], keep_most_complete=True)
    assert dropped_during == [set()]  # the first import really ran without them
    assert set(ROLLUP_TRIGGERS) <= _triggers(store) and store._rollup_live()
    with open_store(tmp_path / "ref" / "t.db") as reference:  # the same rows, written with triggers
        for i in range(0, len(rows), 100):
            reference.write_batch(events=rows[i:i + 100], keep_most_complete=True)
        assert _rollup_rows(store) == _rollup_rows(reference) == _from_events(store) and _rollup_rows(store)
    # later writes (not into an empty table) keep it exact through the re-created triggers
    more = _priced(_events(random.Random(4), 200, "k"))
    with bulk_writes(store):
        assert set(ROLLUP_TRIGGERS) <= _triggers(store)
        store.write_batch(events=more, keep_most_complete=True)
    assert _rollup_rows(store) == _from_events(store)


def test_a_failed_first_import_leaves_triggers_and_nothing_else(store):
    rows = _priced(_events(random.Random(3), 50, "k"))
    try:
        with bulk_writes(store):
            store.write_batch(events=rows)
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
        insert_rows(db, "events", EVENT_COLUMNS, [event_row(e) for e in _priced(_events(random.Random(8), 300, "u"))],
                    replace=True)
    assert "input_tokens" not in {r[1] for r in db.execute("PRAGMA table_info(events_hourly)")}
    db.close()

    with open_store(path) as store:
        assert store._rollup_live() and _rollup_rows(store) == _from_events(store) and _rollup_rows(store)
        store.write_batch(events=_priced(_events(random.Random(9), 100, "v")))  # the new triggers keep it exact
        assert _rollup_rows(store) == _from_events(store)


def _rollup_tables(store) -> dict[str, list[tuple]]:
    from tracker.storage.rollups import LIVE_ROLLUPS

    return {r.table: sorted(store.conn.execute(f"SELECT * FROM {r.table}").fetchall(), key=repr) for r in LIVE_ROLLUPS}


def test_one_pass_refill_equals_each_rollups_own_fill(store, pricer):
    """refill_together (one GROUP BY over events for all the rollups) gives every rollup exactly its own fill():
    sessions and none, NULL and empty projects, accounts, tags by rule and by hand, unpriced, partly priced,
    requests of 0 and 3, a request before 1970."""
    from tests.spine.test_rollups import _events as varied_events
    from tracker.services.ingest import ingest
    from tracker.storage.rollups import LIVE_ROLLUPS, refill_together

    ingest(store, pricer, events=varied_events(random.Random(5), 800, "g"))
    conn = store.conn
    with store.atomic():
        tag = store.add_tag("client", "ACME")
        conn.execute("UPDATE events SET rule_tag_id = ? WHERE rowid % 3 = 0", (tag,))
        conn.execute("UPDATE events SET manual_tag_id = ? WHERE rowid % 7 = 0", (tag,))
        conn.execute("UPDATE events SET cost_pico = NULL WHERE rowid % 5 = 0")
        conn.execute("UPDATE events SET partly_priced = 'speed:fast' WHERE rowid % 11 = 0")
    with store.atomic():  # each rollup's own GROUP BY over the events
        for rollup in LIVE_ROLLUPS:
            for sql in rollup.refill():
                conn.execute(sql)
    want = _rollup_tables(store)
    assert all(want.values()) and len({len(rows) for rows in want.values()}) > 1
    statements = refill_together(LIVE_ROLLUPS)
    assert sum(" FROM events " in sql for sql in statements) == 1  # the events are read once
    with store.atomic():
        for sql in statements:
            conn.execute(sql)
    assert _rollup_tables(store) == want
    assert not conn.execute("SELECT name FROM sqlite_temp_master WHERE type = 'table'").fetchall()


def test_one_pass_refill_refuses_rollups_that_name_a_column_differently():
    import pytest

    from tracker.storage.rollups import HOURLY, Key, KeyedRollup, refill_together

    other = KeyedRollup("events_other", (Key("hour_ms", "{r}.ts_ms"), Key("model", "{r}.model")), HOURLY.measures)
    with pytest.raises(ValueError, match="hour_ms"):
        refill_together((HOURLY, other))


def test_first_import_fills_every_rollup_as_its_own_fill_would(store, pricer):
    """Through bulk_writes (a first import: triggers off, one refill at the end) the project and session
    rollups, not only the hourly one, equal what their fill() computes from the events."""
    from tests.spine.test_rollups import check_tables
    from tests.spine.test_rollups import _events as varied_events

    events = _priced(varied_events(random.Random(6), 600, "f"), pricer)
    with bulk_writes(store):
        store.write_batch(events=events[:300], keep_most_complete=True)
        store.write_batch(events=events[300:], keep_most_complete=True)
    check_tables(store)
    tables = _rollup_tables(store)
    # a first import's events carry no tags yet (rules tag them after): the tagged rollup is rightly empty
    assert not tables.pop("events_tagged_hourly")
    assert _rollup_rows(store) == _from_events(store) and all(tables.values())


def _own_fills(store) -> dict[str, list[tuple]]:
    """Every rollup as its own GROUP BY over the events computes it (left in place)."""
    from tracker.storage.rollups import LIVE_ROLLUPS

    with store.atomic():
        for rollup in LIVE_ROLLUPS:
            for sql in rollup.refill():
                store.conn.execute(sql)
    return _rollup_tables(store)


def test_the_one_pass_grain_sorts_by_the_keys_no_other_key_decides(store):
    """The day of the hour, and a `where` of the session or the tag, are read from the group, not sorted by;
    rollups with the same `where` share its column. (The grain's sort is most of a first import's refill.)"""
    from tracker.storage.rollups import GRAIN_TABLE, LIVE_ROLLUPS, refill_together

    [grain] = [sql for sql in refill_together(LIVE_ROLLUPS) if sql.startswith(f"CREATE TABLE {GRAIN_TABLE}")]
    columns = [part.rsplit(" AS ", 1)[1] for part in grain.split(" FROM events e ")[0].split(", ")
               if " AS " in part]
    grouped = columns[:len(grain.rsplit("GROUP BY ", 1)[1].split(", "))]
    assert grouped == ["hour_ms", "source", "model", "account", "project", "tag_key", "session", "priced_key"]
    assert sum(c.startswith("where_") for c in columns) == 2 and "day_ms" in columns


def test_a_first_import_with_tagged_events_fills_the_tagged_rollup_too(store, pricer):
    """The tagged rollup is left out of a first import's refill only while no event is tagged: events tagged
    within the same transaction (the triggers are off) are in it, exactly as its own fill computes it."""
    from tests.spine.test_rollups import _events as varied_events

    events = _priced(varied_events(random.Random(12), 500, "t"), pricer)
    def tag_some():
        tag = store.add_tag("client", "ACME")
        store.conn.execute("UPDATE events SET rule_tag_id = ? WHERE rowid % 3 = 0", (tag,))
        store.conn.execute("UPDATE events SET manual_tag_id = ? WHERE rowid % 7 = 0", (tag,))

    seen = _traced_first_import(store, events, tag_some)
    # filled by its own fill over the events, which the grain's tagged groups let run
    assert any(sql.startswith("INSERT INTO events_tagged_hourly") and "rollup_grain g WHERE g.where_" in sql
               for sql in seen)
    got = _rollup_tables(store)
    assert got["events_tagged_hourly"] and got == _own_fills(store)


def test_a_first_import_without_tagged_events_leaves_the_tagged_rollup_out_of_the_grain(store, pricer):
    from tests.spine.test_rollups import _events as varied_events
    from tracker.storage.rollups import TAGGED

    events = _priced(varied_events(random.Random(13), 400, "n"), pricer)
    seen = _traced_first_import(store, events)
    [grain] = [sql for sql in seen if "CREATE TABLE temp.rollup_grain" in sql]
    assert "priced_key" not in grain and "where_1" in grain  # (the tagged rollup's `where`, not its keys)
    # told empty from the grain: no scan of every event for a tagged one (the fill reads events only after a
    # tagged group of the grain: its outer loop)
    tagged_where = TAGGED.where.format(r="e")
    assert [sql for sql in seen if tagged_where in sql and sql != grain] == [
        next(sql for sql in seen if sql.startswith("INSERT INTO events_tagged_hourly"))]
    assert "FROM (SELECT 1 FROM temp.rollup_grain g WHERE g.where_1 LIMIT 1) CROSS JOIN events e" in \
        next(sql for sql in seen if tagged_where in sql and sql != grain)
    got = _rollup_tables(store)
    assert not got["events_tagged_hourly"] and got == _own_fills(store)
