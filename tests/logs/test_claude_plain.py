"""Claude Code transcripts read the plain way (the standard library's json, for a process's first bytes: an
append of a few requests) give the rows the typed way (msgspec, then orjson's robust path) gives, byte for
byte the same lines: well-formed, odd and broken ones, including every kind the typed decoder rejects."""

from __future__ import annotations

import json
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.logs.test_claude import REAL_LINES
from tracker.sources import claude_code
from tracker.sources import logfiles as lf

LINE = REAL_LINES[1]
USAGE = '"usage":{"input_tokens":3,"cache_creation_input_tokens":3117,"cache_read_input_tokens":14723,' \
        '"cache_creation":{"ephemeral_5m_input_tokens":3117,"ephemeral_1h_input_tokens":0},"output_tokens":214,' \
        '"service_tier":"standard","inference_geo":"not_available"}'
assert USAGE in LINE


def _with(old: str, new: str) -> bytes:
    assert old in LINE
    return LINE.replace(old, new, 1).encode()


ODD_LINES = [
    *(line.encode() for line in REAL_LINES),
    LINE.replace('"msg_01', '"msg_02').replace('"output_tokens":214', '"output_tokens":9').encode(),  # a 2nd key
    # fields of another type than the typed decoder's (it rejects the line: the robust path decides)
    _with('"output_tokens":214', '"output_tokens":214.0'),
    _with('"output_tokens":214', '"output_tokens":2.5'),
    _with('"output_tokens":214', '"output_tokens":-1'),
    _with('"output_tokens":214', '"output_tokens":null'),
    _with('"output_tokens":214', '"output_tokens":"214"'),
    _with('"output_tokens":214', '"output_tokens":true'),
    _with('"output_tokens":214', '"output_tokens":2e2'),
    _with('"output_tokens":214', '"output_tokens":123456789012345678901234567890'),  # msgspec: an int; orjson: a float
    _with('"output_tokens":214', '"output_tokens":18446744073709551615'),
    _with('"output_tokens":214', '"output_tokens":1e400'),
    _with('"ephemeral_1h_input_tokens":0', '"ephemeral_1h_input_tokens":5000'),
    _with('"ephemeral_1h_input_tokens":0', '"ephemeral_1h_input_tokens":1.0'),
    _with('"cache_creation":{', '"server_tool_use":{"web_search_requests":3},"cache_creation":{'),
    _with('"cache_creation":{', '"server_tool_use":{"web_search_requests":3.0},"cache_creation":{'),
    _with('"cache_creation":{', '"server_tool_use":null,"cache_creation":{'),
    _with('"cache_creation":{', '"server_tool_use":[],"cache_creation":{'),
    _with('"cache_creation":{"ephemeral_5m_input_tokens":3117,"ephemeral_1h_input_tokens":0}', '"cache_creation":7'),
    _with('"isSidechain":false', '"isSidechain":"yes"'),
    _with('"isSidechain":false', '"isSidechain":true'),
    _with('"cwd":"/home/user/proj"', '"cwd":5'),
    _with('"type":"assistant","uuid"', '"type":7,"uuid"'),
    _with('"model":"claude-sonnet-4-6"', '"model":null'),
    _with('"model":"claude-sonnet-4-6"', '"model":"<synthetic>"'),
    _with('"timestamp":"2026-04-09T01:03:38.112Z"', '"timestamp":1775696618112'),
    _with('"content":[{"type":"tool_use"', '"content":[5,{"type":"tool_use"'),
    _with('"content":[{"type":"tool_use"', '"content":[{"type":1},{"type":"tool_use"'),
    _with('"service_tier":"standard"', '"service_tier":1'),
    _with('"speed"' if '"speed"' in LINE else '"inference_geo"', '"speed":"fast","inference_geo"'),
    _with('"id":"msg_01Rws28Xg2tBY3A5fNdrk6Mf"', '"id":null'),
    _with('"id":"msg_01Rws28Xg2tBY3A5fNdrk6Mf"', '"id":null').replace(b'"requestId":"req_', b'"requestId":3,"x":"'),
    _with(USAGE, '"usage":null'),
    _with(USAGE, '"usage":[1]'),
    b'{"type":"user","message":{"content":"a \\"usage\\":{ in text"},"toolUseResult":{"usage":{"input_tokens":1}}}',
    b'{"type":"odd","message":"text","usage":{}}',
    # JSON that one parser reads and another does not, or reads otherwise
    _with('"version":"2.1.97"', '"version":"~~"').replace(b"~~", b"\xff"),  # not UTF-8 (msgspec skips it)
    _with('"version":"2.1.97"', '"version":"\\ud800"'),
    _with('"version":"2.1.97"', '"version":"\\uD83D\\uDE00"'),
    _with('"version":"2.1.97"', '"version":"\\u00e9\\n\\/"'),
    _with('"version":"2.1.97"', '"version":NaN'),
    _with('"version":"2.1.97"', '"version":-Infinity'),
    _with('"version":"2.1.97"', '"version":1e400'),
    _with('"version":"2.1.97"', '"version":1.7976931348623159e308'),
    _with('"version":"2.1.97"', '"version":' + "1" * 400),
    _with('"version":"2.1.97"', '"version":-9223372036854775809'),
    _with('"version":"2.1.97"', '"version":' + "[" * 1100 + "]" * 1100),
    _with('"version":"2.1.97"', '"version":' + "[" * 900 + "]" * 900),
    _with('"version":"2.1.97"', '"version":"a\tb"'),
    _with('"version":"2.1.97"', '"version":01'),
    _with('"output_tokens":214', '"output_tokens":214,"output_tokens":215'),  # the last one counts
    b"\xef\xbb\xbf" + LINE.encode(),
    b" \t" + LINE.encode() + b" \r",
    LINE.encode() + b" x",
    b'[' + LINE.encode() + b']',
    LINE.encode()[:-40],
    LINE.replace('"usage":{', '"usage" : {').encode(),
    # what the typed way's own row (claude_code._row_fast) tells apart from the lines _row decides
    _with('"model":"claude-sonnet-4-6"', '"model":""'),
    _with('"id":"msg_01Rws28Xg2tBY3A5fNdrk6Mf"', '"id":""'),
    _with('"cwd":"/home/user/proj"', '"cwd":""'),
    _with('"cwd":"/home/user/proj"', '"cwd":null'),
    _with('"cwd":"/home/user/proj"', '"cwd":"/home/user/other/"'),
    _with('"cwd":"/home/user/proj"', '"cwd":"C:\\\\Users\\\\me\\\\proj"'),
    _with('"sessionId":"db8f7468-d506-4477-8fb2-21f17cded409"', '"sessionId":""'),
    _with('"gitBranch":"main"', '"gitBranch":""'),
    _with('"service_tier":"standard"', '"service_tier":""'),
    _with('"service_tier":"standard"', '"service_tier":null'),
    _with('"timestamp":"2026-04-09T01:03:38.112Z"', '"timestamp":"yesterday"'),
    _with('"timestamp":"2026-04-09T01:03:38.112Z"', '"timestamp":""'),
    _with('"timestamp":"2026-04-09T01:03:38.112Z"', '"timestamp":"2026-04-09T03:03:38.112+02:00"'),
    _with('"timestamp":"2026-04-09T01:03:38.112Z"', '"timestamp":"2026-04-09 01:03:38"'),
    _with('"timestamp":"2026-04-09T01:03:38.112Z"', '"timestamp":"2026-04-09T01:03:38.1129999Z"'),
    _with('"cache_creation":{"ephemeral_5m_input_tokens":3117,"ephemeral_1h_input_tokens":0},', ''),
    _with('"cache_creation":{', '"server_tool_use":{"web_search_requests":0},"cache_creation":{'),
    _with('"cache_creation":{', '"server_tool_use":{},"cache_creation":{'),
    _with('"cache_creation":{', '"server_tool_use":{"web_search_requests":10000000000},"cache_creation":{'),
    _with('"isSidechain":false', '"isSidechain":null'),
    _with('"content":[{"type":"tool_use"', '"content":"text","x":[{"type":"tool_use"'),
]


