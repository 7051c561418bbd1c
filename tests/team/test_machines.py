"""One person's machines: export on A, import on B and back, twice; nothing doubles."""

from __future__ import annotations

import json
import os
import stat
from datetime import date, timedelta

import pytest

from tests.team.conftest import WEEK_MONDAY, ms
from tracker.core.records import BilledLine, UsageBucket, UsageEvent
from tracker.core.timeutil import Window
from tracker.core.tokens import Tokens
from tracker.services import machines
from tracker.services.ingest import ingest


def usage(ctx, tag: str, shared_key: bool = False) -> None:
    events = [
        UsageEvent(source="claude_code", key=f"{tag}-msg-{i}", ts_ms=ms(WEEK_MONDAY + timedelta(days=i), 10),
                   model="claude-sonnet-4-5", tokens=Tokens(input_tokens=100 + i, cache_read_tokens=20_000,
                                                            cache_write_1h_tokens=300, output_tokens=500,
                                                            reasoning_tokens=50),
                   provider="anthropic", session=f"{tag}-session", project=f"{tag}-project", cwd=f"/home/{tag}",
                   tool_use=bool(i % 2))
        for i in range(5)
    ]
    events.append(UsageEvent(source="codex", key=f"{tag}-unpriced", ts_ms=ms(WEEK_MONDAY, 11),
                             model="mystery-model-x", tokens=Tokens(input_tokens=10, output_tokens=5)))
    if shared_key:  # the same log line read on both machines (a synced home folder)
        events.append(UsageEvent(source="claude_code", key="shared-msg", ts_ms=ms(WEEK_MONDAY, 12),
                                 model="claude-haiku-4-5", tokens=Tokens(input_tokens=7, output_tokens=9),
                                 provider="anthropic"))
    buckets = [UsageBucket(source="openai", account=f"{tag}-org", kind="completions",
                           start_s=ms(WEEK_MONDAY, 0) // 1000, width_s=86400, model="gpt-4.1",
                           tokens=Tokens(input_tokens=9000, output_tokens=1000), requests=12,
                           project_id="proj_x", extra={"user_id": "u1"})]
    billed = [BilledLine(source="openai", account=f"{tag}-org", day=WEEK_MONDAY.isoformat(), line_item="gpt-4.1, all",
                         amount_pico=123_456_789, project_id="proj_x")]
    ingest(ctx.store, ctx.pricer, events=events, buckets=buckets, billed=billed)


def totals(ctx) -> dict:
    win = [Window("all", date(2026, 1, 1), 0, 2**62)]
    row = ctx.store.aggregate(win, group_by=[])[0]
    row.pop("_start_ms")
    return row | ctx.store.counts() | {
        "prices": sorted(ctx.store.conn.execute("SELECT key, cost_pico, price_id FROM events").fetchall(),
                         key=str),
        "billed_pico": ctx.store.conn.execute("SELECT SUM(amount_pico) FROM billed").fetchone()[0],
    }


def test_round_trip_both_ways_twice_never_double_counts(make_ctx, tmp_path):
    a, b = make_ctx("a"), make_ctx("b")
    usage(a, "a", shared_key=True)
    usage(b, "b", shared_key=True)
    alone_a, alone_b = totals(a), totals(b)
    for _ in range(2):
        machines.export_events(a, tmp_path / "a.jsonl")
        result = machines.import_events(b, tmp_path / "a.jsonl")
        assert result.malformed == 0 and result.complete
        machines.export_events(b, tmp_path / "b.jsonl")
        machines.import_events(a, tmp_path / "b.jsonl")
    ta, tb = totals(a), totals(b)
    assert ta == tb
    # 6 own events each + 1 shared = 13 events; buckets and billed lines per account
    assert ta["events"] == 13 and ta["buckets"] == 2 and ta["billed"] == 2
    assert ta["requests"] == alone_a["requests"] + alone_b["requests"] - 1  # the shared one counted once
    assert ta["billed_pico"] == alone_a["billed_pico"] + alone_b["billed_pico"]
    # frozen prices travel as they are; the unknown model stays unpriced (not $0)
    assert ta["unpriced_requests"] == 2
    assert dict((k, (c, p)) for k, c, p in ta["prices"])["a-unpriced"] == (None, None)
    assert ta["cost_pico"] == alone_a["cost_pico"] + alone_b["cost_pico"] - \
        a.store.conn.execute("SELECT cost_pico FROM events WHERE key='shared-msg'").fetchone()[0]
    second = machines.import_events(b, tmp_path / "a.jsonl")
    assert second.events_added == 0


def test_imported_costs_are_not_repriced(make_ctx, tmp_path):
    a, b = make_ctx("a"), make_ctx("b")
    usage(a, "a")
    a.store.conn.execute("UPDATE events SET cost_pico = 42, price_id = 'frozen:test' WHERE key = 'a-msg-0'")
    a.store.conn.commit()
    machines.export_events(a, tmp_path / "a.jsonl")
    machines.import_events(b, tmp_path / "a.jsonl")
    row = b.store.conn.execute("SELECT cost_pico, price_id, origin FROM events WHERE key = 'a-msg-0'").fetchone()
    assert row[:2] == (42, "frozen:test")
    assert row[2] == machines.machine_id(a.store)


