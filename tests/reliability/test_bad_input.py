"""Property-based bad input for every parser: nothing escapes, bad items are counted and reported.

Profiles: 200 examples per property bounded, 5000 with RELIABILITY_FULL=1.
Inputs are mutations of valid records (most bugs hide near valid input) and
arbitrary JSON or bytes.
"""

from __future__ import annotations

import io
import json
import string
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tracker.net import ProviderError
from tracker.sources import claude_code, codex, gemini_cli
from tracker.sources import logfiles as lf
from tracker.sources.anthropic import AnthropicSource
from tracker.sources.base import BadRecord, DAY_S
from tracker.sources.deepseek import DeepSeekSource
from tracker.sources.openai import OpenAISource
from tracker.sources.openrouter import OpenRouterSource

from .conftest import PROFILE, record

def compact(obj) -> str:
    """As the agents write their logs (the readers prefilter on compact `"key":"value"` text)."""
    return json.dumps(obj, separators=(",", ":"))


TRIED: Counter = Counter()  # inputs given to each parser
REFUSED: Counter = Counter()  # bad items or whole inputs counted and reported by the parser

scalars = st.one_of(st.none(), st.booleans(), st.integers(-2**70, 2**70), st.floats(allow_nan=True),
                    st.text(max_size=12), st.sampled_from(["", "0", "-1", "1e309", "NaN", "12.5", "2026-11-28",
                                                           "2026-11-28T10:00:00Z", "claude-sonnet-4-5"]))
json_values = st.recursive(scalars, lambda c: st.one_of(st.lists(c, max_size=4),
                                                         st.dictionaries(st.text(max_size=8), c, max_size=5)),
                           max_leaves=12)


def mutate(doc, data):
    """Replace, drop or retype fields anywhere in a valid document, a few times."""
    doc = json.loads(compact(doc))
    for _ in range(data.draw(st.integers(1, 4))):
        paths = []

        def walk(node, path):
            if isinstance(node, dict):
                for k, v in node.items():
                    paths.append(path + [k])
                    walk(v, path + [k])
            elif isinstance(node, list):
                for i, v in enumerate(node):
                    paths.append(path + [i])
                    walk(v, path + [i])

        walk(doc, [])
        if not paths:
            return data.draw(json_values)
        path = data.draw(st.sampled_from(paths))
        parent = doc
        for step in path[:-1]:
            parent = parent[step]
        if isinstance(parent, dict) and data.draw(st.booleans()):
            parent.pop(path[-1], None)
        else:
            parent[path[-1]] = data.draw(json_values)
    return doc


# -- agent logs -------------------------------------------------------------
CLAUDE_LINE = {"type": "assistant", "timestamp": "2026-11-20T10:00:00.000Z", "sessionId": "s1", "cwd": "/w/p",
               "requestId": "req_1", "message": {"id": "msg_1", "model": "claude-sonnet-4-5", "usage": {
                   "input_tokens": 10, "output_tokens": 5, "cache_creation_input_tokens": 3,
                   "cache_read_input_tokens": 100, "cache_creation": {"ephemeral_5m_input_tokens": 3,
                                                                      "ephemeral_1h_input_tokens": 0}},
                   "content": [{"type": "tool_use"}]}}
CODEX_LINES = [
    {"timestamp": "2026-11-20T10:00:00.000Z", "type": "session_meta", "payload": {"id": "sess", "cwd": "/w/p"}},
    {"timestamp": "2026-11-20T10:00:01.000Z", "type": "turn_context", "payload": {"model": "gpt-5-codex"}},
    {"timestamp": "2026-11-20T10:00:02.000Z", "type": "event_msg", "payload": {"type": "token_count", "info": {
        "total_token_usage": {"input_tokens": 100, "cached_input_tokens": 40, "output_tokens": 20,
                              "reasoning_output_tokens": 5, "total_tokens": 120},
        "last_token_usage": {"input_tokens": 100, "cached_input_tokens": 40, "output_tokens": 20,
                             "reasoning_output_tokens": 5, "total_tokens": 120}}}},
]
GEMINI_DOC = {"sessionId": "g1", "messages": [{"id": "m1", "type": "gemini", "timestamp": "2026-11-20T10:00:00Z",
                                               "model": "gemini-2.5-pro",
                                               "tokens": {"input": 100, "output": 10, "cached": 20, "thoughts": 3,
                                                          "tool": 0, "total": 133}}]}


