"""The project and session rollups stay equal to the events, and every figure read from them equals
the same figure summed from every event, whatever is written and in whatever timezone it is read.

Random event sets (seeded: the same on every run) go through every write path that touches events:
inserts, upserts that replace a row with more tokens, re-reads that change nothing, re-prices (to
unpriced, to partly priced, `tracker reprice` with a new price), tagging by rules and by hand (the
Usage page's tagging of a session's or a project's rows), rows moved in time or to another session or
project, and deletes. After each, three answers must agree: the rollups (the code under test), the
events table (the same store with its rollups switched off), and a sum in Python over the event rows.
"""

from __future__ import annotations

import json
import random
from datetime import date, datetime, time, timedelta

import pytest

from tracker.core.records import UsageEvent
from tracker.core.timeutil import UTC, Window, get_zone, to_ms, windows
from tracker.core.tokens import Tokens
from tracker.services import reports, tagging, usage
from tracker.services.ingest import ingest
from tracker.services.reprice import reprice
from tracker.storage import rollup_reads
from tracker.storage import session_pages
from tracker.storage.rollups import HOURLY_DAILY, LIVE_ROLLUPS, PROJECTS, PROJECTS_DAILY, SESSION_TOTALS, SESSIONS, TAGGED

DAY0 = date(2026, 3, 20)  # the range spans Europe's daylight-saving change (29 March)
DAYS = 16
ZONES = ("UTC", "Europe/Paris", "Asia/Kolkata", "America/St_Johns", "Asia/Kathmandu")
MODELS = ("claude-sonnet-4-5", "claude-haiku-4-5", "gpt-5-codex", "no-such-model-xyz")
PROJECT_NAMES = ("acme", "globex", "odd*[name]?", "", None)
GROUPINGS = (("source", "model"), ("source",), (), ("source", "project"), ("project", "source"), ("tag_id",),
             ("source", "tag"), ("source", "account"), ("source", "session"), ("session",),
             ("source", "session", "project"), ("source", "api_key"))
FIGURES = ("requests", "cost_pico", "unpriced_requests", "partly_priced_requests", "input_tokens",
           "cache_read_tokens", "cache_write_5m_tokens", "cache_write_1h_tokens", "output_tokens", "reasoning_tokens")
EVENT_COLUMNS = ("source", "account", "key", "ts_ms", "model", "session", "project", "requests", "cost_pico",
                 "partly_priced", "manual_tag_id", "rule_tag_id", "input_tokens", "cache_read_tokens",
                 "cache_write_5m_tokens", "cache_write_1h_tokens", "output_tokens", "reasoning_tokens")


