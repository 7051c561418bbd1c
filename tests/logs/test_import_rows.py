"""A log import writes its rows without the columns its statement holds (storage.store.import_row,
bulk.write_import_rows): the same events and rollups as the events' own write (Store.write_batch)."""

from __future__ import annotations

import random

import pytest

from tracker.core.records import UsageEvent
from tracker.core.tokens import Tokens
from tracker.storage import open_store
from tracker.storage.bulk import bulk_writes, write_import_rows
from tracker.storage.store import IMPORT_COLUMNS, import_row

KIND = "claude_code"
BIG = 2**53 + 1  # a float would lose the last unit


def _event(key: str, **fields) -> UsageEvent:
    values = dict(source=KIND, key=key, ts_ms=1_764_000_000_000, model="claude-sonnet-4-5",
                  tokens=Tokens(input_tokens=10, output_tokens=5), cost_pico=1_000, price_id="p-1")
    values.update(fields)
    return UsageEvent(**values)


def _odd_events() -> tuple[list[UsageEvent], list[UsageEvent]]:
    """Events with the values an import meets rarely, in two batches that repeat keys within and across them."""
    rng = random.Random(11)
    events = [
        _event("plain"),
        _event("no-project", project=None, session=None, cwd=None, git_branch=None, provider=None),
        _event("unicode-\u00e9\u65e5\u672c", project="\u043f\u0440\u043e\u0435\u043a\u0442/\u65e5\u672c \U0001f600",
               cwd="/home/\u00fc/\u65e5", session="s-\u2603", git_branch="feat/\u00df"),
        _event("huge", tokens=Tokens(input_tokens=BIG, cache_read_tokens=BIG, output_tokens=BIG, reasoning_tokens=7),
               cost_pico=BIG * 1000, ts_ms=4_102_444_800_000),
        _event("unpriced", cost_pico=None, price_id=None, partly_priced=None),
        _event("extras", tool_use=True, sidechain=True, speed="fast", service_tier="priority",
               units={"web_search": 2}, partly_priced="audio"),
        _event("zero", tokens=Tokens(), tool_use=False, sidechain=False),
        _event("dup-in-batch", tokens=Tokens(input_tokens=1)),
        _event("dup-in-batch", tokens=Tokens(input_tokens=9), sidechain=True),
        _event("dup-in-batch", tokens=Tokens(input_tokens=9)),
        # rows the statement does not hold: their own account, requests, origin or source (a full-width row)
        _event("account", account="work"),
        _event("requests", requests=3),
        _event("origin", origin="laptop"),
        _event("other-source", source="codex"),
        _event("plain", requests=2, tokens=Tokens(input_tokens=50)),  # a full row of a narrow row's key
        _event("mixed", requests=2, tokens=Tokens(input_tokens=50)), _event("mixed", tokens=Tokens(input_tokens=7)),
    ]
    second = [
        _event("plain", tokens=Tokens(input_tokens=11, output_tokens=5)),  # across batches: more tokens
        _event("zero", tokens=Tokens(input_tokens=1)),
        _event("dup-in-batch", tokens=Tokens(input_tokens=9), sidechain=False),
        _event("account", account="work", tokens=Tokens(input_tokens=99)),
        _event("requests", requests=1, tokens=Tokens(input_tokens=99)),
    ]
    second += [_event(f"r{rng.randrange(40)}", tokens=Tokens(input_tokens=rng.randrange(100)),
                      sidechain=rng.choice([None, True, False]), project=rng.choice([None, "a", "b"]))
               for _ in range(60)]
    return events, second


def _contents(store) -> dict[str, list]:
    tables = [r[0] for r in store.conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND (name = 'events' OR name LIKE 'events_%')")]
    return {t: sorted(store.conn.execute(f"SELECT * FROM {t}").fetchall(), key=repr) for t in tables}


@pytest.mark.parametrize("first_import", [True, False])
@pytest.mark.parametrize("keep_most_complete", [True, False])
def test_import_rows_write_what_event_rows_write(tmp_path, first_import, keep_most_complete):
    batches = _odd_events()
    results = {}
    for way in ("event_rows", "import_rows"):
        with open_store(tmp_path / way / "t.db") as store:
            if not first_import:
                store.write_batch(events=[_event("already-there")])
            with bulk_writes(store):
                for batch in batches:
                    if way == "event_rows":
                        written = store.write_batch(events=batch, keep_most_complete=keep_most_complete)
                    else:
                        rows = [import_row(e, KIND) for e in batch]
                        written = write_import_rows(store, KIND, rows, keep_most_complete=keep_most_complete)
                    results.setdefault(way, []).append((written.events_added, written.events_written))
            results[way].append(_contents(store))
    assert results["import_rows"] == results["event_rows"]
    events = results["event_rows"][-1]["events"]
    assert len(events) > 30 and any(row[3] == 4_102_444_800_000 and row[10] == BIG for row in events)


def test_import_rows_are_narrow_when_the_statement_holds_their_constants():
    assert len(import_row(_event("a"), KIND)) == len(IMPORT_COLUMNS)
    assert len(import_row(_event("a", project=None, units=None), KIND)) == len(IMPORT_COLUMNS)
    for odd in (dict(account="work"), dict(requests=2), dict(origin="laptop"), dict(source="codex")):
        assert len(import_row(_event("a", **odd), KIND)) == len(IMPORT_COLUMNS) + 4, odd


def test_a_source_name_is_quoted_in_the_statement(tmp_path):
    odd = "o'brien"  # plug-in kinds are letters, digits and _, but the statement must not depend on that
    events = [_event("a", source=odd), _event("b", source=odd, account="x")]
    with open_store(tmp_path / "a" / "t.db") as one, open_store(tmp_path / "b" / "t.db") as other:
        one.write_batch(events=events)
        write_import_rows(other, odd, [import_row(e, odd) for e in events])
        assert _contents(one) == _contents(other) and len(_contents(one)["events"]) == 2