def run_parser(parse, raw: bytes, name: str = "x.jsonl") -> lf.ReadResult:
    fh = io.BytesIO(raw)
    fh.name = name
    result = lf.ReadResult()
    parse(fh, 0, len(raw), result)
    assert 0 <= result.offset <= len(raw)
    for ev in result.usage_events("any"):  # whatever was taken is well-formed
        assert ev.model is None or isinstance(ev.model, str)
        for v in (ev.tokens.input_tokens, ev.tokens.output_tokens, ev.tokens.cache_read_tokens):
            assert isinstance(v, int) and v >= 0
    return result


@PROFILE
@given(st.data())
def test_claude_lines(data):
    lines = [mutate(CLAUDE_LINE, data) if data.draw(st.booleans()) else CLAUDE_LINE for _ in range(3)]
    raw = b"\n".join(compact(x).encode() for x in lines) + data.draw(st.sampled_from([b"\n", b"", b"\n{\"ty"]))
    raw += data.draw(st.binary(max_size=40))
    result = run_parser(claude_code.parse, raw)
    TRIED["claude lines"] += 3
    assert len(result.usage_events("claude_code")) <= 3
    assert sum(result.skipped.values()) >= 0


@PROFILE
@given(st.data())
def test_codex_lines(data):
    lines = [mutate(x, data) if data.draw(st.booleans()) else x for x in CODEX_LINES * 2]
    raw = b"\n".join(compact(x).encode() for x in lines) + b"\n" + data.draw(st.binary(max_size=40))
    run_parser(codex.parse, raw, "rollout-2026-11-20T10-00-00-0199a213-81c0-7800-8aa1-bbab2a035a53.jsonl")
    TRIED["codex lines"] += len(lines)


@PROFILE
@given(st.data())
def test_gemini_files(data):
    doc = mutate(GEMINI_DOC, data)
    raw = compact(doc).encode()
    if data.draw(st.booleans()):
        raw = raw[: data.draw(st.integers(0, len(raw)))]  # a file cut short while being written
    run_parser(gemini_cli.parse, raw, "/h/.gemini/tmp/abc/chats/session-1.json")
    messages = doc.get("messages") if isinstance(doc, dict) else None
    lines = b"\n".join(compact(m).encode() for m in messages) if isinstance(messages, list) else raw
    run_parser(gemini_cli.parse, lines + b"\n", "/h/.gemini/tmp/abc/chats/session-1.jsonl")
    TRIED["gemini files"] += 2


@pytest.fixture(scope="module")
def import_into(tmp_path_factory):
    """One store and pricer for every example: the import's write path, not only its parsers."""
    from tracker.pricing import Pricer
    from tracker.storage import open_store

    store = open_store(tmp_path_factory.mktemp("imports") / "t.db")
    yield store, Pricer()
    store.close()


