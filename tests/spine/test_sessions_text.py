"""`tracker report sessions` as a text table and as CSV prints each session's line once (commands.session_text:
most of them by SQLite as it reads the session totals, storage.session_pages.formatted's "table" and "csv"
forms): the text must stay byte for byte cli_format.table and cli_format.to_csv of the sessions report's
document (what the command printed before), on the usage of tests/spine/test_sessions_json.py, chosen to
break it: unpriced sessions beside priced ones, costs on the rounding edges and below zero, sessions over
the range's edges, zones with half-hour offsets and daylight-saving changes, unicode names (a table's
widths are in characters), a tab and a line's end in a project, huge token counts, a source filter.
"""

from __future__ import annotations

import random
import sqlite3
from datetime import date, datetime, time, timedelta

import pytest

from tests.spine.test_sessions_json import DAY0, DAYS, MODELS, ZONES, usage  # noqa: F401  (the fixture)
from tracker import cli_format
from tracker.commands import session_text
from tracker.core.money import format_usd
from tracker.core.records import UsageEvent
from tracker.core.timeutil import UTC, get_zone, to_ms
from tracker.core.tokens import Tokens
from tracker.services import reports
from tracker.services.ingest import ingest
from tracker.storage import session_pages

COLUMNS = session_text.SESSION_COLUMNS + session_text.TOKEN_COLUMNS
RANGES = [(DAY0 - timedelta(days=1), DAY0 + timedelta(days=DAYS + 1)),  # every session
          (DAY0 + timedelta(days=2), DAY0 + timedelta(days=6)),  # sessions cut by both edges
          (DAY0 + timedelta(days=3), DAY0 + timedelta(days=3)),
          (DAY0 + timedelta(days=60), DAY0 + timedelta(days=61))]  # none


def _text(batches) -> str:
    return session_text.LINE_SEPARATOR.join(part for batch in batches for part in batch)


def _old_table(store, zone, since, until, sources=None) -> str:
    """What the command printed before: its heading, cli_format.table of the report's rows, its notes."""
    doc = reports.sessions_report(store, zone, since, until, sources)
    lines = [f"Sessions usage, {doc['since']} to {doc['until']} ({doc['timezone']}); costs are estimates at the "
             "price in force on each request's date.", cli_format.table(doc["rows"], COLUMNS, doc["totals"]),
             *cli_format.report_notes(doc)]
    return "".join(f"{line}\n" for line in lines)


def _old_csv(store, zone, since, until, sources=None) -> str:
    return cli_format.to_csv(reports.sessions_report(store, zone, since, until, sources)["rows"])


@pytest.mark.parametrize("zone_name", ZONES)
def test_the_sessions_table_and_csv_are_the_documents_byte_for_byte(usage, zone_name):
    store, zone = usage, get_zone(zone_name)
    for since, until in RANGES:
        for sources in (None, ["codex"]):
            assert _text(session_text.sessions_table_batches(store, zone, since, until, sources)) == \
                _old_table(store, zone, since, until, sources), (since, until, sources)
            assert _text(session_text.sessions_csv_batches(store, zone, since, until, sources)) == \
                _old_csv(store, zone, since, until, sources), (since, until, sources)
    # (the default range too: from the first data to today)
    assert _text(session_text.sessions_table_batches(store, zone)) == _old_table(store, zone, None, None)
    assert _text(session_text.sessions_csv_batches(store, zone)) == _old_csv(store, zone, None, None)


def test_the_fast_table_is_taken_and_its_lines_are_printed_by_sqlite(usage, monkeypatch):
    """Not vacuous: the table's and the CSV's lines come from SQLite (the Python way only for the sessions over
    the range's edges and, for the CSV, the rows it cannot print), and the notes of unpriced usage follow."""
    store, zone = usage, get_zone("Europe/Paris")
    calls = {"python": 0}
    real_rows = session_text._TableRows.rows

    def counted(self, sessions):
        calls["python"] += len(sessions)
        return real_rows(self, sessions)

    monkeypatch.setattr(session_text._TableRows, "rows", counted)
    since, until = RANGES[0]
    text = _text(session_text.sessions_table_batches(store, zone, since, until))
    sessions = len(store.session_tuples(to_ms(datetime.combine(since, time(0), zone)),
                                        to_ms(datetime.combine(until + timedelta(days=1), time(0), zone))))
    assert sessions > 20 and calls["python"] == 0  # (the whole range: no session over its edges)
    assert "request(s) have no known price" in text and "—" in text


