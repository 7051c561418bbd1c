"""Codex CLI rollouts: each counting rule with hand-written lines."""

from __future__ import annotations

from tests.logs.conftest import codex_call, codex_meta, codex_tokens, codex_turn

SID = "019e763f-ff0c-7683-a4e9-a17e2bf964fb"


def rollout(logs, folder="sessions", sid=SID):
    return logs.codex_home / folder / "2025" / "06" / "01" / f"rollout-2025-06-01T09-00-00-{sid}.jsonl"


def test_counts_advances_subtracts_cached_and_skips_reemits(logs):
    logs.write(rollout(logs), [
        codex_meta(),
        {"timestamp": "2025-06-01T09:00:00.100Z", "type": "event_msg",
         "payload": {"type": "token_count", "info": None, "rate_limits": {}}},
        codex_turn("gpt-5"),
        codex_call(),
        codex_tokens((1000, 250, 125, 75), (1000, 250, 125, 75), ts="2025-06-01T09:01:00.000Z"),
        codex_tokens((1000, 250, 125, 75), (1000, 250, 125, 75), ts="2025-06-01T09:01:01.000Z"),  # re-emit
        codex_tokens((3500, 750, 425, 275), (2500, 500, 300, 200), ts="2025-06-01T09:04:00.000Z"),
    ])
    report = logs.run()
    first, second = logs.events()
    assert (first["input_tokens"], first["cache_read_tokens"], first["output_tokens"], first["reasoning_tokens"]) \
        == (750, 250, 125, 75)
    assert (second["input_tokens"], second["cache_read_tokens"], second["output_tokens"], second["reasoning_tokens"]) \
        == (2000, 500, 300, 200)
    assert first["tool_use"] == 1 and second["tool_use"] == 0
    assert (first["session"], first["project"], first["git_branch"], first["provider"]) \
        == (SID, "api-server", "dev", "openai")
    assert report.lines_skipped["not_advanced"] == 1
    assert report.lines_skipped["no_usage_info"] == 1
    assert first["cost_pico"] > 0


def test_model_comes_from_the_latest_turn_context(logs):
    logs.write(rollout(logs), [
        codex_meta(),
        codex_turn("gpt-5"),
        codex_tokens((100, 0, 10, 0), ts="2025-06-01T09:01:00.000Z"),
        codex_turn("gpt-5-mini", ts="2025-06-01T09:02:00.000Z"),
        codex_tokens((300, 0, 30, 0), ts="2025-06-01T09:03:00.000Z"),
    ])
    logs.run()
    assert [(e["model"], e["input_tokens"]) for e in logs.events()] == [("gpt-5", 100), ("gpt-5-mini", 200)]


def test_no_model_recorded_is_unknown_and_unpriced(logs):
    logs.write(rollout(logs), [codex_meta(), codex_tokens((100, 0, 10, 0))])
    logs.run()
    [e] = logs.events()
    assert e["model"] == "unknown" and e["cost_pico"] is None


def test_archived_copy_does_not_double_count(logs):
    lines = [codex_meta(), codex_turn(), codex_tokens((100, 0, 10, 0)),
             codex_tokens((300, 0, 30, 0), ts="2025-06-01T09:03:00.000Z")]
    logs.write(rollout(logs, "sessions"), lines)
    # the same thread archived under another folder layout (different relative path)
    logs.write(logs.codex_home / "archived_sessions" / f"rollout-2025-06-01T09-00-00-{SID}.jsonl", lines)
    report = logs.run()
    assert report.files_read == 2
    assert len(logs.events()) == 2
    assert sum(e["input_tokens"] for e in logs.events()) == 300


def test_same_relative_path_in_archive_is_read_once(logs):
    lines = [codex_meta(), codex_turn(), codex_tokens((100, 0, 10, 0))]
    logs.write(rollout(logs, "sessions"), lines)
    logs.write(rollout(logs, "archived_sessions"), lines)
    assert logs.run().files_seen == 1


def test_forked_thread_replay_is_not_counted(logs):
    parent = [codex_meta(), codex_turn(), codex_tokens((100, 0, 10, 0)),
              codex_tokens((300, 0, 30, 0), ts="2025-06-01T09:03:00.000Z")]
    logs.write(rollout(logs), parent)
    child_sid = "019e7700-0000-7000-8000-000000000001"
    fork_ts = "2025-06-01T10:00:00.000Z"
    child = [
        codex_meta(session=child_sid, ts=fork_ts, forked_from_id=SID),
        # the parent's history, replayed in one burst at fork time
        codex_turn(ts="2025-06-01T10:00:00.200Z"),
        codex_tokens((100, 0, 10, 0), ts="2025-06-01T10:00:00.300Z"),
        codex_tokens((300, 0, 30, 0), ts="2025-06-01T10:00:00.400Z"),
        # the child's own call
        codex_turn(ts="2025-06-01T10:00:05.000Z"),
        codex_tokens((800, 100, 50, 0), ts="2025-06-01T10:01:00.000Z"),
    ]
    logs.write(rollout(logs, sid=child_sid), child)
    report = logs.run()
    events = logs.events()
    assert [e["session"] for e in events] == [SID, SID, child_sid]
    assert events[-1]["input_tokens"] == 400 and events[-1]["cache_read_tokens"] == 100
    assert report.lines_skipped["fork_replay"] == 2


