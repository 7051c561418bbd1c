"""Files reach the parse workers in groups of at least TASK_MIN_BYTES, in order, each once."""

from __future__ import annotations

from tracker.services import log_import
from tracker.services.log_import import TASK_MIN_BYTES, _groups, _Work
from tracker.sources.logfiles import FileStat


def _work(i: int, size: int) -> _Work:
    return _Work("claude_code", FileStat(f"/logs/{i}.jsonl", 1, i, size, 0), None)


def test_groups_keep_order_and_size():
    sizes = [3 * TASK_MIN_BYTES, TASK_MIN_BYTES // 2, TASK_MIN_BYTES // 2, *[TASK_MIN_BYTES // 10] * 25, 7]
    work = [_work(i, size) for i, size in enumerate(sizes)]
    groups = list(_groups(work))
    assert [w for g in groups for w in g] == work
    assert groups[0] == [work[0]]  # a big file alone
    assert groups[1] == work[1:3]
    for group in groups[:-1]:
        assert sum(log_import._pending_bytes(w) for w in group) >= TASK_MIN_BYTES
    assert len(groups) < len(work) / 4
