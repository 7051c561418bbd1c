"""The summary and machines commands, end to end through click."""

from __future__ import annotations

import json

from click.testing import CliRunner

from tests.team.conftest import TEAM_SECRET, plant_usage
from tracker.cli import main


def run(*args, input=None):
    result = CliRunner().invoke(main, list(args), input=input)
    return result


def test_setup_share_history_merge(tmp_path, memory_keyring):
    drive = tmp_path / "drive"
    drive.mkdir()
    result = run("summary", "share")
    assert result.exit_code == 1 and "sharing is off" in result.output
    result = run("summary", "setup", "--secret", "--opt-in", "--folder", str(drive), "--json", input=TEAM_SECRET + "\n")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    assert doc["opt_in"] and doc["team_secret_set"] and doc["folder"] == str(drive)
    assert TEAM_SECRET not in result.output
    assert memory_keyring.items[("tracker", "team/team-secret")] == TEAM_SECRET
    result = run("summary", "share", "--week", "2026-W47", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["sent"][0]["ok"]
    result = run("summary", "history")
    assert "2026-W47 folder" in result.output and "ok" in result.output
    shown = run("summary", "history", "--show", "1")
    assert json.loads(shown.output)["week"] == "2026-W47"
    result = run("summary", "merge", str(drive), "--json")
    report = json.loads(result.output)
    assert report["files"] == {"rejected": 0} and report["totals"] == {"suppressed": True}  # no count under k
    (drive / "junk.json").write_text("{oops")
    result = run("summary", "merge", str(drive), "--k", "2")
    assert "Files not merged" in result.output and "junk.json" in result.output


def test_export_without_secret_says_how_to_fix():
    result = run("summary", "export")
    assert result.exit_code == 1 and "tracker summary setup --secret" in result.output


def test_bad_week_is_a_user_error(memory_keyring):
    memory_keyring.set_password("tracker", "team/team-secret", TEAM_SECRET)
    result = run("summary", "export", "--week", "2026-47")
    assert result.exit_code == 1 and "ISO week" in result.output


def test_export_and_import_events_commands(make_ctx, tmp_path, tracker_home):
    from tracker.paths import get_paths
    from tracker.services.context import open_context

    source = make_ctx("laptop")
    plant_usage(source)
    out = tmp_path / "laptop.jsonl"
    from tracker.services import machines

    machines.export_events(source, out)
    first = run("import-events", str(out), "--json")
    assert first.exit_code == 0, first.output
    doc = json.loads(first.output)
    assert doc["events"] == 7 and doc["events_added"] == 7 and doc["malformed"] == 0
    again = json.loads(run("import-events", str(out), "--json").output)
    assert again["events_added"] == 0
    result = run("export-events", str(tmp_path / "back.jsonl"), "--since", "2026-11-18")
    assert result.exit_code == 0 and "Wrote" in result.output
    with open_context(get_paths(tracker_home)) as here:
        assert here.store.counts()["events"] == 7