def test_subagent_source_is_treated_as_a_fork(logs):
    sub_sid = "019e7700-0000-7000-8000-000000000002"
    logs.write(rollout(logs, sid=sub_sid), [
        codex_meta(session=sub_sid, ts="2025-06-01T10:00:00.000Z",
                   source={"subagent": {"thread_spawn": {"parent_thread_id": SID}}}),
        codex_tokens((500, 0, 50, 0), ts="2025-06-01T10:00:00.500Z"),
        codex_turn(ts="2025-06-01T10:00:03.000Z"),
        codex_tokens((700, 0, 70, 0), ts="2025-06-01T10:00:30.000Z"),
    ])
    logs.run()
    [e] = logs.events()
    assert e["input_tokens"] == 200


def test_append_resumes_with_model_and_totals_from_the_cursor(logs):
    path = logs.write(rollout(logs), [codex_meta(), codex_turn("gpt-5-mini"), codex_tokens((100, 0, 10, 0))])
    logs.run()
    logs.write(path, [codex_tokens((100, 0, 10, 0), ts="2025-06-01T09:01:02.000Z"),  # re-emit after resume
                      codex_tokens((250, 50, 25, 5), ts="2025-06-01T09:05:00.000Z")], mode="a")
    report = logs.run()
    assert report.events_added == 1
    assert report.bytes_read < path.stat().st_size  # only the appended part was read
    last = logs.events()[-1]
    assert (last["model"], last["input_tokens"], last["cache_read_tokens"], last["output_tokens"]) \
        == ("gpt-5-mini", 100, 50, 15)
    assert last["session"] == SID and last["project"] == "api-server"


def test_total_going_back_uses_last_usage_and_stale_reemit_lands_on_its_row(logs):
    logs.write(rollout(logs), [
        codex_meta(), codex_turn(),
        codex_tokens((100, 0, 10, 0), (100, 0, 10, 0), ts="2025-06-01T09:01:00.000Z"),
        codex_tokens((300, 0, 30, 0), (200, 0, 20, 0), ts="2025-06-01T09:02:00.000Z"),
        codex_tokens((100, 0, 10, 0), (100, 0, 10, 0), ts="2025-06-01T09:02:01.000Z"),  # stale snapshot
        codex_tokens((500, 0, 50, 0), (200, 0, 20, 0), ts="2025-06-01T09:03:00.000Z"),
    ])
    logs.run()
    assert sum(e["input_tokens"] for e in logs.events()) == 500


def test_bad_token_counts_are_skipped(logs):
    bad = codex_tokens((100, 0, 10, 0))
    bad["payload"]["info"]["total_token_usage"]["input_tokens"] = None
    huge = codex_tokens((2**63 + 100, 0, 10, 0), ts="2025-06-01T09:04:00.000Z")  # past SQLite's integers
    logs.write(rollout(logs), [codex_meta(), codex_turn(), bad, {"timestamp": "x", "type": "mystery", "payload": {}},
                               codex_tokens((100, 0, 10, 0), ts="2025-06-01T09:05:00.000Z"), huge])
    report = logs.run()
    assert len(logs.events()) == 1 and not report.errors
    assert report.lines_skipped["bad_number"] == 2


def test_codex_home_list_and_plain_folder(logs, monkeypatch, tmp_path):
    plain = tmp_path / "exec-output"
    logs.write(plain / "run.jsonl", [codex_meta(session="s-plain"), codex_turn(), codex_tokens((10, 0, 1, 0))])
    other = tmp_path / "other-codex"
    logs.write(other / "sessions" / "x.jsonl", [codex_meta(session="s-other"), codex_turn(), codex_tokens((20, 0, 2, 0))])
    monkeypatch.setenv("CODEX_HOME", f"{plain},{other}")
    logs.run()
    assert sorted(e["session"] for e in logs.events()) == ["s-other", "s-plain"]


