"""Canary: private names planted in the data never leave in a summary, its preview or the team report.

Every planted string contains "canary", so the check is on the raw bytes of
everything that leaves (or is shown as leaving), case-insensitively.
"""

from __future__ import annotations

import json

import pytest

from tests.team.conftest import CANARIES, NOW, TEAM_SECRET, WEEK, plant_usage, plant_value
from tests.team.test_share import Hook
from tracker.core.timeutil import to_ms
from tracker.services import team, team_keys
from tracker.services.team_merge import merge_folder
from tracker.services.team_render import report_blocks, to_html, to_markdown
from tracker.services.team_summary import to_json_bytes

NOW_MS = to_ms(NOW)
MEMBERS = 5


def assert_clean(raw: bytes, what: str) -> None:
    lowered = raw.lower()
    assert b"canary" not in lowered, f"a planted private name leaked into {what}"
    for value in CANARIES.values():
        assert value.lower().encode() not in lowered, f"{value!r} leaked into {what}"


@pytest.fixture
def team_folder(make_ctx, tmp_path):
    drive = tmp_path / "drive"
    drive.mkdir()
    team_keys.put(team_keys.TEAM_SECRET, TEAM_SECRET)
    contexts = []
    for i in range(MEMBERS):
        ctx = make_ctx(f"member{i}")
        plant_usage(ctx, scale=i + 1, seed=i)
        plant_value(ctx)
        team.save_settings(ctx.store, opt_in=True, folder=str(drive))
        contexts.append(ctx)
    return drive, contexts


def test_planted_names_are_really_in_the_local_data(team_folder):
    # guard against a vacuous pass: the canaries are there to be leaked
    _, contexts = team_folder
    dump = "\n".join(contexts[0].store.conn.iterdump()).lower()
    for value in CANARIES.values():
        assert value.lower() in dump


def test_nothing_planted_in_summary_preview_share_or_merged_report(team_folder):
    drive, contexts = team_folder
    hook = Hook()
    try:
        for i, ctx in enumerate(contexts):
            built = team.summary(ctx, WEEK, NOW_MS)
            assert built.doc["roi"]["available"] and built.doc["totals"]["cost_usd"] > 0
            assert_clean(to_json_bytes(built.doc), "the exported summary")
            assert_clean(team.preview(built, "markdown").encode(), "the Markdown preview")
            assert_clean(team.preview(built, "html").encode(), "the HTML preview")
            fmt = "slack" if i % 2 else "json"
            team.save_settings(ctx.store, webhook_url=hook.url, webhook_format=fmt)
            assert team.share(ctx, WEEK, NOW_MS).ok
        assert len(hook.bodies) == MEMBERS
        for body in hook.bodies:
            assert_clean(body, "a webhook body")
    finally:
        hook.close()
    files = sorted(drive.glob("*.json"))
    assert len(files) == MEMBERS
    for f in files:
        assert_clean(f.read_bytes(), f"the shared file {f.name}")
    report = merge_folder(drive, k=5)
    assert report["members"] == MEMBERS and not report["totals"]["suppressed"]
    assert {r["category"] for r in report["roi"]} >= {"consulting", "product"}
    assert_clean(json.dumps(report).encode(), "the merged report (JSON)")
    assert_clean(to_markdown(report_blocks(report)).encode(), "the merged report (Markdown)")
    assert_clean(to_html(report_blocks(report)).encode(), "the merged report (HTML)")
    for ctx in contexts:
        for row in team.history(ctx):
            assert_clean(team.sent_payload(ctx, row["id"]).encode(), "the share record")


def test_nothing_planted_through_the_cli(team_folder, monkeypatch):
    from click.testing import CliRunner

    from tracker.cli import main

    drive, contexts = team_folder
    home = contexts[0].paths.data_dir.parent
    monkeypatch.setenv("TRACKER_HOME", str(home))
    runner = CliRunner()
    for args in (["summary", "export", "--week", WEEK], ["summary", "export", "--week", WEEK, "--preview"],
                 ["summary", "export", "--week", WEEK, "--preview", "--html"]):
        result = runner.invoke(main, args)
        assert result.exit_code == 0, result.output
        assert WEEK in result.output
        assert_clean(result.stdout_bytes, " ".join(args))
    for ctx in contexts:
        team.share(ctx, WEEK, NOW_MS)
    for args in (["summary", "merge", str(drive)], ["summary", "merge", str(drive), "--json"],
                 ["summary", "merge", str(drive), "--html"]):
        result = runner.invoke(main, args)
        assert result.exit_code == 0, result.output
        assert "Model mix" in result.output or '"models"' in result.output
        assert_clean(result.stdout_bytes, " ".join(args))