def _rows(lines: list[bytes], tmp_path, plain: bool, monkeypatch) -> tuple[list, dict]:
    """claude_code.parse's rows and skipped counts for a file of `lines`, read the plain or the typed way."""
    if plain:  # the typed decoder is loaded in this process: the plain way is taken as in one where it is not
        monkeypatch.setattr(claude_code, "_TYPED", "tests.logs.no_such_module")
    monkeypatch.setattr(claude_code, "_plain_bytes_left", 1 << 40 if plain else 0)
    path = tmp_path / ("plain" if plain else "typed") / "session.jsonl"  # (the session when a line names none)
    path.parent.mkdir(exist_ok=True)
    path.write_bytes(b"".join(line + b"\n" for line in lines))
    result = lf.ReadResult()
    with open(path, "rb") as fh:
        claude_code.parse(fh, 0, path.stat().st_size, result)
    return result.rows, dict(result.skipped)


@pytest.fixture
def typed_loads(monkeypatch):
    """How many lines the plain way handed to the typed decoder."""
    calls = []
    load = claude_code.load_typed_decoder
    monkeypatch.setattr(claude_code, "load_typed_decoder", lambda: calls.append(1) or load())
    return calls


def test_real_lines_read_the_plain_way_without_the_typed_decoder(tmp_path, monkeypatch, typed_loads):
    plain = _rows([line.encode() for line in REAL_LINES], tmp_path, True, monkeypatch)
    assert typed_loads == []  # not vacuous: json read them
    assert plain == _rows([line.encode() for line in REAL_LINES], tmp_path, False, monkeypatch)
    assert len(plain[0]) == 1 and plain[1] == {"duplicate": 1}


@pytest.mark.parametrize("line", ODD_LINES, ids=range(len(ODD_LINES)))
def test_each_odd_line_gives_the_typed_ways_row(line, tmp_path, monkeypatch):
    assert _rows([line], tmp_path, True, monkeypatch) == _rows([line], tmp_path, False, monkeypatch)