def test_priority_service_tier_is_kept_and_priced_with_it(logs):
    settings = {"timestamp": "2025-09-01T09:00:02.000Z", "type": "event_msg",
                "payload": {"type": "thread_settings_applied", "thread_settings": {"service_tier": "priority"}}}
    logs.write(rollout(logs), [
        codex_meta(ts="2025-09-01T09:00:00.000Z"), codex_turn("gpt-5", ts="2025-09-01T09:00:01.000Z"),
        codex_tokens((100000, 0, 1000, 0), ts="2025-09-01T09:01:00.000Z"),
        settings,
        codex_tokens((200000, 0, 2000, 0), ts="2025-09-01T09:02:00.000Z"),
    ])
    logs.run()
    standard, priority = logs.events()
    assert standard["service_tier"] is None and priority["service_tier"] == "priority"
    assert (standard["input_tokens"], standard["output_tokens"]) == (priority["input_tokens"], priority["output_tokens"])
    from tracker.core.tokens import Tokens

    expected = logs.pricer.price(Tokens(input_tokens=100000, output_tokens=1000), "gpt-5", "openai",
                                 priority["ts_ms"], "priority")
    assert priority["cost_pico"] == expected.cost_pico and priority["price_id"] == expected.price_id


def test_fork_replay_straddling_a_second_boundary(logs):
    child_sid = "019e7700-0000-7000-8000-000000000003"
    logs.write(rollout(logs, sid=child_sid), [
        codex_meta(session=child_sid, ts="2025-06-01T10:00:00.950Z", forked_from_id=SID),
        codex_turn(ts="2025-06-01T10:00:00.990Z"),
        codex_tokens((100, 0, 10, 0), ts="2025-06-01T10:00:00.999Z"),
        codex_tokens((300, 0, 30, 0), ts="2025-06-01T10:00:01.020Z"),  # still the burst, next second
        codex_turn(ts="2025-06-01T10:00:09.000Z"),
        codex_tokens((350, 0, 40, 0), ts="2025-06-01T10:00:20.000Z"),
    ])
    report = logs.run()
    [e] = logs.events()
    assert (e["input_tokens"], e["output_tokens"]) == (50, 10)
    assert report.lines_skipped["fork_replay"] == 2


def test_a_rollout_rewritten_with_spaces_counts_the_same(logs):
    """Codex writes compact JSON; the same rollout re-saved by json.dumps gives the same events."""
    import json

    lines = [codex_meta(), codex_turn("gpt-5"), codex_call(),
             codex_tokens((1000, 250, 125, 75), (1000, 250, 125, 75), ts="2025-06-01T09:01:00.000Z"),
             codex_tokens((3500, 750, 425, 275), (2500, 500, 300, 200), ts="2025-06-01T09:04:00.000Z")]
    logs.write(rollout(logs), lines)
    logs.run()
    compact = [(e["ts_ms"], e["model"], e["input_tokens"], e["cache_read_tokens"], e["output_tokens"], e["tool_use"])
               for e in logs.events()]
    logs.store.conn.execute("DELETE FROM events")
    logs.store.conn.execute("DELETE FROM cursors")
    logs.write(rollout(logs), [json.dumps(line) for line in lines])
    logs.run()
    spaced = [(e["ts_ms"], e["model"], e["input_tokens"], e["cache_read_tokens"], e["output_tokens"], e["tool_use"])
              for e in logs.events()]
    assert len(compact) == 2 and spaced == compact


def test_a_thread_resumed_in_a_new_rollout_counts_only_its_new_calls(logs):
    """Resuming a thread writes a new rollout whose running total carries the thread's whole history
    forward: its first call is its last_token_usage, not the total (which counted everything again)."""
    logs.write(rollout(logs), [codex_meta(), codex_turn("gpt-5"),
                               codex_tokens((3000, 500, 300, 50), (3000, 500, 300, 50))])
    resumed = logs.codex_home / "sessions" / "2025" / "06" / "02" / f"rollout-2025-06-02T09-00-00-{SID}.jsonl"
    logs.write(resumed, [
        codex_meta(ts="2025-06-02T09:00:00.000Z"), codex_turn("gpt-5", ts="2025-06-02T09:00:01.000Z"),
        codex_tokens((4000, 500, 400, 50), (1000, 0, 100, 0), ts="2025-06-02T09:01:00.000Z"),
        codex_tokens((4600, 700, 450, 60), (600, 200, 50, 10), ts="2025-06-02T09:02:00.000Z"),
    ])
    logs.run()
    calls = [(e["input_tokens"] + e["cache_read_tokens"], e["cache_read_tokens"], e["output_tokens"])
             for e in logs.events()]
    assert calls == [(3000, 500, 300), (1000, 0, 100), (600, 200, 50)]  # 4,600 input in all, as the total says


