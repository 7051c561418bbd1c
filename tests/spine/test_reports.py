import json
from datetime import date, datetime, timezone
from decimal import Decimal

import pytest
from click.testing import CliRunner

from tracker.cli import main
from tracker.core.records import UsageEvent
from tracker.core.timeutil import get_zone, windows
from tracker.core.tokens import Tokens
from tracker.services.ingest import ingest
from tracker.services.reports import usage_report

ROW_KEYS = {"date", "source", "model", "input_tokens", "cache_read_tokens", "cache_write_tokens",
            "output_tokens", "reasoning_tokens", "requests", "cost_usd", "unpriced_requests"}


def at(text):
    return int(datetime.fromisoformat(text).replace(tzinfo=timezone.utc).timestamp() * 1000)


def ev(key, iso, model="claude-sonnet-4-5", **tokens):
    return UsageEvent(source="claude_code", key=key, ts_ms=at(iso), model=model, provider="anthropic",
                      tokens=Tokens(**(tokens or {"input_tokens": 100, "output_tokens": 10})))


def days_of(report):
    return {(r["date"], r["model"]): r["requests"] for r in report["rows"]}


def test_report_json_shape_and_exact_totals(store, pricer):
    ingest(store, pricer, events=[ev("a", "2026-05-01T10:00:00", input_tokens=100_000),
                                  ev("b", "2026-05-01T11:00:00", output_tokens=1_000_000),
                                  ev("c", "2026-05-02T11:00:00", model="mystery-model")])
    report = usage_report(store, get_zone("UTC"), since=date(2026, 5, 1), until=date(2026, 5, 2))
    assert report["timezone"] == "UTC"
    assert {"rows", "totals", "timezone"} <= set(report)
    for row in report["rows"]:
        assert ROW_KEYS <= set(row)
    first = report["rows"][0]
    assert first["date"] == "2026-05-01" and first["source"] == "claude_code"
    assert first["cost_usd"] == "15.300000"  # 100k x $3/M input + 1M x $15/M output
    assert isinstance(first["cost_usd"], str)
    mystery = [r for r in report["rows"] if r["model"] == "mystery-model"][0]
    assert mystery["cost_usd"] is None and mystery["unpriced_requests"] == 1
    assert report["totals"]["cost_usd"] == "15.300000"
    assert report["totals"]["unpriced_requests"] == 1
    assert report["totals"]["requests"] == 3


def test_day_bucketing_follows_the_timezone(store, pricer):
    # 23:30 UTC on May 1 is already May 2 in Tokyo and still May 1 in New York.
    ingest(store, pricer, events=[ev("a", "2026-05-01T23:30:00"), ev("b", "2026-05-02T03:30:00")])
    utc = usage_report(store, get_zone("UTC"), since=date(2026, 4, 30), until=date(2026, 5, 3))
    tokyo = usage_report(store, get_zone("Asia/Tokyo"), since=date(2026, 4, 30), until=date(2026, 5, 3))
    new_york = usage_report(store, get_zone("America/New_York"), since=date(2026, 4, 30), until=date(2026, 5, 3))
    assert days_of(utc) == {("2026-05-01", "claude-sonnet-4-5"): 1, ("2026-05-02", "claude-sonnet-4-5"): 1}
    assert days_of(tokyo) == {("2026-05-02", "claude-sonnet-4-5"): 2}
    assert days_of(new_york) == {("2026-05-01", "claude-sonnet-4-5"): 2}


def test_dst_fall_back_day_has_25_hours(store, pricer):
    # New York leaves DST on 2026-11-01: that local day runs 04:00Z..05:00Z next day.
    zone = get_zone("America/New_York")
    day = windows(date(2026, 11, 1), date(2026, 11, 1), "day", zone)[0]
    assert day.end_ms - day.start_ms == 25 * 3600 * 1000
    ingest(store, pricer, events=[
        ev("first", "2026-11-01T04:00:00"),   # 00:00 EDT: first instant of Nov 1
        ev("late", "2026-11-02T04:59:59"),    # 23:59:59 EST: last second of Nov 1
        ev("next", "2026-11-02T05:00:00"),    # 00:00 EST Nov 2
        ev("before", "2026-11-01T03:59:59"),  # 23:59:59 EDT Oct 31
    ])
    report = usage_report(store, zone, since=date(2026, 10, 31), until=date(2026, 11, 2))
    assert days_of(report) == {("2026-10-31", "claude-sonnet-4-5"): 1, ("2026-11-01", "claude-sonnet-4-5"): 2,
                               ("2026-11-02", "claude-sonnet-4-5"): 1}


