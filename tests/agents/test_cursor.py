"""Cursor's usage CSV export, read when named: `tracker import FILE.csv` (docs/agents/cursor.md)."""

from __future__ import annotations

import json
import shutil

from click.testing import CliRunner

from tests.agents.conftest import FIXTURES
from tracker.cli import main
from tracker.sources.agents.cursor import recognises
from tracker.sources.cursor_csv import cursor_model

MARCH = FIXTURES / "cursor" / "usage-events-2026-03.csv"
OVERLAP = FIXTURES / "cursor" / "usage-events-2026-03-overlap.csv"
# (UTC day, model) -> [uncached input, cache read, cache write, output, requests], counted by hand
EXPECTED = {
    ("2026-03-20", "composer-1"): [159990, 578207, 10, 2055, 1],
    ("2026-03-20", "claude-sonnet-4-5"): [8000, 196000, 96000, 6200, 2],  # two identical rows: two requests
    ("2026-03-21", "gpt-5"): [12000, 30000, 0, 4000, 1],
    ("2026-03-21", "auto"): [800, 0, 0, 120, 1],
}


def test_an_export_is_read_exactly(agents):
    report = agents.run(files=[MARCH])
    assert agents.by_day_model("cursor") == EXPECTED
    assert (report.files_read, report.events_added, dict(report.lines_skipped)) == (1, 5, {"no_usage": 1})
    priced = {e["model"]: e["cost_pico"] for e in agents.events("cursor")}
    assert priced["composer-1"] is None and priced["auto"] is None  # Cursor's own models: unpriced, never $0
    assert priced["claude-sonnet-4-5"] > 0 and priced["gpt-5"] > 0


def test_the_same_and_an_overlapping_export_add_only_new_rows(agents, tmp_path):
    agents.run(files=[MARCH])
    assert agents.run(files=[MARCH]).files_read == 0  # unchanged file: nothing read
    copy = tmp_path / "downloads" / "usage-events (1).csv"  # the same export downloaded again
    copy.parent.mkdir()
    shutil.copy(MARCH, copy)
    again = agents.run(files=[copy])
    assert (again.files_read, again.events_added) == (1, 0)
    newer = agents.run(files=[OVERLAP])  # a newer header; its first row is the March file's last
    assert newer.events_added == 1
    assert agents.by_day_model("cursor")[("2026-03-22", "claude-opus-4-6")] == [2000, 120000, 28000, 5000, 1]


def test_bad_rows_are_counted_by_reason(agents, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("Date,Model,Input (w/ Cache Write),Input (w/o Cache Write),Cache Read,Output Tokens\n"
                    "2026-01-01T00:00:00Z,gpt-5,10,10,0,x\n"
                    "2026-01-01T00:00:00Z,gpt-5,-1,0,0,1\n"
                    "yesterday,gpt-5,10,10,0,1\n"
                    "2026-01-01T00:00:00Z,,10,10,0,1\n"
                    "2026-01-01T00:00:00Z,gpt-5\n"
                    "2026-01-01T00:00:01Z,gpt-5,1,1,0,1\n")
    report = agents.run(files=[path])
    assert [e["model"] for e in agents.events("cursor")] == ["gpt-5"]
    assert dict(report.lines_skipped) == {"bad_number": 2, "bad_timestamp": 1, "missing_model": 1,
                                          "not_an_object": 1}


def test_the_command_line_names_files_and_refuses_what_no_source_reads(tmp_path):
    other = tmp_path / "notes.csv"
    other.write_text("a,b\n1,2\n")
    result = CliRunner().invoke(main, ["import", str(other)])
    assert result.exit_code != 0 and "no agent source reads this file" in result.output
    result = CliRunner().invoke(main, ["import", "--json", str(MARCH)], catch_exceptions=False)
    doc = json.loads(result.output)
    assert doc["by_source"]["cursor"] == {"files_seen": 1, "files_read": 1, "events_added": 5}
    assert recognises(MARCH) and recognises(OVERLAP) and not recognises(other) and not recognises(tmp_path / "x.csv")


def test_cursor_model_names():
    assert cursor_model("claude-4.5-sonnet-thinking") == "claude-sonnet-4-5"
    assert cursor_model("claude-4.6-opus-high-thinking") == "claude-opus-4-6"
    assert cursor_model("claude-4-sonnet") == "claude-sonnet-4"
    assert cursor_model("gpt-5-high") == "gpt-5" and cursor_model("gpt-5.1-codex-high") == "gpt-5.1-codex"
    assert cursor_model("composer-1") == "composer-1"