@PROFILE
@given(st.data())
def test_mutated_logs_import_end_to_end(import_into, tmp_path_factory, data):
    """Parsed, priced and written: whatever the lines hold, the import finishes with counts, never an error.

    (A token count of 2**63 once passed every parser and failed the write, so every later import too.)"""
    from tracker.services.log_import import import_logs

    store, pricer = import_into
    home = tmp_path_factory.mktemp("home")
    claude_lines = [mutate(CLAUDE_LINE, data) if data.draw(st.booleans()) else CLAUDE_LINE for _ in range(3)]
    codex_lines = [mutate(x, data) if data.draw(st.booleans()) else x for x in CODEX_LINES * 2]
    if data.draw(st.booleans()):  # counts near the limits of the integer types on the way to SQLite
        big = data.draw(st.sampled_from([2**31, 2**53 + 1, 10**9 + 1, 2**63 - 1, 2**63, 2**64 - 1]))
        usage = json.loads(compact(CLAUDE_LINE))
        usage["message"]["usage"][data.draw(st.sampled_from(sorted(usage["message"]["usage"])[1:]))] = big
        tokens = json.loads(compact(CODEX_LINES[2]))
        tokens["payload"]["info"]["last_token_usage"][data.draw(st.sampled_from(
            ["input_tokens", "cached_input_tokens", "output_tokens"]))] = big
        claude_lines.append(usage)
        codex_lines += [CODEX_LINES[0], CODEX_LINES[1], tokens]
    for path, lines in ((home / "claude" / "projects" / "-w-p" / "s.jsonl", claude_lines),
                        (home / "codex" / "sessions" / "2026" / "11" / "20" /
                         "rollout-2026-11-20T10-00-00-0199a213-81c0-7800-8aa1-bbab2a035a53.jsonl", codex_lines)):
        path.parent.mkdir(parents=True)
        path.write_bytes(b"".join(compact(x).encode() + b"\n" for x in lines))
    report = import_logs(store, pricer, roots={"claude_code": [home / "claude"], "codex": [home / "codex"]},
                         workers=1)
    assert report.files_read == 2 and not report.errors, report.errors
    TRIED["log files imported"] += 2
    REFUSED["imported lines not counted"] += sum(report.lines_skipped.values())


@PROFILE
@given(st.binary(max_size=300))
def test_arbitrary_bytes_in_every_log_reader(raw):
    for parse, name in ((claude_code.parse, "a.jsonl"), (codex.parse, "rollout-x.jsonl"),
                        (gemini_cli.parse, "/h/.gemini/tmp/a/chats/s.json")):
        run_parser(parse, raw, name)
    TRIED["log byte strings"] += 3


# -- provider API bodies -----------------------------------------------------
class _Canned:
    """Stands in for HttpClient.get_json: every request gets the drawn body."""

    def __init__(self, body):
        self.body = body
        self.requests_made = 0
        self.provider = "fake"

    def get_json(self, path, params=None):
        self.requests_made += 1
        return self.body

    def close(self):
        pass


def _source(cls, body):
    src = cls("lbl", "sk-test-0001", "http://127.0.0.1:9/")
    src.client = _Canned(body)
    return src


START_S = 1_790_000_000 // DAY_S * DAY_S
OPENAI_PAGE = {"object": "page", "has_more": False, "next_page": None, "data": [
    {"start_time": START_S, "end_time": START_S + DAY_S, "results": [
        {"object": "x", "model": "gpt-4o", "input_tokens": 100, "output_tokens": 5, "input_cached_tokens": 10,
         "num_model_requests": 2, "project_id": "p", "batch": False, "service_tier": "default",
         "amount": {"value": "1.25", "currency": "usd"}, "line_item": "gpt-4o, input", "images": 3}]}]}
ANTHROPIC_PAGE = {"has_more": False, "next_page": None, "data": [
    {"starting_at": "2026-09-21T00:00:00Z", "ending_at": "2026-09-22T00:00:00Z", "results": [
        {"uncached_input_tokens": 10, "cache_creation": {"ephemeral_5m_input_tokens": 1, "ephemeral_1h_input_tokens": 0},
         "cache_read_input_tokens": 4, "output_tokens": 3, "server_tool_use": {"web_search_requests": 0},
         "model": "claude-sonnet-4-5", "currency": "USD", "amount": "123.5", "description": "x"}]}],
}
CLAUDE_CODE_PAGE = {"has_more": False, "next_page": None, "data": [
    {"date": "2026-09-21T00:00:00Z", "actor": {"type": "user_actor", "email_address": "a@b"}, "terminal_type": "vs",
     "core_metrics": {"num_sessions": 1}, "model_breakdown": [
         {"model": "claude-sonnet-4-5", "tokens": {"input": 1, "output": 2, "cache_read": 3, "cache_creation": 4},
          "estimated_cost": {"currency": "USD", "amount": 12}}]}]}
