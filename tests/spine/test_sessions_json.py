"""`tracker report sessions --json` formats each session's row once (services.reports.sessions_json: most of
it by SQLite as it sums the session, storage.session_pages.formatted): the text must stay byte for byte
json.dumps(indent=2, ensure_ascii=False) of the sessions report's document (what the command printed
before), on usage chosen to break it: unpriced sessions (null, never $0) beside priced ones, costs on the
half-cent... half-micro-dollar edges and below zero, a plan covering one agent, sessions over the range's
edges and over UTC midnight, zones with half-hour offsets and daylight-saving changes, odd and unicode
names, huge token counts, several sources and a source filter.
"""

from __future__ import annotations

import json
import random
import sqlite3
from datetime import date, datetime, time, timedelta

import pytest

from tracker import cli_format
from tracker.core.money import format_usd
from tracker.core.records import UsageEvent
from tracker.core.timeutil import UTC, get_zone, to_ms
from tracker.core.tokens import Tokens
from tracker.services import plans, reports
from tracker.services.ingest import ingest
from tracker.storage import session_pages

DAY0 = date(2026, 3, 27)  # Europe's daylight-saving change is on the 29th, Lord Howe's on 5 April
DAYS = 12
ZONES = ("Europe/Paris", "Asia/Kolkata", "America/St_Johns", "Australia/Lord_Howe", "UTC")
PROJECTS = ("acme", "ünïcødé 項目", 'quote " and \\ backslash', "tab\tnew\nline\x01", "emoji 🚀", "", None)
SESSIONS = ("plain-id", 'odd"id\\', "ünï-session", "ctl\x1fid")
MODELS = ("claude-sonnet-4-5", "claude-haiku-4-5", "gpt-5-codex", "no-such-model-xyz")


def _usage(rng: random.Random, n: int) -> list[UsageEvent]:
    start = to_ms(datetime.combine(DAY0, time(0), UTC))
    span = DAYS * 86_400_000
    sessions = []
    for i in range(40):
        source = rng.choice(("claude_code", "codex"))
        first = start + rng.randrange(span)
        length = rng.choice([60_000, 40 * 60_000, 5 * 3_600_000, 30 * 3_600_000])  # some over UTC midnight
        models = rng.choice((MODELS[:1], MODELS[:2], MODELS[3:], MODELS[2:]))  # one all unpriced
        sessions.append((f"{rng.choice(SESSIONS)}-{i}", source, first, length, rng.choice(PROJECTS), models))
    out = []
    for i in range(n):
        name, source, first, length, project, models = rng.choice(sessions)
        if rng.random() < 0.1 and name.endswith(("0", "2", "4", "6", "8")):
            project = rng.choice(PROJECTS)  # a session that changes project (half of them do)
        huge = rng.random() < 0.05
        out.append(UsageEvent(
            source=source, key=f"k{i}", ts_ms=first + rng.randrange(length),
            model=MODELS[3] if huge else rng.choice(models), provider=None,  # (a price of 10**15 tokens overflows)
            session=f"{source}:{name}", project=project,
            tokens=Tokens(input_tokens=10**15 + rng.randrange(10**6) if huge else rng.randint(1, 5000),
                          cache_read_tokens=rng.choice((0, rng.randint(1, 90_000))),
                          cache_write_5m_tokens=rng.randint(0, 900), cache_write_1h_tokens=rng.choice((0, 40)),
                          output_tokens=rng.randint(1, 900), reasoning_tokens=rng.choice((0, 10))),
            requests=rng.choice((1, 1, 3, 0))))
    return out


def _costs_on_edges(store, rng: random.Random) -> None:
    """Some priced events' costs set to values whose dollar text rounds half to even, or below zero."""
    edges = [0, 1, 499_999, 500_000, 500_001, 1_500_000, 2_500_000, 10**18 + 500_000, -1, -500_000, -1_500_000,
             -2_500_001]
    keys = [k for (k,) in store.conn.execute("SELECT key FROM events WHERE cost_pico IS NOT NULL ORDER BY key")]
    with store.atomic():
        for key, cost in zip(rng.sample(keys, len(edges)), edges):
            store.conn.execute("UPDATE events SET cost_pico = ? WHERE key = ?", (cost, key))