def test_dst_spring_forward_day_has_23_hours():
    day = windows(date(2026, 3, 29), date(2026, 3, 29), "day", get_zone("Europe/Paris"))[0]
    assert day.end_ms - day.start_ms == 23 * 3600 * 1000


def test_weekly_and_monthly_labels(store, pricer):
    ingest(store, pricer, events=[ev("a", "2026-06-01T10:00:00"), ev("b", "2026-06-07T10:00:00"),
                                  ev("c", "2026-06-08T10:00:00")])
    weekly = usage_report(store, get_zone("UTC"), period="week", since=date(2026, 6, 1), until=date(2026, 6, 30))
    assert [(r["week"], r["requests"]) for r in weekly["rows"]] == [("2026-W23", 2), ("2026-W24", 1)]
    monthly = usage_report(store, get_zone("UTC"), period="month", since=date(2026, 6, 1), until=date(2026, 6, 30))
    assert [(r["month"], r["requests"]) for r in monthly["rows"]] == [("2026-06", 3)]


def test_cli_report_daily_json_over_demo_data():
    runner = CliRunner()
    result = runner.invoke(main, ["--demo", "report", "daily", "--json", "--tz", "UTC"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    assert doc["timezone"] == "UTC"
    assert len({r["date"] for r in doc["rows"]}) >= 89
    assert {r["source"] for r in doc["rows"]} >= {"claude_code", "codex", "gemini_cli", "openai", "openrouter"}
    for row in doc["rows"]:
        assert ROW_KEYS <= set(row)
    priced = [Decimal(r["cost_usd"]) for r in doc["rows"] if r["cost_usd"] is not None]
    # the total is the exact sum rounded once; each row is rounded to the micro-dollar on its own
    assert abs(Decimal(doc["totals"]["cost_usd"]) - sum(priced)) <= Decimal("0.0000005") * len(priced)
    assert doc["totals"]["unpriced_requests"] > 0  # the demo's unknown model is shown, not hidden
    assert doc["billed"] and {"date", "source", "estimated_usd", "billed_usd"} <= set(doc["billed"][0])


def test_the_text_report_says_what_a_provider_billed_in_dollars():
    """The text form's billed line: "billed 525.819925 USD against an estimate of 525.904951 USD" read as
    six-decimal sums; in dollars and cents now, the same sums as the JSON's billed lines."""
    doc = json.loads(CliRunner().invoke(main, ["--demo", "report", "daily", "--json"]).output)
    text = CliRunner().invoke(main, ["--demo", "report", "daily"]).output
    lines = [b for b in doc["billed"] if b["source"] == "openai"]
    billed, est = (sum(Decimal(b[key]) for b in lines) for key in ("billed_usd", "estimated_usd"))
    assert (f"openai: billed ${billed:,.2f} against an estimate of ${est:,.2f} over the {len(lines)} day(s) "
            "it reported") in text
    assert " USD against" not in text


@pytest.mark.parametrize("kind", ["daily", "sessions", "projects"])
def test_an_empty_text_report_says_how_to_fill_it(tmp_path, monkeypatch, kind):
    """No usage in the range: the table and its $0.00 total, then what to run (it printed the empty table
    alone); the JSON and CSV forms stay as they are."""
    monkeypatch.setenv("TRACKER_HOME", str(tmp_path / "home"))
    result = CliRunner().invoke(main, ["report", kind, "--since", "2026-01-01", "--until", "2026-01-31"])
    assert result.exit_code == 0, result.output
    assert "Total" in result.output
    assert "No usage from 2026-01-01 to 2026-01-31. `tracker import` reads your coding agents' logs" in result.output
    assert "`tracker --demo report daily`" in result.output
    demo = CliRunner().invoke(main, ["--demo", "report", kind])
    assert "No usage from" not in demo.output
    as_json = CliRunner().invoke(main, ["report", kind, "--json", "--since", "2026-01-01", "--until", "2026-01-31"])
    assert "No usage" not in as_json.output and json.loads(as_json.output)


@pytest.mark.parametrize("kind", ["weekly", "monthly", "sessions", "projects"])
def test_cli_other_reports_run(kind):
    result = CliRunner().invoke(main, ["--demo", "report", kind, "--tz", "Europe/Paris"])
    assert result.exit_code == 0, result.output
    assert "Total" in result.output


def test_cli_csv_has_header_and_rows():
    result = CliRunner().invoke(main, ["--demo", "report", "daily", "--csv", "--by", "source"])
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert lines[0].startswith("date,source,input_tokens")
    assert len(lines) > 90
    empty = CliRunner().invoke(main, ["--demo", "report", "daily", "--csv", "--by", "source",
                                      "--since", "2020-01-01", "--until", "2020-01-02"])
    assert empty.exit_code == 0 and empty.output.splitlines() == [lines[0]]  # no rows: still the same header


@pytest.mark.parametrize("args,message", [
    (["report", "daily", "--tz", "Mars/Olympus"], "Unknown timezone"),
    (["report", "daily", "--since", "2026-05-02", "--until", "2026-05-01"], "before"),
    (["report", "daily", "--since", "May 1"], "YYYY-MM-DD"),
])
def test_cli_bad_input_is_a_clear_error(args, message):
    result = CliRunner().invoke(main, args)
    assert result.exit_code != 0
    assert message in result.output
    assert "Traceback" not in result.output


def test_paths_honours_tracker_home(tracker_home):
    result = CliRunner().invoke(main, ["paths", "--json"])
    assert result.exit_code == 0
    paths = json.loads(result.output)
    assert all(value.startswith(str(tracker_home)) for value in paths.values())


def test_reprice_prices_a_model_after_an_override(store, pricer, tracker_home):
    runner = CliRunner()
    from tracker.paths import get_paths
    from tracker.services.context import open_context

    with open_context() as ctx:
        ingest(ctx.store, ctx.pricer, events=[ev("x", "2026-05-01T10:00:00", model="mystery-model")])
    get_paths().user_prices_path.write_text(json.dumps({"models": {"mystery-model": {"input_mtok": "1", "output_mtok": "2"}}}))
    result = runner.invoke(main, ["reprice", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["newly_priced"] == 1
    report = runner.invoke(main, ["report", "daily", "--json", "--since", "2026-05-01", "--until", "2026-05-01", "--tz", "UTC"])
    row = json.loads(report.output)["rows"][0]
    assert row["cost_usd"] == "0.000120" and row["unpriced_requests"] == 0


def test_possible_overlap_between_org_figures_and_agent_logs_is_said(store, pricer):
    from tracker.core.records import UsageBucket

    day_s = at("2026-05-01T00:00:00") // 1000
    ingest(store, pricer, events=[ev("a", "2026-05-01T10:00:00")],
           buckets=[UsageBucket(source="anthropic", account="org", kind="messages", start_s=day_s, width_s=86400,
                                model="claude-sonnet-4-5", provider="anthropic", tokens=Tokens(input_tokens=5))])
    report = usage_report(store, get_zone("UTC"), since=date(2026, 5, 1), until=date(2026, 5, 1))
    assert len(report["notes"]) == 1 and "Claude Code" in report["notes"][0]
    alone = usage_report(store, get_zone("UTC"), since=date(2026, 5, 1), until=date(2026, 5, 1),
                         sources=["claude_code"])
    assert "notes" not in alone


def test_no_display_gives_a_way_out_instead_of_a_qt_abort(monkeypatch):
    for name in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr("sys.platform", "linux")
    result = CliRunner().invoke(main, ["--demo"])
    assert result.exit_code == 1
    assert "No graphical display" in result.output and "tracker --demo report daily" in result.output


def test_usage_without_a_request_count_is_not_called_no_usage(store, pricer):
    """Droid keeps a session's token totals, not its requests (0): a range of only that is usage all the same,
    not "No usage from ... to ...", which the text report said under its own figures."""
    from tracker import cli_format

    ingest(store, pricer, events=[UsageEvent(source="droid", key="s1", ts_ms=1_780_000_000_000,
                                             model="claude-sonnet-4-5", requests=0,
                                             tokens=Tokens(input_tokens=5000, output_tokens=700))])
    doc = usage_report(store, get_zone("UTC"), "day", since=date(2026, 5, 27), until=date(2026, 5, 29))
    assert doc["totals"]["requests"] == 0 and doc["totals"]["input_tokens"] == 5000
    assert not any("No usage" in note for note in cli_format.report_notes(doc))
    empty = usage_report(store, get_zone("UTC"), "day", since=date(2026, 1, 1), until=date(2026, 1, 2))
    assert any(note.startswith("\nNo usage from 2026-01-01 to 2026-01-02.") for note in cli_format.report_notes(empty))
