"""The value commands end to end, through click, on a private TRACKER_HOME."""

from __future__ import annotations

import json
from calendar import monthrange
from datetime import date, timedelta
from decimal import Decimal

import pytest
from click.testing import CliRunner
from value_helpers import USD, event

from tracker.cli import main
from tracker.paths import get_paths
from tracker.storage import open_store


def run(*args, ok=True):
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    if ok:
        assert result.exit_code == 0, result.output
    return result


def test_demo_roi_json_shape():
    doc = json.loads(run("--demo", "roi", "--json").output)
    assert doc["period"] == "month" and doc["currency"] == "USD"
    names = {t["tag"] for t in doc["tags"]}
    assert {"ACME", "Globex", "tracker", "dotfiles", "support bot", "ACME checkout", "untagged"} <= names
    acme = next(t for t in doc["tags"] if t["tag"] == "ACME")
    assert acme["tag_kind"] == "client" and acme["rank"] == 1
    assert float(acme["cost_usd"]) > 0 and float(acme["value_usd"]) > 0 and float(acme["roi"]) > 0
    bot = next(t for t in doc["tags"] if t["tag"] == "support bot")
    assert bot["kpis"][0]["unit"] == "tickets resolved" and bot["kpis"][0]["cost_per_unit_usd"]
    for key in ("cost_usd", "value_usd", "roi", "kpis", "trend", "rank", "unpriced_requests"):
        assert key in acme
    row = doc["rows"][0]
    for key in ("period", "start", "end", "complete", "tag", "tag_kind", "cost_usd", "value_usd", "roi", "kpis"):
        assert key in row
    assert set(doc["totals"]) >= {"cost_usd", "value_usd", "roi", "untagged_cost_usd"}
    assert doc["leverage"]["reference_share"] == "0.5"
    assert isinstance(doc["flagged"], list)
    # costs of all tags add up to the total: nothing counted twice, nothing lost
    total = sum(int(round(float(t["cost_usd"]) * 1e6)) for t in doc["tags"])
    assert abs(total - round(float(doc["totals"]["cost_usd"]) * 1e6)) <= len(doc["tags"])
    weekly = json.loads(run("--demo", "roi", "--by", "tag", "--period", "week", "--json").output)
    assert weekly["period"] == "week" and weekly["rows"][0]["period"].count("-W") == 1


def test_demo_alerts_and_report_by_tag():
    doc = json.loads(run("--demo", "alerts", "--json").output)
    assert set(doc) >= {"baseline", "week_over_week", "forecast", "alerts", "spikes"}
    assert doc["baseline"]["days"] == 28
    text = run("--demo", "alerts").output
    assert "Forecast for" in text and "mean day $" in text and "over the last 14 days" in text


def test_alerts_before_any_usage_say_there_is_no_forecast_yet():
    """A new user's `tracker alerts` read "$0.00 (band $0.00 to $0.00) ... mean day $0.00 over the last 0 days"."""
    text = run("alerts").output
    assert "none yet, no day of usage to forecast from" in text
    assert "over the last 0 days" not in text and "band" not in text
    report = json.loads(run("--demo", "report", "monthly", "--by", "tag", "--json").output)
    assert {r["tag"] for r in report["rows"]} >= {"ACME", "untagged", "support bot"}


@pytest.fixture
def home_with_usage():
    paths = get_paths().ensure()
    store = open_store(paths.db_path, paths.backup_dir)
    day = date.today() - timedelta(days=3)
    store.write_batch(events=[
        event("a", day, 2 * USD, project="acme-webshop", git_branch="main"),
        event("b", day, 3 * USD, project="acme-webshop", git_branch="feature/x"),
        event("c", day, 5 * USD, project="other"),
    ])
    store.close()
    return day