def test_a_table_of_sessions_sqlite_cannot_tell_is_printed_the_python_way(store, pricer):
    """A session with a negative count of tokens (no parser writes one: set where the report reads it), whose
    short form the table's widths are not told by: every line the Python way, the same text."""
    base = to_ms(datetime.combine(DAY0, time(10), UTC))
    ingest(store, pricer, events=[
        UsageEvent(source="claude_code", key=f"k{i}", ts_ms=base + i * 60_000, model=MODELS[0], provider=None,
                   session=f"s:{i}", project="acme", tokens=Tokens(input_tokens=10 + i, output_tokens=3))
        for i in range(5)])
    with store.atomic():
        store.conn.execute("UPDATE session_totals SET output_tokens = -1234567 WHERE session = 's:2'")
    zone = get_zone("UTC")
    rows = session_text._TableRows()
    rows.start(reports.LocalIso(zone))
    assert store.formatted_sessions(base - 1, base + 3_600_000, None, [(0, 0, "+00:00")], "", "", "table",
                                    rows.min_widths, rows.other_cells) is None
    text = _text(session_text.sessions_table_batches(store, zone, DAY0, DAY0))
    assert "-1.2M" in text and text == _old_table(store, zone, DAY0, DAY0)


def test_csv_values_the_writer_quotes_are_written_the_python_way(store, pricer):
    """A comma in a session, a project or a model's name, a quote, a line's end: the csv writer's quoting (those
    lines the Python way, found in a batch's text), the other lines SQLite's, in their places."""
    base = to_ms(datetime.combine(DAY0, time(10), UTC))
    names = [("s:plain", "acme", MODELS[0]), ("s:one,two", "acme", MODELS[0]), ("s:3", "comma, project", MODELS[1]),
             ("s:4", "acme", "my,model"), ("s:5", 'say "hi"', MODELS[0]), ("s:6", "two\nlines", MODELS[0]),
             ("s:7", "cr\rhere", MODELS[0]), ("s:8", None, MODELS[2])]
    ingest(store, pricer, events=[
        UsageEvent(source="claude_code", key=f"k{i}-{j}", ts_ms=base + i * 60_000 + j, model=model, provider=None,
                   session=session, project=project, tokens=Tokens(input_tokens=10 + i, output_tokens=3))
        for i, (session, project, model) in enumerate(names) for j in range(2)])
    zone = get_zone("Europe/Paris")
    text = _text(session_text.sessions_csv_batches(store, zone, DAY0, DAY0))
    assert text == _old_csv(store, zone, DAY0, DAY0) and '"comma, project"' in text and '"my,model"' in text
    assert _text(session_text.sessions_table_batches(store, zone, DAY0, DAY0)) == _old_table(store, zone, DAY0, DAY0)


def test_sums_past_64_bits_and_times_before_1970_are_printed_the_python_way(store, pricer):
    """Where SQLite cannot print the sessions (a sum it would add into a REAL, a range before 1970), the table
    and the CSV are printed the Python way: the same text."""
    base = to_ms(datetime.combine(DAY0, time(10), UTC))
    ingest(store, pricer, events=[
        UsageEvent(source="claude_code", key="big", ts_ms=base, model=MODELS[3], provider=None, session="s:big",
                   project="acme",
                   tokens=Tokens(input_tokens=1, cache_write_5m_tokens=2**62, cache_write_1h_tokens=2**62)),
        UsageEvent(source="codex", key="old", ts_ms=-86_400_000 * 3, model=MODELS[2], provider=None, session="s:old",
                   project="ünï", tokens=Tokens(input_tokens=7, output_tokens=3))])
    zone = get_zone("Europe/Paris")
    for since, until in ((DAY0, DAY0), (date(1969, 12, 28), date(1970, 1, 2))):
        table = _text(session_text.sessions_table_batches(store, zone, since, until))
        assert table == _old_table(store, zone, since, until) and "s:" in table
        csv = _text(session_text.sessions_csv_batches(store, zone, since, until))
        assert csv == _old_csv(store, zone, since, until)


def _sql_values(expression, values: list[int], function) -> list[str]:
    conn = sqlite3.connect(":memory:")
    conn.create_function("other", 1, function, deterministic=True)
    conn.create_function("tokens_text", 1, cli_format.tokens_text, deterministic=True)
    conn.create_function("usd_short", 1, function, deterministic=True)
    return [str(conn.execute(f"SELECT {expression('n')} FROM (SELECT ? AS n)", (n,)).fetchone()[0]) for n in values]