def test_odd_lines_together_give_the_typed_ways_rows_and_counts(tmp_path, monkeypatch, typed_loads):
    plain = _rows(ODD_LINES, tmp_path, True, monkeypatch)
    assert plain == _rows(ODD_LINES, tmp_path, False, monkeypatch)
    # not vacuous: rows and several reasons, and lines the typed decoder alone could vouch for
    assert len(plain[0]) >= 3 and {"bad_number", "invalid_json", "no_usage", "duplicate"} <= set(plain[1])
    assert typed_loads


@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_mutated_bytes_give_the_typed_ways_rows(tmp_path_factory, data):
    """Bytes replaced, dropped or inserted anywhere in a real line: the same rows and counts both ways."""
    line = bytearray(data.draw(st.sampled_from(ODD_LINES[:2] + [_with("214", "2140")])))
    pieces = st.sampled_from([b"", b"0", b"-", b".5", b"e9", b"\\", b'"', b"\\ud800", b"\\u00e9", b"\xff", b"\xc3",
                              b"null", b"[", b"]", b"{", b"}", b",", b":", b"1" * 25, b"true", b"\t", b"\x00"])
    for _ in range(data.draw(st.integers(1, 3))):
        at = data.draw(st.integers(0, len(line)))
        cut = data.draw(st.integers(0, 3))
        line[at:at + cut] = data.draw(pieces)
    with pytest.MonkeyPatch.context() as monkeypatch:
        folder = tmp_path_factory.mktemp("m")
        assert _rows([bytes(line)], folder, True, monkeypatch) == _rows([bytes(line)], folder, False, monkeypatch)


def test_a_process_reads_its_first_bytes_the_plain_way_and_the_rest_typed(monkeypatch):
    monkeypatch.setattr(claude_code, "_TYPED", "tests.logs.no_such_module")
    monkeypatch.setattr(claude_code, "_plain_bytes_left", claude_code.PLAIN_READ_MAX_BYTES)
    assert claude_code._typed_decoder(claude_code.PLAIN_READ_MAX_BYTES - 10) is None
    assert claude_code._typed_decoder(20) is not None  # beyond the budget: typed
    assert claude_code._typed_decoder(10) is None  # what is left of it
    assert claude_code._typed_decoder(1) is not None
    monkeypatch.setattr(claude_code, "_TYPED", "tracker.sources.claude_lines")  # loaded (a forked worker's case)
    monkeypatch.setattr(claude_code, "_plain_bytes_left", claude_code.PLAIN_READ_MAX_BYTES)
    assert claude_code._typed_decoder(1) is not None


def test_json_here_is_the_standard_library_s():
    """(The plain way imports neither msgspec nor orjson: tests/perf/test_lazy_import.py checks it.)"""
    assert claude_code._plain_decoder().decode('{"a": [1, 2.5]}') == json.loads('{"a": [1, 2.5]}')
    with pytest.raises(ValueError):
        claude_code._plain_decoder().decode('{"a": NaN}')


def test_a_line_nested_deeper_than_msgspec_reads_is_counted_not_a_failed_file(tmp_path, monkeypatch):
    """msgspec raises a RecursionError (no DecodeError) past its depth: the whole file failed to read."""
    deep = _with('"version":"2.1.97"', '"version":' + "[" * 1100 + "]" * 1100)
    assert _rows([deep, REAL_LINES[0].encode()], tmp_path, False, monkeypatch)[1] == {"invalid_json": 1}


def test_the_typed_ways_row_is_the_robust_paths_for_every_line_it_decodes():
    """claude_code._row_fast builds a response's row itself, without _row: for every odd line the typed decoder
    reads, the same row and the same counts as row_from of the line's object (the standard library's: its
    integers are exact, as msgspec's), one line at a time and all of them through one file's caches (`places`,
    the interned texts)."""
    from collections import Counter

    from tracker.sources.claude_lines import DecodeError, decode_line

    decoded = []
    for line in ODD_LINES:
        try:
            decoded.append((line, decode_line(line), json.loads(line)))
        except (DecodeError, RecursionError, ValueError):  # (json: not UTF-8, which msgspec skips in a field)
            pass
    assert len(decoded) >= 25  # not vacuous: most odd lines are the decoder's
    shared, shared_robust = (Counter(), {}.setdefault, {}), Counter()
    fast_rows = 0
    for line, rec, obj in decoded:
        skipped, robust_skipped = Counter(), Counter()
        row = claude_code._row_fast(rec, line, skipped, "fallback", {}.setdefault, {})
        assert row == claude_code.row_from(obj, line, robust_skipped, "fallback"), line
        assert skipped == robust_skipped, line
        assert claude_code._row_fast(rec, line, shared[0], "fallback", shared[1], shared[2]) == row
        claude_code.row_from(obj, line, shared_robust, "fallback")
        fast_rows += row is not None
    assert shared[0] == shared_robust and fast_rows >= 20