def _old_text(store, zone, since, until, sources=None) -> str:
    """What the command printed before: the report's document through the JSON encoder."""
    doc = reports.sessions_report(store, zone, since, until, sources)
    text = json.dumps(doc, indent=2, ensure_ascii=False)
    assert cli_format.to_json(doc) == text
    return text


@pytest.fixture
def usage(store, pricer):
    ingest(store, pricer, events=_usage(random.Random(7), 1500))
    _costs_on_edges(store, random.Random(8))
    plans.set_plan(store, "claude", "claude-max-20x", DAY0 + timedelta(days=3))  # Claude Code's usage plan-covered
    return store


@pytest.mark.parametrize("zone_name", ZONES)
def test_the_sessions_json_is_the_documents_json_byte_for_byte(usage, zone_name):
    store, zone = usage, get_zone(zone_name)
    ranges = [(DAY0 - timedelta(days=1), DAY0 + timedelta(days=DAYS + 1)),  # every session
              (DAY0 + timedelta(days=2), DAY0 + timedelta(days=6)),  # sessions cut by both edges
              (DAY0 + timedelta(days=3), DAY0 + timedelta(days=3)),
              (DAY0 + timedelta(days=60), DAY0 + timedelta(days=61))]  # none
    for since, until in ranges:
        for sources in (None, ["codex"]):
            assert reports.sessions_json(store, zone, since, until, sources) == \
                _old_text(store, zone, since, until, sources), (since, until, sources)
    # (the default range too: from the first data to today)
    assert reports.sessions_json(store, zone) == _old_text(store, zone, None, None)
    # and with the line's end the quick path prints after it (tracker.quick), rows or none
    for since, until in ranges:
        assert reports.sessions_json(store, zone, since, until, end="\n") == _old_text(store, zone, since, until) + "\n"


def _texts_and_others(found) -> tuple[list[tuple], list[tuple]]:
    """FormattedSessions' rows printed by SQLite, and the others (the sessions across the range's edges, and
    the rows read the Python way: SESSION_FIELDS tuples); its batches in order, each one's flag true."""
    texts, others = [], list(found.others)
    keys = []
    for batch, tuples in found.batches:
        assert batch and tuples == any(type(r[3]) is not str for r in batch)
        texts += [r for r in batch if type(r[3]) is str]
        others += [r[3] for r in batch if type(r[3]) is not str]
        keys += [r[:3] for r in batch]
    assert keys == sorted(keys)  # (first request, source, session)
    return texts, others


