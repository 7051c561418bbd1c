"""Property-based bad input for the plan-window readers: nothing escapes, every reading taken is well-formed."""

from __future__ import annotations

import io
import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tracker.sources import claude_usage, codex
from tracker.sources import logfiles as lf

PROFILE = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
NOW_MS = 1_796_000_000_000

scalars = st.one_of(st.none(), st.booleans(), st.integers(-2**70, 2**70), st.floats(allow_nan=True),
                    st.text(max_size=12), st.sampled_from(["", "12.5", "2026-11-28T10:00:00Z", "1e309"]))
json_values = st.recursive(scalars, lambda c: st.one_of(st.lists(c, max_size=4),
                                                         st.dictionaries(st.text(max_size=10), c, max_size=5)),
                           max_leaves=12)
WINDOW = st.fixed_dictionaries({}, optional={"used_percent": json_values, "window_minutes": json_values,
                                            "resets_at": json_values, "resets_in_seconds": json_values})
RATE_LIMITS = st.one_of(json_values, st.fixed_dictionaries(
    {}, optional={"limit_id": json_values, "limit_name": json_values, "primary": st.one_of(WINDOW, json_values),
                  "secondary": st.one_of(WINDOW, json_values)}))
CLAUDE_WINDOW = st.fixed_dictionaries({}, optional={"utilization": json_values, "resets_at": json_values})
CLAUDE_BODY = st.one_of(json_values, st.dictionaries(
    st.sampled_from(["five_hour", "seven_day", "seven_day_opus", "extra_usage", "new_window"]),
    st.one_of(CLAUDE_WINDOW, json_values,
              st.fixed_dictionaries({}, optional={"is_enabled": json_values, "monthly_limit": json_values,
                                                  "used_credits": json_values, "utilization": json_values}))))


def well_formed(readings) -> None:
    for r in readings:
        assert isinstance(r.limit_id, str) and r.limit_id
        assert isinstance(r.used_pct, float) and 0 <= r.used_pct <= 1000
        assert r.window_minutes is None or (isinstance(r.window_minutes, int) and r.window_minutes > 0)
        assert r.resets_at_ms is None or isinstance(r.resets_at_ms, int)
        json.dumps(r.detail)


@PROFILE
@given(st.lists(RATE_LIMITS, min_size=1, max_size=4), st.booleans())
def test_codex_rate_limits(rate_limits, with_info):
    lines = [{"timestamp": "2026-11-20T10:00:00.000Z", "type": "session_meta", "payload": {"id": "s", "cwd": "/w"}}]
    for i, value in enumerate(rate_limits):
        lines.append({"timestamp": f"2026-11-20T10:0{i + 1}:00.000Z", "type": "event_msg",
                      "payload": {"type": "token_count", "info": None, "rate_limits": value}})
    raw = b"\n".join(json.dumps(x, separators=(",", ":")).encode() for x in lines) + b"\n"
    fh = io.BytesIO(raw)
    fh.name = "rollout-2026-11-20T10-00-00-0199a213-81c0-7800-8aa1-bbab2a035a53.jsonl"
    result = lf.ReadResult()
    codex.parse(fh, 0, len(raw), result)
    well_formed(result.readings)
    json.dumps(result.state)  # the cursor state stays JSON


@PROFILE
@given(CLAUDE_BODY)
def test_claude_usage_answers(body):
    readings, rejected = claude_usage.parse_usage(body, NOW_MS)
    well_formed(readings)
    assert all(isinstance(reason, str) for reason in rejected)