def test_tokens_and_costs_in_sql_are_the_tables_python_forms():
    """tokens_text_sql and usd_short_sql: cli_format's forms of them, on every rounding edge (a tenth of a unit
    exactly half, just either side, the units' edges) and at random."""
    rng = random.Random(3)
    tokens = [0, 1, 999, 1000, 1049, 1050, 1051, 1150, 1250, 1350, 999_949, 999_950, 999_999, 10**6, 1_250_000,
              1_350_000, 2_450_000, 999_950_000, 10**9, 1_050_000_000, 1_150_000_000, 10**14 - 1, 10**14,
              10**15 + 7, -1, -1500, *(rng.randrange(10**k) for k in range(2, 15) for _ in range(300)),
              *(rng.randrange(10**k // 100) * 100 + 50 for k in range(4, 7) for _ in range(100))]
    assert _sql_values(lambda n: session_pages.tokens_text_sql(n, "other"), tokens, cli_format.tokens_text) == \
        [cli_format.tokens_text(n) for n in tokens]
    # ... and the lengths the table's widths are told by (counts from 0 on), on the edges of a digit more
    edges = [d * 10**k - 10**k // 20 + off for k in (3, 6, 9) for d in (10, 100, 1000) for off in (-1, 0, 1)]
    counts = [n for n in tokens + edges if n >= 0]
    assert _sql_values(session_pages._tokens_length_sql, counts, len) == [str(len(cli_format.tokens_text(n)))
                                                                           for n in counts]
    costs = [0, 1, 499_999, 500_000, 500_001, 1_500_000, 4_999_999_999, 5_000_000_000, 5_000_000_001,
             15_000_000_000, 25_000_000_000, 999_994_999_999_999, 999_995_000_000_000, 999_999_499_999_999,
             999_999_500_000_000, 10**15, 1_000_000_500_000_000, 1_000_001_500_000_000, 2**63 - 1, -1, -10**13,
             *(cents * 10**10 + 5 * 10**9 + off for cents in (0, 1, 2, 12_345, 99_998, 99_999)
               for off in (-500_001, -500_000, -499_999, -1, 0, 1, 499_999, 500_000, 500_001)),
             999_993_999_999_999, 999_994_000_000_000, 999_994_999_999_999, 999_995_000_000_000,
             *(d * 10**12 - 5 * 10**9 + off for d in (1, 10, 100, 1000) for off in (-500_001, -1, 0, 1, 500_001)),
             *(rng.randrange(10**k) for k in range(2, 19) for _ in range(200))]

    def short(pico: int) -> str:
        return cli_format.usd_text(format_usd(pico))
    assert _sql_values(lambda p: session_pages.usd_short_sql(p, "other"), costs, short) == list(map(short, costs))
    # ... and the lengths the table's widths are told by
    assert _sql_values(session_pages.cost_length_sql, costs, short) == [str(len(short(p))) for p in costs]


def test_the_table_of_an_empty_store_and_of_no_rollups(store):
    zone = get_zone("Asia/Kolkata")
    since = until = date(2026, 1, 5)
    table = _text(session_text.sessions_table_batches(store, zone, since, until))
    assert table == _old_table(store, zone, since, until) and "Total" in table
    assert _text(session_text.sessions_csv_batches(store, zone, since, until)) == "" == _old_csv(store, zone, since,
                                                                                                until)


def test_the_sessions_table_starts_each_line_with_the_sessions_start_in_the_lines_order(usage):
    """The lines are in the order of each session's first request; the first column said "Last seen", so the
    ordered table looked unordered. It is "Started" now, as on the Usage page."""
    store, zone = usage, get_zone("UTC")
    since, until = RANGES[0]
    lines = _text(session_text.sessions_table_batches(store, zone, since, until)).splitlines()
    header = lines[1]
    assert header.startswith("Started") and "Last seen" not in header
    rule = next(i for i in range(3, len(lines)) if lines[i].startswith("--"))  # the rule above the totals
    # (a project of the fixture holds a line's end: its cell goes on on the next line)
    started = [line.split("  ")[0] for line in lines[3:rule] if line[:4].isdigit()]
    assert len(started) > 3 and started == sorted(started)
