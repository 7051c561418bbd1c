"""Small helpers of the log readers."""

from __future__ import annotations

import pytest

from tracker.sources import logfiles as lf


@pytest.mark.parametrize("text, expected", [
    ("2025-06-01T10:00:00.123Z", 1748772000123),
    ("2025-06-01T10:00:00Z", 1748772000000),
    ("2025-06-01T10:00:00.1Z", 1748772000100),
    ("2025-06-01T10:00:00.123456789Z", 1748772000123),
    ("2025-06-01T12:00:00.000+02:00", 1748772000000),
    ("2025-06-01T10:00:00", 1748772000000),  # no zone: UTC, like the agents write
])
def test_timestamps_to_epoch_ms_exactly(text, expected):
    assert lf.parse_ts_ms(text) == expected


@pytest.mark.parametrize("bad", [None, 17, "", "yesterday", "2025-13-01T00:00:00Z", "2025-06-01T10:00:00.Zx"])
def test_unusable_timestamps(bad):
    assert lf.parse_ts_ms(bad) is None


@pytest.mark.parametrize("value, expected", [(0, 0), (5, 5), (5.0, 5), (None, None), (-1, None), (1.5, None),
                                             ("5", None), (True, None)])
def test_token_counts(value, expected):
    assert lf.count(value) == expected


@pytest.mark.parametrize("cwd, project", [("/home/u/code/my-app", "my-app"), ("/home/u/code/my-app/", "my-app"),
                                          ("C:\\\\Users\\\\u\\\\repo", "repo"), ("", None), (None, None), (3, None)])
def test_project_is_the_folder_name(cwd, project):
    assert lf.project_of(cwd) == project


def test_timestamps_where_fromisoformat_is_strict(monkeypatch):
    """Python 3.10's fromisoformat rejects "Z" and 1-digit fractions: the fallback parses them."""
    from datetime import datetime

    class Strict310(datetime):
        @classmethod
        def fromisoformat(cls, text):
            if text.endswith("Z") or ("." in text and len(text.split(".")[1].split("+")[0]) not in (3, 6)):
                raise ValueError(text)
            return datetime.fromisoformat(text)

    monkeypatch.setattr(lf, "datetime", Strict310)
    assert lf.parse_ts_ms("2025-06-01T10:00:00.123Z") == 1748772000123
    assert lf.parse_ts_ms("2025-06-01T10:00:00.1Z") == 1748772000100
    assert lf.parse_ts_ms("2025-06-01T10:00:00Z") == 1748772000000
