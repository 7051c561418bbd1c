"""Canary: private names planted in the data never leave: not in the folder, a webhook, a preview or the report.

Every planted string contains "canary", so the check is on the raw bytes of
everything that leaves (or is shown as leaving), case-insensitively.
"""

from __future__ import annotations

import json

import pytest

from tests.team.conftest import CANARIES, CONTRIBUTE_AT, WEEK, plant_value
from tests.team.test_share import Hook
from tracker.core.timeutil import to_ms
from tracker.services import team
from tracker.services.team_render import report_blocks, to_html, to_markdown
from tracker.services.team_summary import to_json_bytes

MEMBERS = 5


def assert_clean(raw: bytes, what: str) -> None:
    lowered = raw.lower()
    assert b"canary" not in lowered, f"a planted private name leaked into {what}"
    for value in CANARIES.values():
        assert value.lower().encode() not in lowered, f"{value!r} leaked into {what}"


@pytest.fixture
def run(real_team):
    team_run = real_team(MEMBERS, categories=("consulting", "product"))
    for ctx in team_run.contexts:
        plant_value(ctx)
    return team_run


def test_planted_names_are_really_in_the_local_data(run):
    # guard against a vacuous pass: the canaries are there to be leaked
    dump = "\n".join(run.contexts[0].store.conn.iterdump()).lower()
    for value in CANARIES.values():
        assert value.lower() in dump


def test_nothing_planted_in_the_folder_a_webhook_a_preview_or_the_report(run):
    hooks = [Hook(), Hook()]
    try:
        team.save_settings(run.contexts[0].store, webhook_url=hooks[0].url, webhook_format="json")
        team.save_settings(run.contexts[1].store, webhook_url=hooks[1].url, webhook_format="slack")
        for ctx in run.contexts:
            built = team.summary(ctx, WEEK, to_ms(CONTRIBUTE_AT))
            assert built.values["base"]["roi_available"] and built.values["base"]["cost_pico"] > 0
            assert_clean(to_json_bytes(built.readable), "the member's own figures")
            assert_clean(team.preview(built, "markdown").encode(), "the Markdown preview")
            assert_clean(team.preview(built, "html").encode(), "the HTML preview")
        run.run_week()
        bodies = hooks[0].bodies + hooks[1].bodies
        assert len(bodies) == 2
        for body in bodies:
            assert_clean(body, "a webhook body")
    finally:
        for hook in hooks:
            hook.close()
    files = [p for p in run.drive.rglob("*") if p.is_file()]
    assert len(files) > 4 * MEMBERS
    for f in files:
        assert_clean(f.read_bytes(), f"the shared file {f.name}")
    report = run.merge()
    assert report["members"] == MEMBERS and not report["totals"]["suppressed"]
    assert {r["category"] for r in report["roi"]} >= {"consulting", "product"}
    assert_clean(json.dumps(report).encode(), "the merged report (JSON)")
    assert_clean(to_markdown(report_blocks(report)).encode(), "the merged report (Markdown)")
    assert_clean(to_html(report_blocks(report)).encode(), "the merged report (HTML)")
    for ctx in run.contexts:
        for row in team.history(ctx):
            assert_clean(team.sent_payload(ctx, row["id"]).encode(), "the share record")
        built = team.summary(ctx, WEEK, to_ms(CONTRIBUTE_AT))
        assert_clean(team.preview(built, "html", team.recorded_contribution(ctx, WEEK)).encode(),
                     "the preview with the file that left")


def test_nothing_planted_through_the_cli(run, monkeypatch):
    from click.testing import CliRunner

    from tracker.cli import main

    home = run.contexts[0].paths.data_dir.parent
    monkeypatch.setenv("TRACKER_HOME", str(home))
    runner = CliRunner()
    for args in (["summary", "export", "--week", WEEK], ["summary", "export", "--week", WEEK, "--preview"],
                 ["summary", "export", "--week", WEEK, "--preview", "--html"], ["summary", "team", "show"],
                 ["summary", "team", "show", "--json"]):
        result = runner.invoke(main, args)
        assert result.exit_code == 0, result.output
        assert_clean(result.stdout_bytes, " ".join(args))
    run.run_week()
    for args in (["summary", "merge", str(run.drive)], ["summary", "merge", str(run.drive), "--json"],
                 ["summary", "merge", str(run.drive), "--html"], ["summary", "history", "--json"]):
        result = runner.invoke(main, args)
        assert result.exit_code == 0, result.output
        assert_clean(result.stdout_bytes, " ".join(args))
