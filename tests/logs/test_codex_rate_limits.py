"""Codex plan windows (`rate_limits` of token_count events) read by the log import (providers.md 5.2)."""

from __future__ import annotations

import json

from click.testing import CliRunner

from tests.logs.conftest import codex_meta, codex_tokens, codex_turn
from tracker.cli import main
from tracker.storage import limits as lstore

SID = "019e763f-ff0c-7683-a4e9-a17e2bf964fb"
CHILD = "019e7640-aaaa-7683-a4e9-a17e2bf964fb"


def rollout(logs, sid=SID, day="01"):
    return logs.codex_home / "sessions" / "2025" / "06" / day / f"rollout-2025-06-{day}T09-00-00-{sid}.jsonl"


def limits_line(ts, primary, secondary=None, limit_id="codex", info=None, **extra) -> dict:
    rate_limits = {"limit_id": limit_id, "limit_name": "Codex", "primary": primary, "secondary": secondary, **extra}
    if limit_id is None:
        del rate_limits["limit_id"], rate_limits["limit_name"]
    line = codex_tokens((1000, 0, 100, 0)) if info else {"timestamp": ts, "type": "event_msg",
                                                         "payload": {"type": "token_count", "info": None}}
    line["timestamp"] = ts
    line["payload"]["rate_limits"] = rate_limits
    return line


def window(pct, minutes=300, resets_at=None, resets_in=None):
    w = {"used_percent": pct, "window_minutes": minutes}
    if resets_at is not None:
        w["resets_at"] = resets_at
    if resets_in is not None:
        w["resets_in_seconds"] = resets_in
    return w


def readings(store):
    return lstore.readings_between(store, 0, 2**62)


RESETS_5H = 1748772000  # 2025-06-01T10:00:00Z
RESETS_WEEK = 1749200000


def test_latest_window_values_and_resets_are_exact(logs):
    logs.write(rollout(logs), [
        codex_meta(),
        limits_line("2025-06-01T09:00:00.100Z", window(10, resets_at=RESETS_5H),
                    window(30.5, 10080, resets_at=RESETS_WEEK)),
        codex_turn("gpt-5"),
        limits_line("2025-06-01T09:01:00.000Z", window(28, resets_at=RESETS_5H),
                    window(52, 10080, resets_at=RESETS_WEEK), info=True),
    ])
    report = logs.run()
    assert report.limit_readings == 4
    latest = {r.limit_id: r for r in lstore.latest_readings(logs.store)}
    primary, secondary = latest["codex.primary"], latest["codex.secondary"]
    assert (primary.used_pct, primary.window_minutes, primary.resets_at_ms) == (28.0, 300, RESETS_5H * 1000)
    assert (secondary.used_pct, secondary.window_minutes, secondary.resets_at_ms) == (52.0, 10080,
                                                                                     RESETS_WEEK * 1000)
    assert primary.observed_ms == 1748768460000 and primary.name == "Codex" and primary.source == "codex"
    assert len(logs.events()) == 1  # the usage of the line still counts


def test_older_builds_resets_in_seconds_and_no_limit_id(logs):
    logs.write(rollout(logs), [
        codex_meta(),
        limits_line("2025-06-01T09:00:00.000Z", window(5.5, resets_in=3600), window(1, 10080, resets_in=86400),
                    limit_id=None),
    ])
    logs.run()
    latest = {r.limit_id: r for r in lstore.latest_readings(logs.store)}
    observed = 1748768400000
    assert latest["codex.primary"].resets_at_ms == observed + 3_600_000
    assert latest["codex.secondary"].resets_at_ms == observed + 86_400_000
    assert latest["codex.primary"].used_pct == 5.5


def test_reading_the_same_file_again_writes_the_same_rows(logs):
    path = logs.write(rollout(logs), [
        codex_meta(),
        limits_line("2025-06-01T09:00:00.000Z", window(10, resets_at=RESETS_5H)),
        limits_line("2025-06-01T09:30:00.000Z", window(20, resets_at=RESETS_5H)),
    ])
    logs.run()
    first = readings(logs.store)
    # rewritten in place (same content plus one line): read again from the start
    logs.write(path, [limits_line("2025-06-01T09:45:00.000Z", window(25, resets_at=RESETS_5H))], mode="a")
    text = path.read_bytes()
    path.write_bytes(b"")
    path.write_bytes(text)
    logs.run()
    again = readings(logs.store)
    assert [(r.limit_id, r.observed_ms, r.used_pct) for r in again] == \
        [(r.limit_id, r.observed_ms, r.used_pct) for r in first] + [("codex.primary", 1748771100000, 25.0)]
    logs.run()  # nothing new: nothing written
    assert len(readings(logs.store)) == len(again)