OPENROUTER = {"data": {"label": "k", "usage": 1.5, "limit": None, "limit_remaining": None, "total_credits": 10,
                       "total_usage": 2.5, "is_management_key": True}}
OPENROUTER_ACTIVITY = {"data": [{"date": "2026-09-21", "model": "openai/gpt-4o", "usage": 0.25, "requests": 2,
                                 "prompt_tokens": 10, "completion_tokens": 5, "reasoning_tokens": 0,
                                 "provider_name": "OpenAI", "byok_usage_inference": 0}]}
DEEPSEEK = {"is_available": True, "balance_infos": [{"currency": "CNY", "total_balance": "110.00",
                                                     "granted_balance": "10.00", "topped_up_balance": "100.00"}]}

CALLS = [
    (OpenAISource, OPENAI_PAGE, lambda s: [s.fetch("usage", START_S, START_S + 3 * DAY_S, DAY_S),
                                           s.fetch("costs", START_S, START_S + 3 * DAY_S, DAY_S)]),
    (AnthropicSource, ANTHROPIC_PAGE, lambda s: [s.fetch(n.name, START_S, START_S + 3 * DAY_S, DAY_S)
                                                 for n in s.streams if n.name != "claude_code"]),
    (AnthropicSource, CLAUDE_CODE_PAGE, lambda s: [s.fetch("claude_code", START_S, START_S + DAY_S, DAY_S)]),
    (OpenRouterSource, OPENROUTER, lambda s: [s.snapshot(n.name, START_S * 1000) for n in s.streams if n.snapshot]),
    (OpenRouterSource, OPENROUTER_ACTIVITY, lambda s: [s.fetch(n.name, START_S, START_S + DAY_S, DAY_S)
                                                       for n in s.streams if not n.snapshot]),
    (DeepSeekSource, DEEPSEEK, lambda s: [s.snapshot(n.name, START_S * 1000) for n in s.streams]),
]


@PROFILE
@given(st.data(), st.sampled_from(range(len(CALLS))))
def test_provider_bodies(data, which):
    cls, valid, call = CALLS[which]
    body = data.draw(st.one_of(st.builds(lambda: None).flatmap(lambda _: st.just(mutate(valid, data))),
                               json_values))
    try:
        batches = call(_source(cls, body))
    except (BadRecord, ProviderError):
        TRIED["provider bodies"] += 1
        REFUSED["provider bodies refused whole"] += 1
        return  # the poll reports it as "sent a response the tracker cannot read"
    TRIED["provider bodies"] += 1
    for b in batches:
        REFUSED["provider items rejected"] += len(b.rejected)
        assert all(isinstance(r, str) for r in b.rejected)


# -- files the user imports --------------------------------------------------
VALUE_CSV = "tag,kind,amount,currency,unit,period,note\nacme,money,1200.50,USD,,2026-11,ok\nacme,kpi,3,,tickets,2026-W47,\n"


