"""`tracker report` shows fast-mode, web-search and audio usage priced, or marked "partly priced"."""

import json
from datetime import date

from click.testing import CliRunner

from tests.old_schema import insert_rows
from tracker.cli import main
from tracker.core.records import UsageBucket, UsageEvent
from tracker.core.timeutil import Window, get_zone
from tracker.core.tokens import Tokens
from tracker.services.context import open_context
from tracker.services.ingest import ingest
from tracker.services.reports import usage_report
from tracker.storage import open_store
from tracker.storage.db import connect
from tracker.storage.migrations import migrations
from tracker.storage.store import EVENT_COLUMNS, Store, event_row

DAY_MS = 1780272000000  # 2026-06-01T00:00:00Z
TEXT = Tokens(input_tokens=1000, output_tokens=500)


def _event(key, model, hour, **fields):
    return UsageEvent(source="claude_code", key=key, ts_ms=DAY_MS + hour * 3_600_000, model=model,
                      provider="anthropic", tokens=TEXT, **fields)


def _usage(ctx):
    ingest(ctx.store, ctx.pricer, events=[
        _event("fast", "claude-opus-4-6", 9, speed="fast"),  # priced at the fast rate (6x)
        _event("fast-unknown", "claude-sonnet-4-5", 10, speed="fast"),  # nobody prices it: marked
        _event("search", "claude-sonnet-4-5", 11, units={"web_searches": 5}),  # $10 per 1,000 searches
    ], buckets=[
        UsageBucket(source="openai", account="org", kind="completions", start_s=DAY_MS // 1000, width_s=86_400,
                    model="gpt-4o-audio-preview-2024-12-17", provider="openai", tokens=TEXT, requests=2,
                    units={"input_audio_tokens": 400, "output_audio_tokens": 200}),  # audio at audio rates
        UsageBucket(source="openai", account="org", kind="completions", start_s=DAY_MS // 1000, width_s=86_400,
                    model="gpt-4o-audio-preview-2024-10-01", provider="openai", tokens=TEXT, requests=3,
                    units={"input_audio_tokens": 400}),  # a snapshot whose audio rate is unknown: marked
    ])


def test_report_prices_fast_mode_web_searches_and_audio_or_marks_them(tracker_home):
    with open_context() as ctx:
        _usage(ctx)
    runner = CliRunner()
    args = ["report", "daily", "--since", "2026-06-01", "--until", "2026-06-01", "--tz", "UTC"]
    doc = json.loads(runner.invoke(main, [*args, "--json"]).output)
    rows = {(r["source"], r["model"]): r for r in doc["rows"]}
    assert rows[("claude_code", "claude-opus-4-6")]["cost_usd"] == "0.105000"  # $30 / $150 per MTok
    sonnet = rows[("claude_code", "claude-sonnet-4-5")]
    # 2 requests at $3 / $15 per MTok, and 5 web searches at $0.01
    assert sonnet["cost_usd"] == "0.071000" and sonnet["partly_priced_requests"] == 1
    assert rows[("openai", "gpt-4o-audio-preview-2024-12-17")]["cost_usd"] == "0.036500"
    older = rows[("openai", "gpt-4o-audio-preview-2024-10-01")]
    assert older["partly_priced_requests"] == 3 and older["unpriced_requests"] == 0
    assert doc["totals"]["partly_priced_requests"] == 4
    text = runner.invoke(main, args).output
    assert "Partly priced" in text
    assert "4 request(s) are partly priced" in text and "lower bound" in text


def test_partly_priced_counts_agree_between_the_rollup_and_the_events(tmp_path):
    from tracker.pricing import Pricer

    with open_store(tmp_path / "t.db") as store:
        ingest(store, Pricer(), events=[_event("a", "claude-sonnet-4-5", 1, speed="fast"),
                                        _event("b", "claude-sonnet-4-5", 2)])
        hourly = [Window("d", date(2026, 6, 1), DAY_MS, DAY_MS + 86_400_000)]
        odd = [Window("d", date(2026, 6, 1), DAY_MS + 1, DAY_MS + 86_400_000)]  # not hour-aligned: reads events
        rolled = store.aggregate(hourly, group_by=["source", "model"], include_buckets=False)
        direct = store.aggregate(odd, group_by=["source", "model"], include_buckets=False)
        assert rolled[0]["partly_priced_requests"] == direct[0]["partly_priced_requests"] == 1
        store.conn.execute("UPDATE events SET partly_priced = NULL")  # a reprice that found the rate
        store.conn.commit()
        assert store.aggregate(hourly, group_by=["source"], include_buckets=False)[0]["partly_priced_requests"] == 0


