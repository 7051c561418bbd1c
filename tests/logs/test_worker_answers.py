"""A forked parse worker's answer for a group (log_import._packed, read back by _unpacked): the results marshalled
without their work items where marshal takes them, else pickled as before; the importing process gets back what
the worker read, either way."""

from __future__ import annotations

import math
import os
import pickle
from collections import Counter

import pytest

from tests.corpus.gen_logs import generate
from tracker.core.records import UsageEvent
from tracker.core.tokens import Tokens
from tracker.services import log_import
from tracker.sources import registry
from tracker.sources.discovery import FileStat


@pytest.fixture(scope="module")
def group(tmp_path_factory) -> list:
    """Work items for every log file of a small generated corpus (sub-agents, malformed lines, rate limits),
    and one file that is gone (its result: an error)."""
    out = tmp_path_factory.mktemp("answers")
    generate(out, mb=1.5, seed=5, malformed_rate=0.02, claude_subagent_rate=0.3, codex_subagent_rate=1)
    work = []
    for kind, folder in (("claude_code", ".claude"), ("codex", ".codex")):
        for path in sorted((out / "home" / folder).rglob("*.jsonl")):
            stat = FileStat.from_stat(str(path), os.stat(path))
            work.append(log_import._Work(kind, stat, None, registry.get(kind).reads_whole(stat.path)))
    gone = FileStat(str(out / "gone.jsonl"), 10, 1, 1, 1)
    return work + [log_import._Work("codex", gone, None)]


def _comparable(results: list) -> list:
    """The results with each NaN (storage.transactions.NULL_PARAM: a NULL in a reading's row) as text: a NaN is
    never equal to another, and an answer read back holds new ones."""
    def plain(value):
        if isinstance(value, float) and math.isnan(value):
            return "NaN"
        if isinstance(value, (list, tuple)):
            return type(value)(plain(v) for v in value)
        return value

    return [(work, None if result is None else {name: plain(v) for name, v in vars(result).items()}, cursor, error)
            for work, result, cursor, error in results]


def _robust(results: list) -> list:
    """The results as the worker's pickled answer gives them back (the way every answer went before)."""
    return pickle.loads(pickle.dumps(results))


def test_a_workers_answer_is_marshalled_and_gives_back_what_it_read(group):
    results = log_import._read_group(group)
    assert sum(len(r.rows) for _, r, _, _ in results if r) > 200 and sum(len(r.readings) for _, r, _, _ in results if r)
    assert results[-1][1] is None and results[-1][3]  # (the file that is gone)
    answer = log_import._packed(results)
    assert answer[:1] == log_import.MARSHALLED
    failed, got = log_import._unpacked(group, answer)
    assert not failed
    assert _comparable(got) == _comparable(results) == _comparable(_robust(results))
    assert all(got_work is work for (got_work, *_), work in zip(got, group))  # the importing process's own items
    for (_, result, _, _), (_, read, _, _) in zip(got, results):
        if result is not None:
            assert type(result.skipped) is Counter and result.skipped == read.skipped
            assert [type(x) for row in result.rows for x in row] == [type(x) for row in read.rows for x in row]


def test_results_marshal_does_not_take_are_pickled_as_before(group):
    results = log_import._read_group(group[:3])
    event = UsageEvent(source="plug", key="k1", ts_ms=1_700_000_000_000, model="m", tokens=Tokens(input_tokens=5))
    with_events = [(w, r, c, e) for w, r, c, e in results]
    with_events[0][1].events = [event]  # a plug-in reader's UsageEvents
    answer = log_import._packed(with_events)
    assert answer[:1] == log_import.PICKLED
    failed, got = log_import._unpacked(group[:3], answer)
    assert not failed and got[0][1].events == [event] and _comparable(got) == _comparable(_robust(with_events))

    results = log_import._read_group(group[:3])
    results[1][1].note = "a reader's own attribute"
    answer = log_import._packed(results)
    assert answer[:1] == log_import.PICKLED
    failed, got = log_import._unpacked(group[:3], answer)
    assert not failed and got[1][1].note == "a reader's own attribute"
    assert _comparable(got) == _comparable(_robust(results))


def test_an_exception_in_a_worker_is_answered_pickled():
    failed, value = log_import._unpacked([], log_import._pickled(True, ValueError("a reader bug")))
    assert failed and isinstance(value, ValueError) and str(value) == "a reader bug"
