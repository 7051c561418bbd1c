"""A cursor's head and tail hashes of a file read in one block come from the read buffer (logfiles._consumed_hashes),
not from reading the file again: the same cursor as the re-read gives, in every case."""

from __future__ import annotations

import os

import pytest

from tracker.sources import logfiles as lf
from tracker.sources.agents.claude_code import KIND as CLAUDE
from tracker.sources import registry
from tracker.sources.discovery import FileStat


def _lines(count: int, start: int = 0) -> bytes:
    return b"".join(b'{"type":"user","n":%d,"pad":"%s"}\n' % (i, b"x" * (i % 97)) for i in range(start, start + count))


def _stat(path) -> FileStat:
    return FileStat.from_stat(str(path), os.stat(path))


def _reread(fh, offset: int) -> tuple[str, str]:
    return lf.head_hash(None, offset, fh), lf.tail_hash(fh, offset)


def _read_both_ways(monkeypatch, path, cursor=None) -> tuple[dict, dict, int]:
    """(the cursor read_incremental gives, the one the re-read gives, how many times it read the file again)."""
    parse = registry.get(CLAUDE).reader()
    rereads = []
    real_head = lf.head_hash

    def counted(*args):
        rereads.append(args)
        return real_head(*args)

    monkeypatch.setattr(lf, "head_hash", counted)
    _, fast = lf.read_incremental(_stat(path), cursor, parse)
    monkeypatch.setattr(lf, "head_hash", real_head)
    monkeypatch.setattr(lf, "_consumed_hashes", _reread)
    _, slow = lf.read_incremental(_stat(path), cursor, parse)
    monkeypatch.undo()
    return fast, slow, len(rereads)


@pytest.mark.parametrize("lines", [1, 3, 400])
def test_a_file_read_in_one_block_is_hashed_from_the_buffer(tmp_path, monkeypatch, lines):
    path = tmp_path / "t.jsonl"
    path.write_bytes(_lines(lines))
    fast, slow, rereads = _read_both_ways(monkeypatch, path)
    assert fast == slow and fast["offset"] == path.stat().st_size and fast["head"] and fast["tail"]
    assert rereads == 0


def test_a_file_read_in_many_blocks_or_from_its_cursor_is_hashed_as_before(tmp_path, monkeypatch):
    path = tmp_path / "t.jsonl"
    half = b'{"type":"user","half'
    path.write_bytes(_lines(400) + half)  # the half line at the end is read again (then left): a second read
    fast, slow, rereads = _read_both_ways(monkeypatch, path)
    assert fast == slow and fast["offset"] == path.stat().st_size - len(half) and rereads == 1

    path.write_bytes(_lines(3000))
    monkeypatch.setattr(lf, "CHUNK_BYTES", 4096)  # many blocks: the buffer holds the last one only
    fast, slow, rereads = _read_both_ways(monkeypatch, path)
    assert fast == slow and rereads == 1

    path.write_bytes(_lines(50))
    first, _, _ = _read_both_ways(monkeypatch, path)
    with open(path, "ab") as fh:  # an append, read from the cursor: the buffer holds the new bytes only
        fh.write(_lines(20, start=50))
    fast, slow, rereads = _read_both_ways(monkeypatch, path, first)
    assert fast == slow and fast["offset"] == path.stat().st_size and rereads >= 1


def test_a_reader_that_reads_another_file_meanwhile_is_hashed_from_its_own(tmp_path, monkeypatch):
    """The buffer's last read must be of this file: a reader that read another one last is hashed by a re-read."""
    path, other = tmp_path / "t.jsonl", tmp_path / "other.jsonl"
    path.write_bytes(_lines(30))
    other.write_bytes(_lines(60, start=1000))

    def parse(fh, start, limit, result):
        for _ in lf.iter_blocks(fh, start, limit, result):
            pass
        with open(other, "rb") as another:
            for _ in lf.iter_blocks(another, 0, other.stat().st_size, lf.ReadResult()):
                pass

    _, fast = lf.read_incremental(_stat(path), None, parse)
    with open(path, "rb") as fh:
        assert (fast["head"], fast["tail"]) == _reread(fh, path.stat().st_size)
