"""Small helpers of the log readers."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tracker.sources import discovery
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


def _naive(data: bytes, start: int, patterns, max_line: int):
    """Reference: complete lines after start, filtered, with huge lines dropped; and the end offset."""
    end = data.rfind(b"\n") + 1 if data.rfind(b"\n") >= start else start
    lines, huge = [], 0
    for line in data[start:end].split(b"\n")[:-1] if end > start else []:
        if len(line) > max_line:
            huge += 1
            continue
        if patterns is None:
            if line.strip():
                lines.append(line)
        elif any(p in line for p in patterns):
            lines.append(line)
    if len(data) - max(end, start) > max_line:
        huge += 1  # a half line already longer than the limit is skipped, not waited for
    return lines, end, huge


def _via_iter_lines(tmp_path, data, start, patterns, chunk, max_line):
    path = tmp_path / "f.jsonl"
    path.write_bytes(data)
    result = lf.ReadResult()
    with open(path, "rb") as fh:
        lines = list(lf.iter_lines(fh, start, len(data), patterns, result, chunk_bytes=chunk, max_line_bytes=max_line))
    return lines, result.offset, result.skipped.get(lf.HUGE_LINE, 0)


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_line = st.one_of(
    st.binary(max_size=40).map(lambda b: b.replace(b"\n", b"")),
    st.integers(0, 120).map(lambda n: b'{"usage":{' + b"x" * n + b"}}"),
    st.integers(0, 3).map(lambda n: b"\xff" * n),
)


@settings(max_examples=300, deadline=None)
@given(lines=st.lists(_line, max_size=30), tail=_line, trailing_newline=st.booleans(),
       chunk=st.integers(1, 64), max_line=st.integers(8, 100), with_patterns=st.booleans(), start_at=st.integers(0, 5))
def test_iter_lines_matches_a_naive_split(tmp_path_factory, lines, tail, trailing_newline, chunk, max_line,
                                          with_patterns, start_at):
    data = b"".join(line + b"\n" for line in lines) + tail + (b"\n" if trailing_newline else b"")
    # start on a line boundary, as a cursor always does
    boundaries = [0] + [i + 1 for i, byte in enumerate(data) if byte == 10]
    start = boundaries[min(start_at, len(boundaries) - 1)]
    patterns = (b'"usage":{',) if with_patterns else None
    got = _via_iter_lines(tmp_path_factory.mktemp("it"), data, start, patterns, chunk, max_line)
    assert got == _naive(data, start, patterns, max_line)


def _tree(root):
    """Logs in nested folders, a symlinked folder (not entered), a symlinked file (read), other files."""
    for rel in ("b/2.jsonl", "b/1.jsonl", "a/z/9.jsonl", "a/3.jsonl", "top.jsonl", "a/notes.txt", "c/x.json"):
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(rel * 3)
    (root / "loop").symlink_to(root / "a", target_is_directory=True)
    (root / "b" / "link.jsonl").symlink_to(root / "top.jsonl")
    return root


@pytest.mark.parametrize("by_folder_descriptor", [True, False])
def test_walk_files_matches_os_walk_and_stats_each_file(tmp_path, monkeypatch, by_folder_descriptor):
    import os

    monkeypatch.setattr(discovery, "_STAT_IN_FOLDER", by_folder_descriptor and discovery._STAT_IN_FOLDER)
    root = _tree(tmp_path / "logs")
    expected = []
    for folder, subfolders, names in os.walk(root):
        subfolders.sort()
        expected += [os.path.join(folder, n) for n in sorted(names) if n.endswith((".jsonl", ".json"))]
    found = list(lf.walk_files(root, (".jsonl", ".json")))
    assert [s.path for s in found] == expected
    assert not any("/loop/" in s.path for s in found)
    # the same stat as a stat of the whole path
    assert found == [lf.FileStat.from_stat(path, os.stat(path)) for path in expected]


def test_walk_files_of_a_missing_or_plain_file_root_is_empty(tmp_path):
    (tmp_path / "f.jsonl").write_text("{}")
    assert list(lf.walk_files(tmp_path / "nope", (".jsonl",))) == []
    assert list(lf.walk_files(tmp_path / "f.jsonl", (".jsonl",))) == []


def test_walk_files_skips_a_file_deleted_between_listing_and_stat(tmp_path, monkeypatch):
    import os

    root = _tree(tmp_path / "logs")
    real_stat = os.stat

    def vanished(path, *args, **kwargs):
        if str(path).endswith("1.jsonl"):
            raise FileNotFoundError(2, "No such file or directory")
        return real_stat(path, *args, **kwargs)

    monkeypatch.setattr(discovery.os, "stat", vanished)
    names = [os.path.basename(s.path) for s in lf.walk_files(root, (".jsonl",))]
    assert "1.jsonl" not in names and "2.jsonl" in names


@settings(max_examples=500, deadline=None)
@given(st.lists(st.text(alphabet="/.a~", max_size=7), max_size=4))
def test_join_is_the_text_of_the_path(parts):
    """The built-ins find their folders as text (discovery.join, without pathlib): the same text as the Path, so a
    file below them has the same path, which keys its cursor."""
    from pathlib import Path

    assert discovery.join(*parts) == str(Path(*parts))


def test_every_built_in_finds_its_roots_as_text_as_it_finds_them_as_paths(tmp_path, monkeypatch):
    """Each built-in's `roots` (the plug-in API: Paths) and its `root_texts` (what its `discover` walks) name the
    same folders in the same text, also where the environment spells them oddly."""
    import importlib
    import os
    from pathlib import Path

    from tracker.sources import registry

    home = tmp_path / "home"
    odd = f"{home}//./"  # doubled and trailing separators, a `.` part: a Path drops them
    for rel in (".claude/projects", ".config/claude/projects", ".codex/sessions", ".copilot/otel", ".factory/sessions",
                ".gemini/tmp", ".gemini/antigravity-cli/conversations", ".kimi/sessions", ".openclaw/agents",
                ".local/share/opencode/project", ".local/share/amp/threads", ".local/share/goose/sessions", ".pi/agent/sessions",
                ".qwen/projects", ".cline/data/tasks", ".config/Code/User/globalStorage/saoudrizwan.claude-dev/tasks",
                ".config/Cursor/User/globalStorage/rooveterinaryinc.roo-cline/tasks",
                ".vscode-server/data/User/globalStorage/kilocode.kilo-code/tasks"):
        (home / rel).mkdir(parents=True)
    (home / ".local/share/goose/sessions/sessions.db").write_bytes(b"")
    for name in [name for name in os.environ if name.endswith(("_DIR", "_HOME", "_PATH_ROOT", "_DB"))]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("HOME", odd)
    checked = 0
    for _, value in registry.BUILTIN:
        module = importlib.import_module(value.partition(":")[0])
        if not hasattr(module, "root_texts"):  # (Cursor: no folder)
            assert module.roots(None) == []
            continue
        for configured in (None, [Path(odd)], [home / ".codex", Path(f"{home}/.claude/")]):
            texts = module.root_texts(configured)
            assert module.roots(configured) == [Path(text) for text in texts]
            assert [str(Path(text)) for text in texts] == texts
            checked += bool(texts)
    assert checked >= 16


def test_one_reading_of_the_times_agents_databases_keep():
    """Goose, Hermes and ZCode read their times the one way (they had three copies): epoch seconds or
    milliseconds, as numbers or digits, or RFC 3339; nothing unusable becomes a time (an infinite REAL raised
    OverflowError in Goose's copy)."""
    from tracker.sources.logfiles import epoch_or_text_ms

    assert epoch_or_text_ms(1781341200) == epoch_or_text_ms(1781341200.0) == epoch_or_text_ms("1781341200") \
        == epoch_or_text_ms(1781341200000) == epoch_or_text_ms(" 1781341200000 ") == 1781341200000
    assert epoch_or_text_ms(1781341200.5) == 1781341200500
    assert epoch_or_text_ms("2026-06-13T09:00:00Z") == 1781341200000
    for bad in (0, -1.0, float("inf"), float("nan"), "yesterday", "", None, b"1781341200", True):
        assert epoch_or_text_ms(bad) is None, bad
