"""The internal record classes on the import's path are plain classes (core.plain_record), not dataclasses
(~0.5 ms each at start-up), and behave as the dataclasses did: equality, hash, repr, defaults, pickling."""

from __future__ import annotations

import dataclasses
import pickle
from decimal import Decimal

import pytest

from tracker.pricing.linear import Coefficients
from tracker.pricing.pricer import Priced
from tracker.services.log_import import _Work
from tracker.services.sync import SyncReport
from tracker.sources.discovery import FileStat
from tracker.storage.rollups import HOURLY, LIVE_ROLLUPS, Extreme, Key, KeyedRollup
from tracker.storage.store import WriteResult
from tracker.storage.value import RuleMatch

PLAIN = (Key, Extreme, KeyedRollup, WriteResult, SyncReport, _Work, Priced, Coefficients, RuleMatch)


@pytest.mark.parametrize("cls", PLAIN, ids=lambda c: c.__name__)
def test_no_dataclass_is_built_for_them(cls):
    assert not dataclasses.is_dataclass(cls)


def test_equality_hash_and_repr_are_a_dataclasses():
    assert Key("hour_ms", "{r}.ts_ms") == Key("hour_ms", "{r}.ts_ms", "TEXT", "")
    assert Key("hour_ms", "{r}.ts_ms") != Key("hour_ms", "{r}.ts_ms", type="INTEGER")
    assert Key("a", "b") != ("a", "b", "TEXT", "")  # another class: never equal
    assert hash(Key("a", "b")) == hash(Key("a", "b")) and len({Key("a", "b"), Key("a", "b")}) == 1
    assert repr(Key("a", "b", of="c")) == "Key(name='a', value='b', type='TEXT', of='c')"
    assert repr(Priced(None, None)) == "Priced(cost_pico=None, price_id=None, partly=None)"
    assert Priced(5, "p") == Priced(5, "p", None) and Priced(5, "p").partly is None
    assert len(set(LIVE_ROLLUPS)) == len(LIVE_ROLLUPS) and HOURLY in LIVE_ROLLUPS
    copy = KeyedRollup(HOURLY.table, HOURLY.keys, HOURLY.measures, watched=HOURLY.watched)
    assert copy == HOURLY and copy.triggers == HOURLY.triggers and copy.create_table() == HOURLY.create_table()


def test_mutable_records_have_their_defaults_each_and_no_hash():
    one, two = SyncReport(), SyncReport()
    one.errors.append("x")
    assert two.errors == [] and one != two and SyncReport(logs={}) == SyncReport(logs={}, errors=[])
    assert RuleMatch(1, 2).fields == {} and RuleMatch(1, 2).fields is not RuleMatch(1, 2).fields
    assert WriteResult() == WriteResult(0, 0, 0, 0)
    for record in (SyncReport(), WriteResult(), RuleMatch(1, 2), _Work("k", FileStat("/a", 1, 2, 3, 4), {})):
        with pytest.raises(TypeError):
            hash(record)


def test_coefficients_compare_and_show_their_prices_not_their_ints():
    whole = Coefficients(*(Decimal(n) for n in range(7)))
    assert whole._ints == tuple(range(7)) and Coefficients(Decimal("0.5"), *(Decimal(0),) * 6)._ints is None
    assert whole == Coefficients(*(Decimal(n) for n in range(7)))
    assert "_ints" not in repr(whole) and repr(whole).startswith("Coefficients(uncached=Decimal('0'), ")


def test_a_file_to_read_travels_to_a_spawned_worker():
    work = _Work("claude_code", FileStat("/logs/a.jsonl", 1, 2, 3, 4), {"offset": 7}, whole=True)
    assert pickle.loads(pickle.dumps(work)) == work