def test_an_append_resumes_and_repeats_within_ten_minutes_are_not_kept(logs):
    path = logs.write(rollout(logs), [
        codex_meta(),
        limits_line("2025-06-01T09:00:00.000Z", window(10, resets_at=RESETS_5H)),
        limits_line("2025-06-01T09:01:00.000Z", window(10, resets_at=RESETS_5H)),  # the same again: not kept
    ])
    logs.run()
    logs.write(path, [
        limits_line("2025-06-01T09:02:00.000Z", window(10, resets_at=RESETS_5H)),  # still the same (cursor state)
        limits_line("2025-06-01T09:15:00.000Z", window(10, resets_at=RESETS_5H)),  # 15 min later: kept
        limits_line("2025-06-01T09:16:00.000Z", window(11, resets_at=RESETS_5H)),  # changed: kept
    ], mode="a")
    logs.run()
    assert [r.observed_ms for r in readings(logs.store)] == [1748768400000, 1748769300000, 1748769360000]


def test_a_forks_replayed_windows_are_left_out(logs):
    logs.write(rollout(logs, sid=CHILD, day="02"), [
        codex_meta(session=CHILD, ts="2025-06-02T09:00:00.000Z", forked_from_id=SID),
        # the parent's history replayed in the fork's creation burst, with its old figures
        limits_line("2025-06-02T09:00:00.200Z", window(90, resets_at=RESETS_5H)),
        codex_turn("gpt-5", ts="2025-06-02T09:00:05.000Z"),
        limits_line("2025-06-02T09:01:00.000Z", window(3, resets_at=RESETS_5H + 86400)),
    ])
    logs.run()
    assert [(r.used_pct, r.observed_ms) for r in readings(logs.store)] == [(3.0, 1748854860000)]


def test_bad_windows_are_counted_and_the_rest_is_kept(logs):
    logs.write(rollout(logs), [
        codex_meta(),
        limits_line("2025-06-01T09:00:00.000Z", window("lots", resets_at=RESETS_5H), window(20, 10080)),
        limits_line("2025-06-01T09:00:01.000Z", window(-4, resets_at=RESETS_5H)),
        limits_line("2025-06-01T09:00:02.000Z", window(5, resets_at="tomorrow")),
        limits_line("2025-06-01T09:00:03.000Z", "not a window"),
        {"timestamp": "2025-06-01T09:00:04.000Z", "type": "event_msg",
         "payload": {"type": "token_count", "info": None, "rate_limits": ["a", "list"]}},
        limits_line("2025-06-01T09:00:05.000Z", window(True, resets_at=RESETS_5H)),
        limits_line("2025-06-01T09:00:06.000Z", {"used_percent": 7}, extra_key={"unknown": 1}),
    ])
    report = logs.run()
    assert report.lines_skipped["bad_rate_limits"] == 6
    kept = [(r.limit_id, r.used_pct, r.resets_at_ms, r.window_minutes) for r in readings(logs.store)]
    assert kept == [("codex.secondary", 20.0, None, 10080), ("codex.primary", 7.0, None, None)]


def test_tracker_limits_json_shows_the_latest_window(logs, monkeypatch):
    logs.write(rollout(logs), [
        codex_meta(),
        limits_line("2025-06-01T09:00:00.000Z", window(10, resets_at=RESETS_5H), window(40, 10080,
                                                                                            resets_at=RESETS_WEEK)),
        limits_line("2025-06-01T09:20:00.000Z", window(35.5, resets_at=RESETS_5H), window(42, 10080,
                                                                                              resets_at=RESETS_WEEK)),
    ])
    monkeypatch.setenv("TZ", "UTC")
    result = CliRunner().invoke(main, ["limits", "--json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    windows = {w["limit_id"]: w for w in doc["windows"]}
    assert set(windows) == {"codex.primary", "codex.secondary"}
    primary = windows["codex.primary"]
    assert primary["used_percent"] == 35.5 and primary["window_minutes"] == 300 and primary["source"] == "codex"
    assert primary["resets_at"] == "2025-06-01T10:00:00+00:00"
    assert primary["observed_at"] == "2025-06-01T09:20:00+00:00"
    assert windows["codex.secondary"]["used_percent"] == 42.0
    assert primary["current"] is False  # 2025's window reset long ago: shown as such, not as today's figure
    assert "pace" in primary and primary["pace"]["text"].startswith("reset at")