def test_upgrade_keeps_usage_and_rebuilds_the_rollup_with_partly_priced(tmp_path):
    from tracker.pricing import Pricer

    path = tmp_path / "old.db"
    db = connect(path)
    migrations.apply(db, stop_before="m090_price_classes")
    event = _event("old", "claude-sonnet-4-5", 3)
    from tracker.services.ingest import price_event

    price_event(Pricer(), event)
    with Store(db, path, tmp_path / "backups").atomic():
        insert_rows(db, "events", EVENT_COLUMNS, [event_row(event)])
    db.close()
    with open_store(path) as store:
        assert store._rollup_live()
        ingest(store, Pricer(), events=[_event("new", "claude-sonnet-4-5", 4, speed="fast")])
        report = usage_report(store, get_zone("UTC"), since=date(2026, 6, 1), until=date(2026, 6, 1))
        [row] = report["rows"]
        assert (row["requests"], row["partly_priced_requests"]) == (2, 1)
        assert row["cost_usd"] == "0.021000"  # both at the standard rate: the fast one is a lower bound


def test_the_usage_page_summary_says_how_many_requests_are_partly_priced(tracker_home):
    from tracker.services.usage import usage_table

    with open_context() as ctx:
        _usage(ctx)
        table = usage_table(ctx.store, get_zone("UTC"), "daily", date(2026, 6, 1), date(2026, 6, 1))
    assert "4 partly priced requests (a price class with no known rate: their cost is a lower bound)" in table.summary


def test_a_provider_row_without_request_counts_is_null_only_when_nothing_in_it_is_priced(tmp_path):
    """Anthropic's report has no request count: one unpriced row beside priced ones made the whole
    day's cost null (the request rule alone); only rows with no cost at all are null."""
    from tracker.pricing import Pricer

    def row(model, tokens):
        return UsageBucket(source="anthropic", account="org", kind="messages", start_s=DAY_MS // 1000,
                           width_s=86_400, model=model, provider="anthropic", tokens=tokens)

    with open_store(tmp_path / "t.db") as store:
        ingest(store, Pricer(), buckets=[row("claude-sonnet-4-5", TEXT), row("mystery-model", TEXT)])
        doc = usage_report(store, get_zone("UTC"), by="source", since=date(2026, 6, 1), until=date(2026, 6, 1))
        [day] = doc["rows"]
        assert (day["cost_usd"], day["unpriced_requests"], day["requests"]) == ("0.010500", 1, 0)
        assert doc["totals"]["cost_usd"] == "0.010500"
        models = {r["model"]: r for r in usage_report(store, get_zone("UTC"), since=date(2026, 6, 1),
                                                       until=date(2026, 6, 1))["rows"]}
        assert models["mystery-model"]["cost_usd"] is None and models["claude-sonnet-4-5"]["cost_usd"] == "0.010500"


def test_reprice_after_adding_the_missing_rate_clears_the_mark(tracker_home):
    from tracker.paths import get_paths

    with open_context() as ctx:
        _usage(ctx)
    get_paths().user_prices_path.write_text(json.dumps({
        "models": {}, "variants": {"claude-sonnet-4-5": [{"when": {"speed": "fast"}, "multiplier": "2"}]},
        "classes": {"gpt-4o-audio-preview-2024-10-01": [{"input_audio_mtok": "100"}]}}))
    runner = CliRunner()
    result = runner.invoke(main, ["reprice", "--json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(runner.invoke(main, ["report", "daily", "--json", "--since", "2026-06-01", "--until",
                                          "2026-06-01", "--tz", "UTC"]).output)
    rows = {r["model"]: r for r in doc["rows"]}
    assert doc["totals"]["partly_priced_requests"] == 0
    # the fast request now at twice the standard rate: 0.0105 more than before
    assert rows["claude-sonnet-4-5"]["cost_usd"] == "0.081500"
    # 400 audio tokens at $100 instead of $2.50 per MTok
    assert rows["gpt-4o-audio-preview-2024-10-01"]["cost_usd"] == "0.046500"