def test_tags_rules_values_flow(home_with_usage, tmp_path):
    day = home_with_usage
    run("tags", "add", "ACME", "--kind", "client", "--billing", '{"name": "ACME Ltd"}')
    run("tags", "add", "Checkout", "--kind", "project")
    assert "already exists" in run("tags", "add", "ACME", "--kind", "client", ok=False).output
    out = run("tags", "rule", "add", "ACME", "--project", "acme-*").output
    assert "2 events" in out
    run("tags", "rule", "add", "Checkout", "--priority", "5", "--project", "acme-*", "--branch", "feature/*",
        "--since", (day - timedelta(days=1)).isoformat(), "--until", day.isoformat())
    rules = json.loads(run("tags", "rule", "list", "--json").output)["rules"]
    assert [r["tag"] for r in rules] == ["Checkout", "ACME"]
    tags = {t["name"]: t for t in json.loads(run("tags", "list", "--json").output)["tags"]}
    assert tags["ACME"]["cost_usd"] == "2.000000" and tags["Checkout"]["cost_usd"] == "3.000000"
    assert tags["untagged"]["cost_usd"] == "5.000000"
    run("tags", "assign", "ACME", "--project", "other", "--since", day.isoformat())
    tags = {t["name"]: t for t in json.loads(run("tags", "list", "--json").output)["tags"]}
    assert tags["ACME"]["cost_usd"] == "7.000000" and tags["ACME"]["hand_assigned"] == 1
    run("tags", "rule", "remove", str(rules[0]["id"]))
    tags = {t["name"]: t for t in json.loads(run("tags", "list", "--json").output)["tags"]}
    assert tags["ACME"]["cost_usd"] == "10.000000"

    month = day.strftime("%Y-%m")
    assert "replacing" not in run("value", "add", "ACME", "--period", month, "--amount", "90", "--note", "draft").output
    out = run("value", "add", "ACME", "--period", month, "--amount", "100").output
    assert "(replacing the earlier entry of 90, note 'draft')" in out  # one entry per tag and period: said so
    run("value", "add", "Checkout", "--period", month, "--kpi", "pull requests merged", "--quantity", "4")
    entries = json.loads(run("value", "list", "--json").output)["entries"]
    assert len(entries) == 2
    doc = json.loads(run("roi", "--json", "--since", day.isoformat(), "--until", day.isoformat()).output)
    acme = next(t for t in doc["tags"] if t["tag"] == "ACME")
    assert acme["cost_usd"] == "10.000000"

    bad = tmp_path / "values.csv"
    bad.write_text("tag,period,amount\nACME,2026-11,5\nNobody,2026-11,5\n")
    result = run("value", "import", str(bad), ok=False)
    assert result.exit_code == 1
    assert "line 3: unknown tag 'Nobody'" in result.output and "Nothing imported" in result.output
    assert len(json.loads(run("value", "list", "--json").output)["entries"]) == 2
    result = run("value", "import", str(bad), "--skip-bad", "--json")
    assert json.loads(result.output)["written"] == 1

    run("alerts", "set", "--budget", "12.50", "--week-over-week-pct", "40")
    doc = json.loads(run("alerts", "--json").output)
    assert doc["forecast"]["budget_usd"] == "12.50" and doc["week_over_week"]["threshold_pct"] == "40"
    run("value", "compensation", "120000")
    assert json.loads(run("roi", "--json").output)["leverage"]["annual_compensation"] == "120000.00"
    run("tags", "remove", "ACME")
    tags = {t["name"]: t for t in json.loads(run("tags", "list", "--json").output)["tags"]}
    assert "ACME" not in tags and tags["untagged"]["cost_usd"] == "10.000000"


def test_every_value_command_has_help():
    for args in (["tags"], ["tags", "rule"], ["tags", "edit"], ["value"], ["roi"], ["alerts"], ["tags", "assign"], ["value", "import"]):
        out = run(*args, "--help").output
        assert "Usage:" in out and len(out.splitlines()) > 3


def test_roi_text_shows_value_it_cannot_convert(home_with_usage):
    day = home_with_usage
    run("tags", "add", "ACME", "--kind", "client")
    run("tags", "rule", "add", "ACME", "--project", "acme-*")
    run("value", "add", "ACME", "--period", day.strftime("%Y-%m"), "--amount", "250", "--currency", "CHF")
    out = run("roi", "--since", day.isoformat(), "--until", day.isoformat()).output
    # a value with no USD rate is neither lost nor counted as $0: it is said to be unconverted (the
    # day's share of the month's 250 CHF)
    share = (Decimal(250) / monthrange(day.year, day.month)[1]).quantize(Decimal("0.01"))
    assert f"{share} CHF not converted" in out
    assert "tracker value rate CHF" in out