def test_importing_an_export_again_keeps_what_a_local_reprice_changed(make_ctx, tmp_path):
    """Importing the same export again (a routine sync) put back the other machine's costs over a
    local reprice, while saying '0 new': a copy with as many tokens now changes nothing."""
    a, b = make_ctx("a"), make_ctx("b")
    usage(a, "a")
    machines.export_events(a, tmp_path / "a.jsonl")
    machines.import_events(b, tmp_path / "a.jsonl")
    b.store.conn.execute("UPDATE events SET cost_pico = 777, price_id = 'user:override' WHERE key = 'a-msg-1'")
    b.store.conn.commit()  # what `tracker reprice` with a user price does
    again = machines.import_events(b, tmp_path / "a.jsonl")
    assert again.events_added == 0
    row = b.store.conn.execute("SELECT cost_pico, price_id FROM events WHERE key = 'a-msg-1'").fetchone()
    assert row == (777, "user:override")


def test_export_is_private_versioned_and_holds_no_secrets(make_ctx, tmp_path, memory_keyring):
    a = make_ctx("a")
    usage(a, "a")
    memory_keyring.set_password("tracker.team", "team-secret", "TOPSECRET-team-phrase-123")
    a.store.set_setting("some.setting", "SETTING-VALUE-XYZ")
    path = tmp_path / "out.jsonl"
    result = machines.export_events(a, path, since=WEEK_MONDAY + timedelta(days=2))
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    assert lines[0]["schema"] == "tracker.events-export/1" and lines[0]["origin"] == result.origin
    assert lines[-1] == {"type": "end", "events": result.events, "buckets": result.buckets, "billed": result.billed}
    assert result.events == 3  # --since keeps days 2..4
    raw = path.read_bytes()
    assert b"TOPSECRET" not in raw and b"SETTING-VALUE" not in raw and b"install_id" not in raw


def test_malformed_lines_are_counted_and_the_rest_imported(make_ctx, tmp_path):
    a, b = make_ctx("a"), make_ctx("b")
    usage(a, "a")
    path = tmp_path / "a.jsonl"
    machines.export_events(a, path)
    lines = path.read_text().splitlines()
    event = json.loads(lines[1])
    bad = [
        "{not json",
        json.dumps(event | {"input_tokens": -5}),
        json.dumps(event | {"ts_ms": "yesterday"}),
        json.dumps(event | {"reasoning_tokens": 10**6}),
        json.dumps({"type": "wat"}),
        json.dumps(json.loads(lines[-3]) | {"model": "changed"}),  # a bucket whose key no longer matches
        "[]",
    ]
    path.write_text("\n".join(lines[:1] + bad + lines[1:-1]) + "\n")  # and no end line
    result = machines.import_events(b, path)
    assert result.malformed == len(bad)
    assert any("input_tokens" in r for r in result.reasons)
    assert any("key does not match" in r for r in result.reasons)
    assert not result.complete and "cut short" in result.reasons[-1]
    assert b.store.counts()["events"] == a.store.counts()["events"]


def test_a_file_that_is_not_an_export_is_refused(make_ctx, tmp_path):
    b = make_ctx("b")
    path = tmp_path / "x.jsonl"
    path.write_text('{"schema": "tracker.team-summary/1"}\n{"type": "event"}\n')
    with pytest.raises(ValueError, match="not a tracker events export"):
        machines.import_events(b, path)
    assert b.store.counts()["events"] == 0


def _bucket(project_id: str, input_tokens: int) -> UsageBucket:
    return UsageBucket(source="openai", account="org", kind="completions", start_s=ms(WEEK_MONDAY, 0) // 1000,
                       width_s=86400, model="gpt-4.1", tokens=Tokens(input_tokens=input_tokens), requests=1,
                       project_id=project_id)


def test_an_import_never_overwrites_an_account_this_machine_polls(make_ctx, tmp_path):
    a, b = make_ctx("a"), make_ctx("b")
    ingest(a.store, a.pricer, buckets=[_bucket("p1", 1000)])
    machines.export_events(a, tmp_path / "a.jsonl")
    machines.import_events(b, tmp_path / "a.jsonl")
    # A polls again: the provider revised the figure
    ingest(a.store, a.pricer, buckets=[_bucket("p1", 5000)])
    machines.export_events(b, tmp_path / "b.jsonl")  # B still holds the old figure
    result = machines.import_events(a, tmp_path / "b.jsonl")
    assert result.skipped_own_accounts == ["openai|org"]
    assert a.store.conn.execute("SELECT input_tokens FROM buckets").fetchall() == [(5000,)]


