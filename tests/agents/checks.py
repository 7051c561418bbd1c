"""Checks the agent-source tests share: damaged input given to a reader, events summed per UTC day."""

from __future__ import annotations

import json
from datetime import datetime, timezone

from hypothesis import strategies as st

from tests.reliability.test_bad_input import compact, mutate, run_parser


def utc_day(ts_ms: int) -> str:
    return datetime.fromtimestamp(ts_ms / 1000, timezone.utc).strftime("%Y-%m-%d")


def damaged_records_parse_safely(parse, records: list, data, name: str, dumps=compact) -> None:
    """Some of `records` mutated (fields dropped, retyped), stray bytes after them: counted, never raised."""
    chosen = [mutate(r, data) if data.draw(st.booleans()) else r for r in records]
    raw = b"".join(dumps(r).encode() + b"\n" for r in chosen) + data.draw(st.binary(max_size=40))
    result = run_parser(parse, raw, name)
    assert len(result.events) <= len(chosen)


def spaced(record) -> str:
    """JSON as Python's json.dumps writes it by default (Kimi CLI's logs)."""
    return json.dumps(record)
