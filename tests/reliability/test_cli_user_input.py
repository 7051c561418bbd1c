"""What a user types into the command line, wrong: one sentence about it, never a traceback.

Numbers far out of range where a user sets them are refused at once: each of these was accepted
once (exit 0) and then broke the command that reads it, on every run, with a traceback
(OverflowError at the SQLite write, decimal.InvalidOperation when formatting). Files the user
names (exports) that cannot be written are named in the message.
"""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from tracker.cli import main
from tracker.paths import demo_paths
from tracker.services.context import open_context


@pytest.fixture(autouse=True)
def _home(tmp_path, monkeypatch):
    monkeypatch.setenv("TRACKER_HOME", str(tmp_path / "home"))


def run(*args):
    return CliRunner().invoke(main, ["--demo", *args])


@pytest.mark.parametrize("setting, reader, says", [
    (("nudges", "set", "lookback_days", "99999999999999999999"), ("nudges", "--json"), "from 1 to 3,650"),
    (("nudges", "set", "min_simple_share_percent", "150"), ("nudges", "--json"), "from 0 to 100"),
    (("nudges", "set", "min_weekly_savings_usd", "1e400"), ("nudges", "--json"), "from 0 to 1,000,000,000"),
    (("alerts", "set", "--budget", "1e400"), ("alerts", "--json"), "more than 1,000,000,000,000"),
    (("alerts", "set", "--spike-multiple", "0"), ("alerts", "--json"), "above 0"),
    (("nudges", "snooze", "x", "--days", "99999999999"), ("nudges", "--json"), "1<=x<=3650"),
    (("value", "add", "ACME", "--period", "2026-11", "--amount", "1e23"), ("roi", "--json"),
     "more than 1,000,000,000,000"),
    (("value", "compensation", "1e400"), ("roi", "--json"), "more than 1,000,000,000,000"),
    (("tags", "rule", "add", "ACME", "--priority", "99999999999999999999", "--all"), ("tags", "list", "--json"),
     "from -1,000,000 to 1,000,000"),
    (("value", "list", "--since", "2026-12-01", "--until", "2026-11-01"), ("value", "list", "--json"),
     "ends (2026-11-01) before it starts"),
])
def test_out_of_range_settings_are_refused_where_they_are_set(setting, reader, says):
    refused = run(*setting)
    assert refused.exit_code in (1, 2) and says in refused.output and "Traceback" not in refused.output, refused.output
    after = run(*reader)
    assert after.exit_code == 0, after.output
    json.loads(after.output)


def test_unusable_stored_alert_settings_fall_back_and_say_so():
    """A budget stored before `alerts set` checked it (or by hand) no longer breaks `tracker alerts`."""
    assert run("alerts", "--json").exit_code == 0  # builds the demo database
    with open_context(demo_paths(), demo=True) as app:
        app.store.set_setting("alerts.monthly_budget_usd", "1e400")
        app.store.set_setting("alerts.spike_multiple", "lots")
    result = run("alerts", "--json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    assert doc["forecast"]["budget_usd"] is None
    messages = [a["message"] for a in doc["alerts"] if a["kind"] == "settings"]
    assert len(messages) == 2 and all("set it again with `tracker alerts set`" in m for m in messages)


def test_a_price_override_beyond_any_list_price_is_reported_not_used(tmp_path):
    """A typo (1e12 dollars per million tokens) made every later import fail at the SQLite write."""
    from tracker.pricing import Pricer

    prices = tmp_path / "prices.json"
    prices.write_text(json.dumps({"models": {"my-model": [
        {"since": "2026-01-01", "input_mtok": "1e12", "output_mtok": "2"}]}}))
    pricer = Pricer(prices)
    assert any("input_mtok must be a number of dollars per million tokens from 0 to 1,000" in e
               for e in pricer.override_errors)


@pytest.mark.parametrize("command", [
    ("export-events", "{out}"),
    ("summary", "export", "--out", "{out}"),
    ("invoice", "export", "1", "-o", "{out}"),
])
def test_an_output_file_in_a_missing_folder_is_one_sentence_about_that_file(tmp_path, monkeypatch, command):
    """Exports to a folder that does not exist printed a FileNotFoundError traceback (naming a temporary file)."""
    out = tmp_path / "missing" / "file.out"
    if command[0] == "invoice":
        assert run("invoice", "create", "--client", "ACME", "--since", "2026-11-01", "--until", "2026-11-30",
                   ).exit_code == 0
    result = run(*[part.format(out=out) for part in command])
    assert result.exit_code == 1
    assert result.output.strip() == f"Error: {out}: No such file or directory.", result.output


@pytest.mark.parametrize("args, says", [
    (("tags", "add", "bad\udcff", "--kind", "kpi"), "'bad\\udcff' holds bytes that are not UTF-8 text"),
    (("tags", "remove", "untagged"), "'untagged' is not a tag: it names the usage that no tag claims"),
    (("tags", "assign", "ACME", "--model", "x", "--untag"), "(got a TAG and --untag)"),
    (("value", "rate", "", "1"), "three-letter ISO 4217 code"),
    (("value", "rate", "EUR", "0"), "a rate of 0 would count every EUR entry as worth nothing"),
    (("summary", "export", "--html"), "--html goes with --preview"),
])
def test_messages_say_what_is_wrong(args, says):
    result = run(*args)
    assert result.exit_code in (1, 2) and says in result.output and "Traceback" not in result.output, result.output


def test_every_source_kind_is_known_to_the_filters():
    from tracker.sources import registry, usage_source_kinds
    from tracker.sources.providers import SOURCE_KINDS

    assert set(usage_source_kinds()) == set(registry.sources()) | set(SOURCE_KINDS)
    for args in (("report", "daily", "--source", "nosuch"), ("tags", "rule", "add", "ACME", "--source", "nosuch")):
        result = run(*args)
        assert result.exit_code == 1 and "unknown source 'nosuch': choose from " in result.output and "claude_code" in result.output