@PROFILE
@given(st.data())
def test_value_csv(store, data):
    from tracker.services.value import add_tag, import_csv

    if not store.conn.execute("SELECT count(*) FROM sqlite_master WHERE name='tags'").fetchone()[0]:
        pytest.skip("no tags table")
    try:
        add_tag(store, "acme", "client")
    except ValueError:
        pass
    text = VALUE_CSV
    for _ in range(data.draw(st.integers(0, 3))):
        cut = data.draw(st.integers(0, len(text)))
        text = text[:cut] + data.draw(st.text(alphabet=string.printable + "é€\x00", max_size=8)) + text[cut:]
    before = store.conn.execute("SELECT count(*) FROM value_entries").fetchone()[0] if _has(store, "value_entries") \
        else None
    report = import_csv(store, text.encode() if data.draw(st.booleans()) else text,
                        allow_partial=data.draw(st.booleans()))
    TRIED["value csv files"] += 1
    assert isinstance(report.as_dict(), dict)
    REFUSED["value csv rows refused"] += len(report.rejected)
    after = store.conn.execute("SELECT count(*) FROM value_entries").fetchone()[0] if before is not None else None
    if before is not None and report.rejected and not report.written:
        assert after == before  # all or nothing: a refused file wrote nothing


def _has(store, table):
    return store.conn.execute("SELECT count(*) FROM sqlite_master WHERE name=?", (table,)).fetchone()[0]


@PROFILE
@given(st.data())
def test_team_summary_files(tmp_path_factory, data):
    from tracker.services.team_files import TeamFileError, read_file

    folder = tmp_path_factory.mktemp("summ")
    valid = _valid_files()[data.draw(st.sampled_from(["summary", "team_settings"]))]
    doc = data.draw(json_values) if data.draw(st.booleans()) else mutate(valid, data)
    path = folder / "s.json"
    raw = compact(doc).encode()
    if data.draw(st.booleans()):
        raw = raw[: data.draw(st.integers(0, len(raw)))]
    path.write_bytes(raw)
    try:
        read_file(path)
    except TeamFileError as exc:
        assert str(exc)
        REFUSED["team summaries refused"] += 1
    TRIED["team summaries"] += 1


_VALID: dict = {}


def _valid_files() -> dict:
    """A real team summary and a real own-machines export, written by the app from demo data."""
    if not _VALID:
        import tempfile
        from datetime import date

        from tracker.core.timeutil import UTC
        from tracker.paths import get_paths
        from tracker.services.context import open_context
        from tracker.services.demo import generate
        from tracker.services import team_crypto, team_files, team_protocol
        from tracker.services.machines import export_events
        from tracker.services.team_summary import build_values
        from tracker.services.team_vector import DEFAULT_COST_BUCKETS_USD, DEFAULT_FAMILIES, Layout

        folder = Path(tempfile.mkdtemp(prefix="valid-"))
        members = [team_crypto.MemberKeys.generate() for _ in range(3)]
        settings = team_files.make_settings(
            team_crypto.SigningKey.generate(), 1, "2026-W40", 2, 48, DEFAULT_FAMILIES, ("product",),
            DEFAULT_COST_BUCKETS_USD, [team_files.roster_entry((m.sign_public, m.mask_public)) for m in members])
        with open_context(get_paths(folder / "home")) as ctx:
            generate(ctx.store, ctx.pricer, end_day=date(2026, 11, 27), days=14, scale=0.05)
            values = build_values(ctx.store, ctx.pricer, UTC, Layout.from_settings(settings), "2026-W47").values
            _VALID["summary"] = team_protocol.make_contribution(settings, members[0], "2026-W47", values,
                                                                "2026-11-23T10:00Z")
            _VALID["team_settings"] = settings
            export_events(ctx, folder / "events.jsonl")
        _VALID["machine_lines"] = [json.loads(line) for line in
                                   (folder / "events.jsonl").read_text().splitlines()[:6]]
    return _VALID


@PROFILE
@given(st.data())
def test_price_override_files(tmp_path_factory, data):
    from tracker.pricing.pricer import OverrideFile

    valid = {"models": {"my-model": [{"since": "2026-01-01", "input_mtok": "3", "output_mtok": "15"}]}}
    doc = mutate(valid, data) if data.draw(st.booleans()) else data.draw(json_values)
    path = tmp_path_factory.mktemp("prices") / "prices.json"
    raw = compact(doc).encode()
    if data.draw(st.booleans()):
        raw = raw[: data.draw(st.integers(0, len(raw)))]
    path.write_bytes(raw)
    overrides = OverrideFile(path, "user")
    TRIED["price override files"] += 1
    REFUSED["price override entries refused"] += len(overrides.errors)


