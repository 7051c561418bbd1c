"""`tracker import`: registered, readable summary, JSON report, progress callbacks."""

from __future__ import annotations

import json

from click.testing import CliRunner

from tests.logs.conftest import claude_line, codex_meta, codex_tokens, codex_turn
from tracker.cli import main


def seed(logs):
    logs.write(logs.claude_projects / "-p" / "s.jsonl", [claude_line(), "not json at all {\"usage\":{"])
    logs.write(logs.codex_home / "sessions" / "r.jsonl", [codex_meta(), codex_turn(), codex_tokens((100, 0, 10, 0))])


def test_import_json_report(logs):
    seed(logs)
    result = CliRunner().invoke(main, ["import", "--json"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    assert doc["files_seen"] == 2 and doc["files_read"] == 2 and doc["events_added"] == 2
    assert doc["lines_skipped"] == {"invalid_json": 1}
    assert doc["by_source"]["claude_code"]["events_added"] == 1
    assert doc["bytes_read"] > 0 and doc["seconds"] >= 0
    again = json.loads(CliRunner().invoke(main, ["import", "--json"]).output)
    assert (again["files_skipped"], again["events_added"]) == (2, 0)


def test_import_summary_is_readable(logs):
    seed(logs)
    result = CliRunner().invoke(main, ["import"], catch_exceptions=False)
    assert result.exit_code == 0
    assert "2 files, 2 read" in result.output
    assert "2 files, 2 read" in result.output and "claude_code: 1 file, 1 new request\n" in result.output
    assert "invalid_json 1" in result.output
    assert "Reading agent logs" not in result.output  # no progress bar when not a terminal


def test_import_with_no_logs_says_where_it_looked(logs):
    result = CliRunner().invoke(main, ["import"], catch_exceptions=False)
    assert "No agent logs found" in result.output


def test_progress_reports_files_and_bytes(logs):
    seed(logs)
    seen = []
    logs.run(progress=seen.append)
    assert seen[0]["files_done"] == 0 and seen[-1]["files_done"] == seen[-1]["files_total"] == 2
    assert seen[-1]["bytes_done"] == seen[-1]["bytes_total"] > 0


def _one_big_claude_file(logs, messages=400):
    return logs.write(logs.claude_projects / "-p" / "big.jsonl",
                      [claude_line(msg_id=f"m{i}", req_id=f"r{i}") for i in range(messages)])


def test_progress_moves_within_a_big_file(logs, monkeypatch):
    """One huge log (read in this process, it is the only file) moves the bar block by block."""
    from tracker.sources import logfiles as lf

    size = _one_big_claude_file(logs).stat().st_size
    monkeypatch.setattr(lf, "CHUNK_BYTES", 16 * 1024)
    seen = []
    report = logs.run(progress=seen.append)
    assert report.events_added == 400 and report.workers == 0
    within = [s["bytes_done"] for s in seen if s["files_done"] == 0 and s["bytes_done"]]
    assert len(within) >= size // (16 * 1024) - 1 and within == sorted(within) and within[-1] < size
    assert seen[-1]["bytes_done"] == seen[-1]["bytes_total"] == size


def test_cancelling_inside_a_big_file_stops_the_read(logs, monkeypatch):
    """The GUI cancels by raising from its progress callback: inside a file too, and it is no file error."""
    from tracker.sources import logfiles as lf

    _one_big_claude_file(logs)
    monkeypatch.setattr(lf, "CHUNK_BYTES", 16 * 1024)

    class Cancelled(Exception):
        pass

    cancelled_at = []

    def progress(info):
        if info["bytes_done"] > 40 * 1024:
            cancelled_at.append(info)
            raise Cancelled()

    try:
        logs.run(progress=progress)
    except Cancelled:
        pass
    else:
        raise AssertionError("the import went on after its progress callback cancelled it")
    assert cancelled_at[0]["files_done"] == 0  # inside the file, not after it
    assert logs.events() == [] and logs.run().events_added == 400  # nothing half-written; read again later


def test_progress_bar_draws_on_a_terminal(logs, monkeypatch):
    from tracker.commands import import_cmd

    seed(logs)
    drawn = []
    bar = import_cmd._Bar(enabled=True)
    monkeypatch.setattr(import_cmd.click, "progressbar", lambda **kw: _FakeBar(drawn, kw))
    logs.run(progress=bar)
    bar.close()
    assert drawn[0] == ("length", sum(p.stat().st_size for p in logs.home.rglob("*.jsonl")))
    assert drawn[-1] == ("closed", None)


class _FakeBar:
    def __init__(self, drawn, kw):
        self.drawn = drawn
        drawn.append(("length", kw["length"]))
        self.label = ""

    def __enter__(self):
        return self

    def update(self, n):
        self.drawn.append(("update", n))

    def __exit__(self, *exc):
        self.drawn.append(("closed", None))


class _Terminal:
    """A stderr that says it is a terminal, so click draws the bar."""

    def __init__(self):
        self.text = []

    def write(self, s):
        self.text.append(s)

    def flush(self):
        pass

    def isatty(self):
        return True


def test_progress_bar_shows_files_and_bytes_on_a_terminal(monkeypatch):
    import sys

    from tracker.commands.import_cmd import _Bar

    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    bar = _Bar(enabled=True)
    total = 300 * 2**20
    for done in range(0, 4):
        bar({"stage": "logs", "files_done": done, "files_total": 3, "bytes_done": done * 100 * 2**20,
             "bytes_total": total, "path": f"f{done}"})
    bar.close()
    drawn = "".join(terminal.text)
    assert "Reading agent logs (3/3 files, 300/300 MiB)" in drawn and "100%" in drawn
