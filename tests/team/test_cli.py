"""The summary and machines commands, end to end through click."""

from __future__ import annotations

import json

from click.testing import CliRunner

from tests.team.conftest import plant_usage
from tracker.cli import main


def run(*args, input=None, home=None):
    env = {"TRACKER_HOME": str(home)} if home else None
    return CliRunner().invoke(main, list(args), input=input, env=env)


def test_create_join_admit_show_share_history_merge(tmp_path, memory_keyring):
    drive = tmp_path / "drive"
    drive.mkdir()
    founder, member = tmp_path / "founder", tmp_path / "member"
    result = run("summary", "share", home=founder)
    assert result.exit_code == 1 and "sharing is off" in result.output
    result = run("summary", "setup", "--opt-in", "--folder", str(drive), "--json", home=founder)
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["team"] is None
    result = run("summary", "team", "create", "--k", "5", "--category", "Product", "--json", home=founder)
    assert result.exit_code == 0, result.output
    settings = json.loads(result.output)
    assert settings["k"] == 5 and settings["categories"] == ["product"] and len(settings["roster"]) == 1
    team_key = " ".join(settings["team"][i:i + 4] for i in range(0, 32, 4))
    assert team_key in run("summary", "team", "show", home=founder).output
    assert "already holds the settings" in run("summary", "team", "create", home=founder).output
    # a member joins with the key it was given, and is admitted by the founder
    result = run("summary", "team", "join", "--team-key", team_key, "--folder", str(drive), "--json", home=member)
    assert result.exit_code == 0, result.output
    joined = json.loads(result.output)
    assert joined["on_roster"] is False
    shown = json.loads(run("summary", "team", "show", "--json", home=founder).output)
    assert shown["founder"] and shown["pending_joins"] == [joined["member"]]
    result = run("summary", "team", "admit", "--all", "--json", home=member)
    assert result.exit_code == 1 and "founder key" in result.output
    result = run("summary", "team", "admit", home=founder)  # nobody is admitted without being named
    assert result.exit_code == 1 and joined["member"] in result.output and "Compare each id" in result.output
    admitted = json.loads(run("summary", "team", "admit", "--member", joined["member"], "--json",
                              home=founder).output)
    assert admitted["version"] == 2 and joined["member"] in [r["member"] for r in admitted["roster"]]
    # nothing due this week for a team of two (fewer than k): nothing written, and the merge says only that
    assert "Nothing" in run("summary", "share", home=founder).output
    report = json.loads(run("summary", "merge", str(drive), "--json", home=founder).output)
    assert report["members_label"] == "fewer than 5 members" and report["totals"] == {"suppressed": True}
    (drive / "junk.json").write_text("{oops")
    result = run("summary", "merge", str(drive), home=founder)
    assert "Files not used" in result.output and "junk.json" in result.output
    assert "Nothing has been shared yet." in run("summary", "history", home=founder).output


def test_a_team_secret_is_no_longer_how_a_team_is_joined():
    result = run("summary", "setup", "--secret", input="correct horse battery staple team-a\n")
    assert result.exit_code == 1 and "tracker summary team join --team-key" in result.output


def test_a_bad_team_key_is_a_clear_error(tmp_path):
    drive = tmp_path / "drive"
    drive.mkdir()
    result = run("summary", "team", "join", "--team-key", "not-a-key", "--folder", str(drive))
    assert result.exit_code == 1 and "32 hex digits" in result.output
    result = run("summary", "team", "join", "--team-key", "0" * 32, "--folder", str(drive))
    assert result.exit_code == 1 and "holds no settings signed with the team key" in result.output


def test_export_before_joining_shows_the_figures_in_the_default_layout(make_ctx, tracker_home):
    from tracker.paths import get_paths
    from tracker.services.context import open_context

    with open_context(get_paths(tracker_home)) as ctx:
        ctx.store.set_setting("timezone", "UTC")
        plant_usage(ctx)
    result = run("summary", "export", "--week", "2026-W47")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["schema"] == "tracker.team-values/1" and doc["totals"]["requests"] == 57
    preview = run("summary", "export", "--week", "2026-W47", "--preview").output
    assert "never leave as they are" in preview and "Exactly what was written" not in preview


def test_bad_week_is_a_user_error():
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
