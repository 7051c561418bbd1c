"""`tracker nudges` over the demo data and over generated usage."""

from __future__ import annotations

import json
from decimal import Decimal

from click.testing import CliRunner
from nudge_usage import events, write

from tracker.cli import main
from tracker.core.timeutil import now_ms


def test_demo_shows_at_least_one_nudge():
    result = CliRunner().invoke(main, ["--demo", "nudges", "--json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    assert doc["nudges"], doc
    first = doc["nudges"][0]
    assert first["status"] == "open" and first["evidence"]["examples"]
    assert first["estimated_weekly_savings_usd"] and first["how_to_switch"] and "your call" in first["note"]
    text = CliRunner().invoke(main, ["--demo", "nudges"])
    assert text.exit_code == 0 and first["id"] in text.output


def _seed(tracker_home):
    from tracker.paths import get_paths
    from tracker.pricing import Pricer
    from tracker.storage import open_store

    paths = get_paths().ensure()
    with open_store(paths.db_path) as store:
        write(store, Pricer(), events(1200, 1200, now_ms() - 27 * 86_400_000, 27))


OPUS_ID = "claude_code|claude-opus-4-5|claude-sonnet-4-5"


def test_actions_from_the_command_line(tracker_home):
    _seed(tracker_home)
    runner = CliRunner()
    listed = json.loads(runner.invoke(main, ["nudges", "--json"]).output)
    assert [n["id"] for n in listed["nudges"]] == [OPUS_ID]

    result = runner.invoke(main, ["nudges", "snooze", OPUS_ID, "--days", "3"])
    assert result.exit_code == 0 and "Snoozed" in result.output
    assert "No open nudges: 1 snoozed" in runner.invoke(main, ["nudges"]).output
    assert "[snoozed]" in runner.invoke(main, ["nudges", "--all"]).output

    result = runner.invoke(main, ["nudges", "switched", OPUS_ID])
    assert result.exit_code == 0 and "Noted" in result.output
    doc = json.loads(runner.invoke(main, ["nudges", "--json"]).output)
    assert doc["nudges"][0]["status"] == "switched"
    # the estimate kept at the switch is the one shown before it (the clock moved a few ms since)
    kept = Decimal(doc["nudges"][0]["follow_through"]["estimated_weekly_savings_usd"])
    assert abs(kept - Decimal(listed["nudges"][0]["estimated_weekly_savings_usd"])) < Decimal("0.0001")

    result = runner.invoke(main, ["nudges", "dismiss", OPUS_ID])
    assert result.exit_code == 0
    doc = json.loads(runner.invoke(main, ["nudges", "--json"]).output)
    assert doc["nudges"][0]["status"] == "dismissed"


def test_unknown_id_is_a_clear_error(tracker_home):
    _seed(tracker_home)
    result = CliRunner().invoke(main, ["nudges", "dismiss", "codex|gpt-5|gpt-5-mini"])
    assert result.exit_code == 1
    assert "No nudge with id" in result.output and OPUS_ID in result.output


def test_bad_ladder_file_is_a_warning_not_a_crash(tracker_home):
    _seed(tracker_home)
    from tracker.paths import get_paths

    (get_paths().config_dir / "ladders.json").write_text("{broken")
    result = CliRunner().invoke(main, ["nudges", "--json"])
    assert result.exit_code == 0
    assert "warning:" in result.stderr and "ladders.json" in result.stderr
