"""A reader's requests as plain tuples (core.request_rows) become the same store rows as the same UsageEvents."""

from __future__ import annotations

import math
from collections import Counter
from pathlib import Path

import pytest

from tests.corpus.gen_logs import generate
from tracker.services.ingest import price_event
from tracker.services.log_import import _price_requests
from tracker.sources import logfiles as lf
from tracker.sources import registry
from tracker.storage.store import import_row

REAL = Path(__file__).parent / "real"


def _plain(row: tuple) -> tuple:
    """A store row with its NULL parameters (storage.transactions.NULL_PARAM) as None."""
    return tuple(None if isinstance(v, float) and math.isnan(v) else v for v in row)


def _files(corpus: Path) -> list[tuple[str, Path]]:
    found = [("claude_code", p) for p in sorted((corpus / "home" / ".claude").rglob("*.jsonl"))]
    return found + [("codex", p) for p in sorted((corpus / "home" / ".codex").rglob("*.jsonl"))]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    out = tmp_path_factory.mktemp("corpus") / "rows"
    generate(out, mb=1.5, seed=5, dup_rate=0.3, claude_subagent_rate=0.2, codex_subagent_rate=0.5)
    return out


def test_rows_price_and_store_like_the_events_they_stand_for(corpus, shared_pricer):
    files = _files(corpus) + [("claude_code", p) for p in REAL.glob("*claude*.jsonl")] + \
        [("codex", p) for p in REAL.glob("*codex*.jsonl")]
    compared = Counter()
    for kind, path in files:
        source = registry.get(kind)
        result = lf.ReadResult()
        with open(path, "rb") as fh:
            source.reader()(fh, 0, path.stat().st_size, result)
        assert not result.events  # the built-in readers of appended logs return rows
        fast = [_plain(row) for row in _price_requests(result.rows, source.pricing, shared_pricer, Counter())]
        slow = []
        for event in result.usage_events(kind):
            event.model, event.provider = source.pricing.apply(event.model, event.provider)
            slow.append(import_row(price_event(shared_pricer, event), kind))
        assert fast == slow, path
        compared[kind] += len(fast)
    assert compared["claude_code"] > 100 and compared["codex"] > 40, compared