def test_fork_replays_stamped_before_the_fork_or_in_a_long_burst_are_not_counted(logs):
    parent = [codex_meta(), codex_turn(), codex_tokens((100, 0, 10, 0), ts="2025-06-01T09:01:00.000Z"),
              codex_tokens((300, 0, 30, 0), ts="2025-06-01T09:03:00.000Z")]
    logs.write(rollout(logs), parent)

    def fork(sid: str, at: str, replayed_at: tuple[str, str], own_total: int) -> None:
        logs.write(rollout(logs, sid=sid), [
            codex_meta(session=sid, ts=f"2025-06-01T{at}.000Z", forked_from_id=SID),
            codex_tokens((100, 0, 10, 0), ts=f"2025-06-01T{replayed_at[0]}Z"),
            codex_turn(ts=f"2025-06-01T{replayed_at[0]}Z"),
            codex_tokens((300, 0, 30, 0), ts=f"2025-06-01T{replayed_at[1]}Z"),
            codex_turn(ts=f"2025-06-01T{at[:5]}:09.000Z"),
            codex_tokens((own_total, 0, 40, 0), ts=f"2025-06-01T{at[:3]}01:00.000Z"),
        ])

    kept_times = "019e7700-0000-7000-8000-000000000003"
    fork(kept_times, "11:00:00", ("09:01:00.000", "09:03:00.000"), 450)  # the parent's own times: before the fork
    slow_burst = "019e7700-0000-7000-8000-000000000004"
    fork(slow_burst, "12:00:00", ("12:00:00.900", "12:00:01.050"), 520)  # a burst past the 1 s window
    report = logs.run()
    own = {e["session"]: e["input_tokens"] for e in logs.events() if e["session"] != SID}
    assert own == {kept_times: 150, slow_burst: 220}  # each fork's own call, over the inherited total
    assert report.lines_skipped["fork_replay"] == 4
    assert sum(e["input_tokens"] for e in logs.events() if e["session"] == SID) == 300


def test_a_subagents_own_quick_calls_after_its_replay_are_counted(logs):
    """The replay chain follows calls milliseconds apart; the child's own calls, a round trip apart, count."""
    sub = "019e7700-0000-7000-8000-000000000005"
    logs.write(rollout(logs, sid=sub), [
        codex_meta(session=sub, ts="2025-06-01T10:00:00.000Z", forked_from_id=SID),
        codex_tokens((500, 0, 50, 0), ts="2025-06-01T10:00:00.300Z"),  # replayed
        codex_tokens((700, 0, 70, 0), ts="2025-06-01T10:00:00.900Z"),  # its own, 0.6 s later
        codex_tokens((800, 0, 75, 0), ts="2025-06-01T10:00:01.300Z"),  # and again
    ])
    logs.run()
    assert [e["input_tokens"] for e in logs.events()] == [200, 100]


def test_a_forks_own_calls_stay_with_the_fork_after_its_parents_session_meta_is_replayed(logs):
    # Codex writes a fork's rollout as its own session_meta, then the parent's items as they were,
    # the parent's session_meta first among them (codex-rs: InitialHistory::Forked is persisted as is)
    child_sid = "019e7700-0000-7000-8000-000000000003"
    logs.write(rollout(logs, sid=child_sid), [
        codex_meta(session=child_sid, ts="2025-06-01T10:00:00.000Z", forked_from_id=SID),
        codex_meta(ts="2025-06-01T10:00:00.100Z"),  # the parent's, replayed
        codex_turn(ts="2025-06-01T10:00:00.200Z"),
        codex_tokens((300, 0, 30, 0), ts="2025-06-01T10:00:00.300Z"),
        codex_turn(ts="2025-06-01T10:00:05.000Z"),
        codex_tokens((800, 100, 50, 0), ts="2025-06-01T10:01:00.000Z"),
    ])
    report = logs.run()
    [own] = logs.events()
    assert own["session"] == child_sid
    assert (own["input_tokens"], own["cache_read_tokens"], own["output_tokens"]) == (400, 100, 20)
    assert report.lines_skipped["fork_replay"] == 1


def test_the_same_event_copied_into_two_files_without_session_meta_counts_once(logs):
    lines = [codex_turn(), codex_tokens((100, 0, 10, 0)), codex_tokens((300, 0, 30, 0), ts="2025-06-01T09:03:00.000Z")]
    saved = logs.home / "saved-runs"
    logs.write(saved / "run-1.jsonl", lines)
    logs.write(saved / "copy-of-run-1.jsonl", lines)
    logs.run(roots={"codex": [saved]})
    events = logs.events()
    assert len(events) == 2 and sum(e["input_tokens"] for e in events) == 300