def test_the_fast_path_is_taken_and_covers_what_it_must(usage):
    """Most rows are formatted by SQLite, sessions over UTC midnight too; the sessions over the range's edges,
    over several projects and those whose names JSON escapes are not (nor anything JSON would escape in
    their rows)."""
    store, zone = usage, get_zone("Australia/Lord_Howe")
    since, until = DAY0 + timedelta(days=2), DAY0 + timedelta(days=9)
    start = to_ms(datetime.combine(since, time(0), zone))
    end = to_ms(datetime.combine(until + timedelta(days=1), time(0), zone))
    spans = reports.offset_spans(zone, start // 1000, end // 1000)
    assert [s[2] for s in spans] == ["+11:00", "+10:30"]  # Lord Howe's half-hour daylight-saving change
    found = store.formatted_sessions(start, end, None, spans, reports._ROW_FORMAT, reports._MODELS_SEPARATOR)
    assert found is not None
    texts, others = _texts_and_others(found)
    assert texts and others
    every = store.session_tuples(start, end)
    assert sorted(r[1:3] for r in every) == sorted([r[1:3] for r in texts] + [r[1:3] for r in others])
    assert all("\\" not in r[3] for r in texts)
    by_key = {r[1:3]: r for r in every}
    # a session over UTC midnight is one row of the session totals too (its models and projects kept there)
    assert [r for r in texts if by_key[r[1:3]][0] // 86_400_000 != by_key[r[1:3]][3] // 86_400_000]
    assert [r for r in others if r[0] >= start and r[3] < end and r[0] // 86_400_000 == r[3] // 86_400_000
            and '"' not in r[2] and '\\' not in r[2] and r[4] in PROJECTS[:2]]  # several projects


def test_sums_past_64_bits_and_times_before_1970_are_still_exact(store, pricer):
    """A session's cache writes of both TTLs that SQLite would add into a REAL, and a range before 1970:
    formatted here (the same text), not by SQLite."""
    base = to_ms(datetime.combine(DAY0, time(10), UTC))
    ingest(store, pricer, events=[
        UsageEvent(source="claude_code", key="big", ts_ms=base, model=MODELS[3], provider=None, session="s:big",
                   project="acme", tokens=Tokens(input_tokens=1, cache_write_5m_tokens=2**62, cache_write_1h_tokens=2**62)),
        UsageEvent(source="codex", key="old", ts_ms=-86_400_000 * 3, model=MODELS[2], provider=None, session="s:old",
                   project="ünï", tokens=Tokens(input_tokens=7, output_tokens=3)),
    ])
    zone = get_zone("Europe/Paris")
    start, end = base - 3_600_000, base + 3_600_000
    assert store.formatted_sessions(start, end, None, [(0, 3600, "+01:00")], reports._ROW_FORMAT,
                                    reports._MODELS_SEPARATOR) is None
    for since, until in ((DAY0, DAY0), (date(1969, 12, 28), date(1970, 1, 2))):
        text = reports.sessions_json(store, zone, since, until)
        assert text == _old_text(store, zone, since, until)
        assert json.loads(text)["rows"]
    assert json.loads(reports.sessions_json(store, zone, DAY0, DAY0))["rows"][0]["cache_write_tokens"] == 2**63


def test_a_session_whose_cost_sql_cannot_print_is_read_the_python_way_in_its_place(store, pricer):
    """A session's cost of -2**63 pico, which usd_text_sql cannot print (abs() of it raises): its row is read
    the Python way, in its place among the rows SQLite printed, which are read as they are written."""
    base = to_ms(datetime.combine(DAY0, time(10), UTC))
    ingest(store, pricer, events=[
        UsageEvent(source="claude_code", key=f"k{i}", ts_ms=base + i * 60_000, model=MODELS[0], provider=None,
                   session=f"s:{i}", project="acme", tokens=Tokens(input_tokens=10 + i, output_tokens=3))
        for i in range(5)])
    with store.atomic():  # (no import writes such a cost: set where the report reads it)
        store.conn.execute("UPDATE session_totals SET cost_pico = -9223372036854775807 - 1 WHERE session = 's:2'")
    zone = get_zone("Europe/Paris")
    text = reports.sessions_json(store, zone, DAY0, DAY0)
    # the same rows (the totals differ here: the report sums the hourly rollup, which this cost is not in)
    assert text.partition('"totals"')[0] == _old_text(store, zone, DAY0, DAY0).partition('"totals"')[0]
    assert [row["session"] for row in json.loads(text)["rows"]] == [f"s:{i}" for i in range(5)]
    assert json.loads(text)["rows"][2]["cost_usd"] == "-9223372.036855"


def test_a_range_over_every_session_reads_no_stretch_of_sessions_across_its_edges(usage):
    """The sessions across a range's start or end are looked for only where one can be (a session starts
    before it, ends after it): over all of them, each stretch would be every session (the index scanned
    twice over); a range cut inside still finds them (the text is the document's: the test above)."""
    store, zone = usage, get_zone("Europe/Paris")
    statements: list[str] = []
    store.conn.set_trace_callback(statements.append)
    try:
        for since, until in ((DAY0 - timedelta(days=1), DAY0 + timedelta(days=DAYS + 1)),
                             (DAY0 + timedelta(days=2), DAY0 + timedelta(days=6))):
            statements.clear()
            assert reports.sessions_json(store, zone, since, until) == _old_text(store, zone, since, until)
            crossing = [s for s in statements if "INDEXED BY session_totals_last" in s]
            assert bool(crossing) == (since > DAY0), statements
    finally:
        store.conn.set_trace_callback(None)


def test_dollars_in_integer_sql_are_format_usd():
    conn = sqlite3.connect(":memory:")
    values = [0, 1, 499_999, 500_000, 500_001, 1_000_000, 1_500_000, 2_500_000, 3_499_999_500_000, 10**12,
              2**63 - 1, -1, -499_999, -500_000, -500_001, -1_500_000, -2_500_000, -(2**63 - 1)]
    values += [random.Random(3).randrange(-10**16, 10**16) for _ in range(2000)]
    for v in values:
        assert conn.execute(f"SELECT {session_pages.usd_text_sql(':v')}", {"v": v}).fetchone()[0] == format_usd(v), v


@pytest.mark.parametrize("zone_name", ZONES + ("America/Santiago", "Pacific/Chatham", "Asia/Kathmandu"))
def test_local_times_in_sql_are_local_iso(zone_name):
    zone = get_zone(zone_name)
    start_s, end_s = 1_700_000_000, 1_700_000_000 + 2 * 365 * 86_400
    spans = reports.offset_spans(zone, start_s, end_s)
    conn = sqlite3.connect(":memory:")
    rng = random.Random(5)
    times = [rng.randrange(start_s, end_s) * 1000 + rng.randrange(1000) for _ in range(3000)]
    times += [s * 1000 + d for s, _, _ in spans for d in (-1001, -1000, -1, 0, 999, 1000)]  # about each change
    times = [t for t in times if start_s * 1000 <= t < end_s * 1000]
    sql = session_pages.local_time_sql(":t", spans)
    for t in times:
        assert conn.execute(f"SELECT {sql}", {"t": t}).fetchone()[0] == reports.local_iso(t, zone), t


def test_models_that_json_escapes_or_that_hold_commas_and_a_model_that_comes_and_goes(store, pricer):
    """A session's models are kept in its session totals row as JSON texts joined by commas (m210): names with
    commas stay whole, names JSON escapes go the Python way, a model that comes later or whose last request
    goes is added or taken away, the list in order all the while."""
    base = to_ms(datetime.combine(DAY0, time(9), UTC))
    names = {"s:commas": ("zz,last", "a,b", "comma,model"), "s:plain": ("plain-b", "plain-a"),
             "s:escaped": ('m","x', "back\\slash", 'a,"b"')}

    def event(session, i, model):
        return UsageEvent(source="claude_code", key=f"{session}-{i}", ts_ms=base + i * 60_000, model=model,
                          provider=None, session=session, project="acme", tokens=Tokens(input_tokens=i + 1))

    zone = get_zone("Europe/Paris")
    start = to_ms(datetime.combine(DAY0, time(0), zone))
    end = to_ms(datetime.combine(DAY0 + timedelta(days=1), time(0), zone))
    spans = reports.offset_spans(zone, start // 1000, end // 1000)
    for step in range(3):  # each session's models one more at a time
        ingest(store, pricer, events=[event(s, step, models[step]) for s, models in names.items() if step < len(models)])
        assert reports.sessions_json(store, zone, DAY0, DAY0) == _old_text(store, zone, DAY0, DAY0)
    texts, others = _texts_and_others(store.formatted_sessions(start, end, None, spans, reports._ROW_FORMAT,
                                                               reports._MODELS_SEPARATOR))
    assert sorted(r[2] for r in texts) == ["s:commas", "s:plain"]
    assert [r[2] for r in others] == ["s:escaped"]
    with store.atomic():  # the only request of a model goes, and one moves to another model
        store.conn.execute("DELETE FROM events WHERE key = 's:plain-0'")
        store.conn.execute("UPDATE events SET model = 'comma,model' WHERE key = 's:commas-0'")
    assert reports.sessions_json(store, zone, DAY0, DAY0) == _old_text(store, zone, DAY0, DAY0)
    rows = dict(store.conn.execute("SELECT session, models FROM session_totals").fetchall())
    assert rows["s:plain"] == '"plain-a"' and rows["s:commas"] == '"a,b","comma,model"'