def test_regrouped_provider_buckets_replace_the_old_ones_on_import(make_ctx, tmp_path):
    a, b = make_ctx("a"), make_ctx("b")
    ingest(a.store, a.pricer, buckets=[_bucket("p1", 1000)])
    machines.export_events(a, tmp_path / "a.jsonl")
    machines.import_events(b, tmp_path / "a.jsonl")
    # A re-polls the day with a different grouping: a new natural key replaces the old row
    start = ms(WEEK_MONDAY, 0) // 1000
    ingest(a.store, a.pricer, buckets=[_bucket("p2", 1000)], replace_buckets=[("openai", "org", start, start + 86400)])
    machines.export_events(a, tmp_path / "a.jsonl")
    machines.import_events(b, tmp_path / "a.jsonl")
    assert b.store.conn.execute("SELECT project_id, input_tokens FROM buckets").fetchall() == [("p2", 1000)]


def test_imported_rows_are_claimed_by_the_local_tag_rules(make_ctx, tmp_path):
    pytest.importorskip("tracker.services.tagging")
    from tracker.services import tagging, value

    a, b = make_ctx("a"), make_ctx("b")
    usage(a, "a")
    value.add_tag(b.store, "laptop-work", "project")
    tagging.add_rule(b.store, "laptop-work", project_glob="a-project")
    machines.export_events(a, tmp_path / "a.jsonl")
    result = machines.import_events(b, tmp_path / "a.jsonl")
    assert result.tagged and result.tagged.get("events") == 5
    tagged = b.store.conn.execute("SELECT count(*) FROM events WHERE rule_tag_id IS NOT NULL").fetchone()[0]
    assert tagged == 5


def test_lines_missing_from_an_export_are_reported_and_fail_the_command(make_ctx, tmp_path):
    """Lines deleted from the middle went unnoticed (the end line's counts were never read); a
    negative cost (-$1,000) was imported and turned the daily total negative."""
    from click.testing import CliRunner

    from tracker.cli import main

    a, b = make_ctx("a"), make_ctx("b")
    usage(a, "a")
    path = tmp_path / "a.jsonl"
    machines.export_events(a, path)
    lines = path.read_text().splitlines()
    holes = tmp_path / "holes.jsonl"
    holes.write_text("\n".join(lines[:2] + lines[4:]) + "\n")  # two event lines gone, the end line kept
    result = machines.import_events(b, holes)
    assert not result.complete and any("2 events line(s) are missing" in r for r in result.reasons)
    negative = json.loads(lines[1]) | {"cost_pico": -10**15}
    bad = tmp_path / "negative.jsonl"
    bad.write_text("\n".join([lines[0], json.dumps(negative)] + lines[2:]) + "\n")
    assert machines.import_events(make_ctx("c"), bad).malformed == 1
    cli = CliRunner().invoke(main, ["import-events", str(holes)], env={"TRACKER_HOME": str(tmp_path / "d")})
    assert cli.exit_code == 1 and "missing from the file" in cli.output


def test_price_classes_and_breakdowns_travel_with_the_rows(make_ctx, tmp_path):
    """Fast mode, web searches, the sidechain flag, partly priced marks and billed breakdowns are
    part of what a row is: an export read on another machine keeps them (a billed line's key, made of
    them, must still match)."""
    a, b = make_ctx("a"), make_ctx("b")
    events = [UsageEvent(source="claude_code", key="fast-1", ts_ms=ms(WEEK_MONDAY, 10), model="claude-opus-4-6",
                         tokens=Tokens(input_tokens=100, output_tokens=50), provider="anthropic", speed="fast",
                         units={"web_searches": 2}, sidechain=True),
              UsageEvent(source="claude_code", key="fast-2", ts_ms=ms(WEEK_MONDAY, 11), model="claude-sonnet-4-5",
                         tokens=Tokens(input_tokens=100, output_tokens=50), provider="anthropic", speed="fast")]
    billed = [BilledLine(source="anthropic", account="a-org", day=WEEK_MONDAY.isoformat(), line_item="Web Search",
                         amount_pico=5_000_000, cost_type="web_search", api_key_id="apikey_1")]
    ingest(a.store, a.pricer, events=events, billed=billed)
    machines.export_events(a, tmp_path / "a.jsonl")
    result = machines.import_events(b, tmp_path / "a.jsonl")
    assert result.malformed == 0
    cols = "key, speed, units, sidechain, partly_priced, cost_pico"
    assert b.store.conn.execute(f"SELECT {cols} FROM events ORDER BY key").fetchall() \
        == a.store.conn.execute(f"SELECT {cols} FROM events ORDER BY key").fetchall() \
        == [("fast-1", "fast", '{"web_searches":2}', 1, None, 6 * 1_750_000_000 + 20_000_000_000),
            ("fast-2", "fast", None, None, "speed:fast", 1_050_000_000)]
    assert b.store.conn.execute("SELECT cost_type, api_key_id, amount_pico FROM billed").fetchall() \
        == [("web_search", "apikey_1", 5_000_000)]