@PROFILE
@given(st.data())
def test_own_machines_import_files(tmp_path_factory, data):
    from tracker.services.context import open_context
    from tracker.services.machines import import_events
    from tracker.paths import get_paths

    folder = tmp_path_factory.mktemp("machines")
    lines = [mutate(x, data) if data.draw(st.booleans()) else x for x in _valid_files()["machine_lines"]]
    raw = b"\n".join(compact(x).encode() for x in lines) + data.draw(st.binary(max_size=30))
    path = folder / "events.jsonl"
    path.write_bytes(raw)
    with open_context(get_paths(folder / "home")) as ctx:
        try:
            result = import_events(ctx, path)
        except ValueError as exc:  # a file refused whole, with a reason
            assert str(exc)
            TRIED["machine files"] += 1
            REFUSED["machine files refused whole"] += 1
            return
    TRIED["machine files"] += 1
    REFUSED["machine lines refused"] += result.malformed


def test_own_machines_numbers_past_sqlite_integers_are_refused_per_line(tmp_path):
    """Found by test_own_machines_import_files: a ts_ms of 2**63 failed the whole file's write."""
    from tracker.paths import get_paths
    from tracker.services.context import open_context
    from tracker.services.machines import import_events

    lines = _valid_files()["machine_lines"]
    event = next(i for i, x in enumerate(lines) if isinstance(x, dict) and "ts_ms" in x)
    bad = dict(lines[event], ts_ms=2**63)
    (tmp_path / "e.jsonl").write_text("".join(compact(x) + "\n" for x in lines + [bad]))
    with open_context(get_paths(tmp_path / "home")) as ctx:
        result = import_events(ctx, tmp_path / "e.jsonl")
    assert result.malformed == 1 and result.events + result.buckets + result.billed == len(lines) - 1


def test_valid_files_are_accepted(tmp_path):
    """The mutations start from valid documents (else every property would pass vacuously)."""
    from tracker.paths import get_paths
    from tracker.services.context import open_context
    from tracker.services.machines import import_events
    from tracker.services.team_files import read_file

    valid = _valid_files()
    for name in ("summary", "team_settings"):
        (tmp_path / "s.json").write_text(compact(valid[name]))
        assert read_file(tmp_path / "s.json")[1] == valid[name]
    (tmp_path / "e.jsonl").write_text("".join(compact(x) + "\n" for x in valid["machine_lines"]))
    with open_context(get_paths(tmp_path / "home")) as ctx:
        result = import_events(ctx, tmp_path / "e.jsonl")
    assert result.malformed == 0 and result.events + result.buckets + result.billed == len(valid["machine_lines"]) - 1
    for parse, raw, name in ((claude_code.parse, compact(CLAUDE_LINE).encode() + b"\n", "a.jsonl"),
                             (codex.parse, b"".join(compact(x).encode() + b"\n" for x in CODEX_LINES),
                              "rollout-2026-11-20T10-00-00-0199a213-81c0-7800-8aa1-bbab2a035a53.jsonl"),
                             (gemini_cli.parse, compact(GEMINI_DOC).encode(), "/h/.gemini/tmp/a/chats/s.json")):
        assert len(run_parser(parse, raw, name).usage_events("any")) == 1, parse
    for cls, body, call in CALLS:
        batches = call(_source(cls, body))
        assert not any(b.rejected for b in batches), (cls, [b.rejected for b in batches])


def test_zz_report_inputs_tried():
    """Runs last in this module: the figures of the properties above."""
    assert TRIED, "the properties ran"
    record("bad_input", inputs_tried=sum(TRIED.values()), inputs_by_parser=dict(sorted(TRIED.items())),
           bad_items_counted_and_reported=dict(sorted(REFUSED.items())), exceptions_escaped=0)