# -- random usage ---------------------------------------------------------------------------------------
def _events(rng: random.Random, n: int, prefix: str) -> list[UsageEvent]:
    """Sessions from minutes to three days long (some across midnight and the DST change), some changing
    project midway; requests without a session; an OpenRouter account; one request before 1970."""
    start = to_ms(datetime.combine(DAY0, time(0), UTC))
    span = DAYS * 86_400_000
    sessions = []
    for i in range(max(3, n // 25)):
        first = start + rng.randrange(span)
        length = rng.choice([10 * 60_000, 3 * 3_600_000, 20 * 3_600_000, 3 * 86_400_000])
        sessions.append((f"s{i}", rng.choice(("claude_code", "codex")), first, length,
                         rng.choice(PROJECT_NAMES), rng.random() < 0.2))
    out = []
    for i in range(n):
        if rng.random() < 0.15:  # no session: a provider's generation
            source, account, session = "openrouter", rng.choice(("", "acct")), None
            ts, project = start + rng.randrange(span), None
        else:
            name, source, first, length, project, drifts = rng.choice(sessions)
            account, session, ts = "", f"{source}:{name}", first + rng.randrange(length)
            if drifts and rng.random() < 0.5:
                project = rng.choice(PROJECT_NAMES)
        out.append(UsageEvent(
            source=source, account=account, key=f"{prefix}{rng.randrange(n * 2)}", ts_ms=ts,
            model=rng.choice(MODELS), provider=None, session=session, project=project,
            tokens=Tokens(input_tokens=rng.randint(1, 5000), cache_read_tokens=rng.choice((0, rng.randint(1, 90000))),
                          cache_write_5m_tokens=rng.randint(0, 900), cache_write_1h_tokens=rng.choice((0, 40)),
                          output_tokens=rng.randint(1, 900), reasoning_tokens=rng.choice((0, 10))),
            requests=rng.choice((1, 1, 1, 3, 0))))
    out.append(UsageEvent(source="codex", key=f"{prefix}-1969", ts_ms=-5_000, model=MODELS[2], provider=None,
                          session="codex:old", project="acme", tokens=Tokens(input_tokens=7, output_tokens=3)))
    return out


# -- the reference: sums in Python over every event row ------------------------------------------------
def _event_rows(store) -> list[dict]:
    return [dict(zip(EVENT_COLUMNS, r)) for r in store.conn.execute(f"SELECT {', '.join(EVENT_COLUMNS)} FROM events")]


def _tag_id(e: dict):
    tag = e["manual_tag_id"] if e["manual_tag_id"] is not None else e["rule_tag_id"]
    return None if tag in (None, 0) else tag


def _group_value(store, e: dict, key: str):
    if key == "tag_id":
        return _tag_id(e)
    if key == "tag":
        tag = _tag_id(e)
        name = store.conn.execute("SELECT name FROM tags WHERE id = ?", (tag,)).fetchone() if tag else None
        return name[0] if name else "untagged"
    if key in ("api_key", "user"):
        return None
    return e[key]


def _add(acc: dict, e: dict) -> None:
    requests, cost = e["requests"] or 0, e["cost_pico"]
    weight = max(e["requests"] if e["requests"] is not None else 1, 1)
    acc["requests"] = acc.get("requests", 0) + requests
    acc["cost_pico"] = acc.get("cost_pico", 0) + (cost or 0)
    acc["unpriced_requests"] = acc.get("unpriced_requests", 0) + (weight if cost is None else 0)
    acc["partly_priced_requests"] = acc.get("partly_priced_requests", 0) + (
        weight if cost is not None and e["partly_priced"] is not None else 0)
    acc["priced_rows"] = acc.get("priced_rows", 0) + (cost is not None)
    for c in FIGURES[4:]:
        acc[c] = acc.get(c, 0) + (e[c] or 0)


def reference_aggregate(store, wins, group_by) -> dict:
    sums: dict = {}
    for e in _event_rows(store):
        for w in wins:
            if w.start_ms <= e["ts_ms"] < w.end_ms:
                _add(sums.setdefault((w.label, *(_group_value(store, e, k) for k in group_by)), {}), e)
    return sums


def reference_sessions(store, start_ms, end_ms) -> list[dict]:
    sessions: dict = {}
    for e in _event_rows(store):
        if e["session"] is None or not start_ms <= e["ts_ms"] < end_ms:
            continue
        s = sessions.setdefault((e["source"], e["session"]), {"events": [], "sums": {}})
        s["events"].append(e)
        _add(s["sums"], e)
    out = []
    for (source, session), s in sessions.items():
        times = [e["ts_ms"] for e in s["events"]]
        named = sorted((e["ts_ms"], e["project"]) for e in s["events"] if e["project"] is not None)
        out.append({"source": source, "session": session, "first_ms": min(times), "last_ms": max(times),
                    "project": named[0][1] if named else None,
                    "models": sorted({e["model"] for e in s["events"]}), **s["sums"]})
    return sorted(out, key=lambda r: (r["first_ms"], r["source"], r["session"]))


# -- the comparisons -------------------------------------------------------------------------------------
def _keyed(rows, group_by) -> dict:
    out = {}
    for r in rows:
        key = (r["period"], *(r[k] for k in group_by))
        assert key not in out, f"two rows for {key}"
        out[key] = {f: r[f] for f in FIGURES} | {"priced_rows": r["priced_rows"], "_start_ms": r["_start_ms"]}
    return out


def _events_only(store):
    """The same store reading events only (its rollups switched off for the block)."""
    class Off:
        def __enter__(self):
            self.saved = store.live_rollups()
            store._live_rollups = set()

        def __exit__(self, *exc):
            store._live_rollups = self.saved

    return Off()


def check_aggregates(store, wins, groupings=GROUPINGS) -> None:
    starts = {w.label: w.start_ms for w in wins}
    for group_by in groupings:
        fast = _keyed(store.aggregate(wins, group_by=group_by, include_buckets=False), group_by)
        with _events_only(store):
            slow = _keyed(store.aggregate(wins, group_by=group_by, include_buckets=False), group_by)
        want = reference_aggregate(store, wins, group_by)
        assert set(fast) == set(slow) == set(want), group_by
        for key, figures in fast.items():
            expected = want[key]
            assert {f: figures[f] for f in FIGURES} == {f: expected[f] for f in FIGURES}, (group_by, key)
            assert {f: slow[key][f] for f in FIGURES} == {f: expected[f] for f in FIGURES}, (group_by, key)
            # the hourly rollup of (source, model) does not count priced rows (None: its requests tell)
            assert figures["priced_rows"] in (None, expected["priced_rows"]), (group_by, key)
            assert reports.all_unpriced(figures | {"priced_rows": figures["priced_rows"]}) == \
                reports.all_unpriced(expected), (group_by, key)
            assert figures["_start_ms"] == starts[key[0]]


def check_sessions(store, start_ms, end_ms) -> None:
    fast = store.sessions(start_ms, end_ms)
    with _events_only(store):
        slow = store.sessions(start_ms, end_ms)
    want = reference_sessions(store, start_ms, end_ms)
    assert fast == slow
    assert [{k: r[k] for k in want[0]} for r in fast] == want if want else fast == []


PAGE_ORDERS = (("first_seen", True), ("cost_usd", True), ("source", False), ("cache_write_tokens", False),
               ("last_seen", True), ("unpriced_requests", True))


def check_session_pages(store, start_ms, end_ms) -> None:
    """A page of sessions in any order equals that slice of every session sorted so (read from events), and
    its count and sums those of every session."""
    with _events_only(store):
        every = store.sessions(start_ms, end_ms)
    sums = {f: sum(r[f] for r in every) for f in (*FIGURES, "priced_rows")}
    for order, descending in PAGE_ORDERS:
        want = sorted(every, key=session_pages.sort_key(order), reverse=descending)
        for offset, limit in ((0, 7), (5, 11), (len(want) - 3, 50)):
            page = store.session_page(start_ms, end_ms, None, order, descending, max(offset, 0), limit)
            assert page.rows == want[max(offset, 0):max(offset, 0) + limit], (order, offset)
            assert page.total_rows == len(want)
            assert {f: page.sums[f] for f in sums} == sums
    assert store.session_page(start_ms, end_ms, None, "project", False, 0, 5) is None


def check_tables(store) -> None:
    """Each rollup table holds exactly what filling it from the events gives."""
    for rollup in (PROJECTS, SESSIONS, TAGGED, SESSION_TOTALS, PROJECTS_DAILY, HOURLY_DAILY):
        select = rollup.fill().split(") ", 1)[1]  # the SELECT of INSERT INTO t (columns) SELECT ...
        assert sorted(store.conn.execute(f"SELECT * FROM {rollup.table}").fetchall(), key=repr) == \
            sorted(store.conn.execute(select).fetchall(), key=repr), rollup.table
    assert store.live_rollups() == {r.table for r in LIVE_ROLLUPS}


def window_sets(zone_name: str) -> list[list[Window]]:
    zone = get_zone(zone_name)
    first, last = DAY0 - timedelta(days=1), DAY0 + timedelta(days=DAYS + 3)
    days = windows(first, last, "day", zone)
    odd = [Window("a", None, days[2].start_ms + 1_234_567, days[5].start_ms + 7), Window("gap-after", None,
           days[7].start_ms, days[7].end_ms), Window("1969-1970", None, -7_200_000, 3_600_000)]
    return [days, windows(first, last, "week", zone), [Window("all", first, days[0].start_ms, days[-1].end_ms)], odd]


def check_all(store, zone_name: str) -> None:
    check_tables(store)
    for wins in window_sets(zone_name):
        check_aggregates(store, wins)
    days = window_sets(zone_name)[0]
    check_sessions(store, days[0].start_ms, days[-1].end_ms)
    check_sessions(store, days[3].start_ms, days[9].end_ms)  # sessions cut by the range
    check_sessions(store, days[3].start_ms + 999, days[3].start_ms + 86_400_000 + 5)
    check_session_pages(store, days[0].start_ms, days[-1].end_ms)
    check_session_pages(store, days[3].start_ms, days[9].end_ms)  # sessions cut by the range
    check_session_pages(store, days[3].start_ms + 999, days[3].start_ms + 86_400_000 + 5)


# -- the scenarios ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("seed", range(4))
def test_rollups_equal_the_events_through_every_write(store, pricer, tmp_path, seed):
    rng = random.Random(seed)
    zone_name = ZONES[seed % len(ZONES)]
    zone = get_zone(zone_name)
    ingest(store, pricer, events=_events(rng, 500, "a"))
    check_all(store, zone_name)

    # an upsert replacing rows with more tokens, a re-read that changes nothing, and new rows
    again = _events(random.Random(seed), 500, "a")
    for e in again[::3]:
        e.tokens = Tokens(input_tokens=e.tokens.input_tokens * 2, output_tokens=e.tokens.output_tokens + 1)
    ingest(store, pricer, events=again, keep_most_complete=True)
    ingest(store, pricer, events=_events(random.Random(seed), 500, "a"), keep_most_complete=True)
    ingest(store, pricer, events=_events(rng, 200, "b"))
    check_all(store, zone_name)

    # re-priced: to unpriced, to partly priced, to another cost
    rows = store.conn.execute("SELECT rowid, cost_pico FROM events").fetchall()
    store.update_costs("events", [(None if i % 5 == 0 else (c or 0) + 7, "test",
                                   "fast" if i % 7 == 0 else None, rowid) for i, (rowid, c) in enumerate(rows)])
    check_all(store, zone_name)
    # `tracker reprice` after a price for the unknown model was added
    prices = tmp_path / "prices.json"
    prices.write_text(json.dumps({"models": {"no-such-model-xyz": [
        {"since": "2020-01-01", "input_mtok": "1", "output_mtok": "2"}]}}))
    from tracker.pricing import Pricer

    assert reprice(store, Pricer(prices)).changed
    check_all(store, zone_name)

    # tagged by rules (with a date range in the zone) and by hand, as the Usage page tags its rows
    acme = store.add_tag("client", "ACME")
    other = store.add_tag("project", "Other")
    store.add_rule(acme, 10, project_glob="acme")
    store.add_rule(other, 5, model_glob="gpt-*", since_day=(DAY0 + timedelta(days=3)).isoformat(),
                   until_day=(DAY0 + timedelta(days=8)).isoformat())
    tagging.apply_rules(store, zone)
    check_all(store, zone_name)
    since, until = DAY0 + timedelta(days=2), DAY0 + timedelta(days=6)
    for view in ("sessions", "projects"):
        table = usage.usage_table(store, zone, view, since, until)
        usage.tag_rows(store, zone, table, table.rows[:3], "Other")
        usage.tag_rows(store, zone, table, table.rows[3:5], None, untag=True)
    check_all(store, zone_name)
    tagging.apply_rules(store, zone)  # hand tags survive; rules re-applied
    table = usage.usage_table(store, zone, "sessions", since, until)
    usage.tag_rows(store, zone, table, table.rows[:2], None)  # back to the rules
    check_all(store, zone_name)

    # rows moved in time (out of a session's first or last place), to another session and project
    with store.atomic():
        store.conn.execute("UPDATE events SET ts_ms = ts_ms + 5400000 WHERE rowid % 7 = 0")
        store.conn.execute("UPDATE events SET ts_ms = ts_ms - 86400000 * 2 WHERE rowid % 13 = 0")
        store.conn.execute("UPDATE events SET session = 'codex:moved', project = 'globex' WHERE rowid % 17 = 0")
        store.conn.execute("UPDATE events SET project = NULL WHERE rowid % 19 = 0")
    check_all(store, zone_name)

    # deletes (a removed tag gives its rows back; whole sessions and single rows go)
    store.remove_tag(other)
    with store.atomic():
        store.conn.execute("DELETE FROM events WHERE rowid % 11 = 0")
        store.conn.execute("DELETE FROM events WHERE session = (SELECT session FROM events WHERE session IS NOT NULL "
                           "LIMIT 1)")
    check_all(store, zone_name)
    # every report the same from the rollups as from events
    check_reports(store, zone)


def _report_docs(store, zone) -> list:
    since, until = DAY0 - timedelta(days=1), DAY0 + timedelta(days=DAYS + 1)
    docs = [reports.usage_report(store, zone, period, by, since, until)
            for period in ("day", "week", "month") for by in reports.GROUPS]
    docs += [reports.usage_report(store, zone, "day", "project", since, until, ["codex"])]
    docs += [reports.sessions_report(store, zone, since, until), reports.projects_report(store, zone, since, until),
             reports.sessions_report(store, zone, DAY0 + timedelta(days=4), DAY0 + timedelta(days=5), ["claude_code"]),
             reports.projects_report(store, zone, DAY0 + timedelta(days=4), DAY0 + timedelta(days=5))]
    return docs


def check_reports(store, zone) -> None:
    fast = _report_docs(store, zone)
    with _events_only(store):
        slow = _report_docs(store, zone)
    assert fast == slow
    assert any(doc["rows"] for doc in fast)


@pytest.mark.parametrize("zone_name", ZONES)
def test_reports_from_the_rollups_equal_those_from_events(store, pricer, zone_name):
    ingest(store, pricer, events=_events(random.Random(11), 400, "r"))
    tag = store.add_tag("client", "ACME")
    store.add_rule(tag, 1, project_glob="acme")
    tagging.apply_rules(store, get_zone(zone_name))
    check_reports(store, get_zone(zone_name))


def test_a_session_is_named_for_the_first_project_it_used_in_the_range(store, pricer):
    base = to_ms(datetime.combine(DAY0, time(9), UTC))
    events = [UsageEvent(source="claude_code", key=f"k{i}", ts_ms=base + i * 3_600_000, model=MODELS[0],
                         provider=None, session="claude_code:one", project=project, tokens=Tokens(input_tokens=5))
              for i, project in enumerate((None, "zeta", "alpha", "alpha"))]
    ingest(store, pricer, events=events)
    assert [s["project"] for s in store.sessions(base, base + 4 * 3_600_000)] == ["zeta"]
    assert [s["project"] for s in store.sessions(base + 2 * 3_600_000, base + 4 * 3_600_000)] == ["alpha"]
    assert [s["project"] for s in store.sessions(base, base + 3_600_000)] == [None]


def test_a_session_crossing_the_range_counts_only_its_part_inside(store, pricer):
    """The Usage page cuts sessions by local days: a session over midnight shows each day's share."""
    zone = get_zone("Europe/Paris")
    late = to_ms(datetime.combine(DAY0, time(22, 30), UTC))  # 23:30 in Paris, then past midnight
    ingest(store, pricer, events=[
        UsageEvent(source="codex", key=f"k{i}", ts_ms=late + i * 1_200_000, model=MODELS[2], provider=None,
                   session="codex:late", project="acme", tokens=Tokens(input_tokens=100)) for i in range(4)])
    first = usage.usage_table(store, zone, "sessions", DAY0, DAY0)
    second = usage.usage_table(store, zone, "sessions", DAY0 + timedelta(days=1), DAY0 + timedelta(days=1))
    both = usage.usage_table(store, zone, "sessions", DAY0, DAY0 + timedelta(days=1))
    assert [r["input_tokens"] for r in first.rows + second.rows + both.rows] == [200, 200, 400]
    assert first.rows[0]["first_seen"] == "2026-03-20T23:30:00+01:00"
    assert second.rows[0]["first_seen"] == "2026-03-21T00:10:00+01:00"


def test_windows_are_split_into_whole_hours_and_edges():
    h = 3_600_000
    inner, edges = rollup_reads.split_at_hours([Window("a", None, h + 1800_000, 5 * h + 900_000),
                                                Window("b", None, 7 * h + 5, 7 * h + 900),
                                                Window("c", None, -h - 5, 2 * h)])
    assert inner == [("a", 2 * h, 5 * h), ("c", h, 2 * h)]
    assert edges == [("a", h + 1800_000, 2 * h), ("a", 5 * h, 5 * h + 900_000), ("b", 7 * h + 5, 7 * h + 900),
                     ("c", -h - 5, h)]


def test_whole_hours_are_split_into_whole_days_and_hours_about_the_plans_bounds():
    """The project rollup by day answers a window's whole UTC days (not the first day of 1970, which also
    holds the day before: SQLite rounds toward zero), each end from the side with fewer hours (a day less
    the hours outside the window), short windows by the hour; a day holding a plan's bound (a local
    midnight) is read by the hour, so that each day is wholly covered or not."""
    h, d = 3_600_000, 86_400_000
    inner = [("a", 10 * d - 5 * h, 20 * d + 3 * h), ("b", 30 * d + h, 30 * d + 5 * h), ("c", h, 3 * d),
             ("paris", 40 * d + 23 * h, 41 * d + 23 * h), ("west", 50 * d + 2 * h, 51 * d + 2 * h)]
    covered = {"claude_code": [(12 * d - h, 15 * d)], "codex": [(13 * d + 2 * h, 13 * d + 4 * h)]}
    days, hours, less = rollup_reads.split_at_days(inner, covered)
    assert days == [("a", 10 * d, 11 * d), ("a", 12 * d, 13 * d), ("a", 14 * d, 20 * d), ("c", d, 3 * d),
                    ("paris", 41 * d, 42 * d), ("west", 50 * d, 51 * d)]
    assert sorted(hours) == sorted([("a", 10 * d - 5 * h, 10 * d), ("a", 20 * d, 20 * d + 3 * h),
                                    ("a", 11 * d, 12 * d), ("a", 13 * d, 14 * d),
                                    ("b", 30 * d + h, 30 * d + 5 * h), ("c", h, d),
                                    ("paris", 40 * d + 23 * h, 41 * d), ("west", 51 * d, 51 * d + 2 * h)])
    assert sorted(less) == [("paris", 41 * d + 23 * h, 42 * d), ("west", 50 * d, 50 * d + 2 * h)]
    assert rollup_reads.split_at_days(inner, None)[0][:2] == [("a", 10 * d, 20 * d), ("c", d, 3 * d)]


def test_a_project_used_only_in_the_hour_a_day_leaves_out_is_not_in_that_day(store, pricer):
    """A Paris day is its UTC day less its last hour, plus the hour before: a project whose only request is
    in that last hour (the next Paris day) has no row that day, and one the next."""
    late = to_ms(datetime.combine(DAY0 - timedelta(days=5), time(23, 30), UTC))  # 00:30 the next day in Paris
    ingest(store, pricer, events=[
        UsageEvent(source="codex", key="late", ts_ms=late, model=MODELS[2], provider=None, session="codex:late",
                   project="late-night", tokens=Tokens(input_tokens=100)),
        UsageEvent(source="codex", key="noon", ts_ms=late - 11 * 3_600_000, model=MODELS[2], provider=None,
                   session="codex:noon", project="noon", tokens=Tokens(input_tokens=7))])
    zone = get_zone("Europe/Paris")
    day = DAY0 - timedelta(days=5)
    report = reports.usage_report(store, zone, "day", "project", day, day + timedelta(days=1))
    assert [(r["date"], r["project"], r["input_tokens"]) for r in report["rows"]] == \
        [(day.isoformat(), "noon", 7), ((day + timedelta(days=1)).isoformat(), "late-night", 100)]
    with _events_only(store):
        assert reports.usage_report(store, zone, "day", "project", day, day + timedelta(days=1)) == report


def test_upgrade_fills_the_rollups_from_the_events_already_stored(tmp_path, pricer):
    """m130 builds the project and session rollups (and the hourly one with its priced rows) from history."""
    from tests.old_schema import insert_rows
    from tracker.services.ingest import price_event
    from tracker.storage import open_store
    from tracker.storage.db import connect
    from tracker.storage.migrations import migrations
    from tracker.storage.store import EVENT_COLUMNS, Store, event_row

    path = tmp_path / "old.db"
    db = connect(path)
    migrations.apply(db, stop_before="m130_project_and_session_rollups")
    rows = [event_row(price_event(pricer, e)) for e in _events(random.Random(21), 300, "u")]
    with Store(db, path, tmp_path / "backups").atomic():
        insert_rows(db, "events", EVENT_COLUMNS, rows, replace=True)
    db.close()
    with open_store(path) as store:
        check_tables(store)
        check_aggregates(store, window_sets("Europe/Paris")[0])
        ingest(store, pricer, events=_events(random.Random(22), 100, "v"))  # the new triggers keep them exact
        check_tables(store)


def test_a_first_import_fills_every_rollup_once(store, pricer):
    """The bulk path drops the rollups' triggers for a first import and fills each rollup at its end."""
    from tracker.services.ingest import price_event
    from tracker.storage.bulk import bulk_writes

    events = [price_event(pricer, e) for e in _events(random.Random(23), 400, "k")]
    triggers_during = []
    with bulk_writes(store):
        triggers_during.append(store.conn.execute(
            "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'events'").fetchone()[0])
        store.write_batch(events=events, keep_most_complete=True)
    assert triggers_during == [0]
    check_tables(store)
    ingest(store, pricer, events=_events(random.Random(24), 100, "k"), keep_most_complete=True)
    check_tables(store)
    check_sessions(store, *(lambda d: (d[0].start_ms, d[-1].end_ms))(window_sets("UTC")[0]))


def test_a_rollup_without_its_triggers_is_not_read(store, pricer):
    """A migration that rebuilt events would drop the triggers: that rollup is then stale, and events answer."""
    from tracker.storage import open_store

    ingest(store, pricer, events=_events(random.Random(25), 200, "c"))
    store.conn.execute(f"DROP TRIGGER {SESSIONS.triggers[0]}")
    ingest(store, pricer, events=_events(random.Random(26), 200, "d"))  # the sessions rollup misses these
    with open_store(store.path) as fresh:
        assert fresh.live_rollups() == {r.table for r in LIVE_ROLLUPS} - {SESSIONS.table}
        check_aggregates(fresh, window_sets("UTC")[0], (("source", "session"), ("source", "project")))
        days = window_sets("UTC")[0]
        check_sessions(fresh, days[0].start_ms, days[-1].end_ms)
