"""`tracker plans list|set|remove|known|value` and `tracker limits` on the command line."""

from __future__ import annotations

import json
from datetime import date

from click.testing import CliRunner

from tests.plans.helpers import november_usage
from tracker.cli import main
from tracker.services.context import open_context


def run(*args, input=None):
    result = CliRunner().invoke(main, list(args), input=input)
    return result


def test_set_list_value_remove():
    with open_context() as ctx:
        november_usage(ctx.store)
    out = run("plans", "set", "--agent", "claude", "--plan", "claude-max-20x", "--since", "2026-11-01")
    assert out.exit_code == 0, out.output
    assert "Claude Max 20x (200 USD/month) pays for claude_code usage from 2026-11-01" in out.output
    listed = json.loads(run("plans", "list", "--json").output)
    [plan] = listed["plans"]
    assert (plan["agent"], plan["plan"], plan["monthly_price"], plan["currency"], plan["since"]) == \
        ("claude_code", "claude-max-20x", "200", "USD", "2026-11-01")
    assert listed["default"] == "API key / pay as you go"
    value = run("plans", "value", "--since", "2026-11-01", "--until", "2026-11-30")
    assert "2026-11: your $200 Claude Max 20x plan covered $1,240 of usage at API prices: 6.2x." in value.output
    doc = json.loads(run("plans", "value", "--since", "2026-11-01", "--until", "2026-11-30", "--json").output)
    assert doc["months"][0]["multiple"] == "6.2"
    report = run("report", "monthly", "--by", "source", "--since", "2026-11-01", "--until", "2026-11-30")
    assert "Plan-covered (API prices)" in report.output and "$1,240" in report.output
    assert run("plans", "remove", str(plan["id"])).exit_code == 0
    assert json.loads(run("plans", "list", "--json").output)["plans"] == []
    gone = run("plans", "remove", str(plan["id"]))
    assert gone.exit_code == 1 and "No plan with id" in gone.output


def test_own_plan_with_price_and_payg():
    out = run("plans", "set", "--agent", "gemini", "--plan", "Workspace", "--price", "14", "--currency", "eur",
              "--since", "2026-10-01")
    assert out.exit_code == 0, out.output
    out = run("plans", "set", "--agent", "gemini", "--plan", "payg", "--since", "2026-11-01")
    assert "From 2026-11-01 gemini_cli is on API key / pay as you go." in out.output
    [plan] = json.loads(run("plans", "list", "--json").output)["plans"]
    assert plan["until"] == "2026-10-31" and plan["currency"] == "EUR" and plan["running"] is False


def test_bad_input_is_a_sentence():
    for args, words in [
        (("plans", "set", "--agent", "copilot", "--plan", "x", "--price", "3"), "covers one agent"),
        (("plans", "set", "--agent", "codex", "--plan", "mystery"), "give its monthly price"),
        (("plans", "set", "--agent", "codex", "--plan", "chatgpt-pro", "--price", "1e9"), "between 0"),
        (("plans", "value", "--since", "2026-11-10", "--until", "2026-11-01"), "before --since"),
    ]:
        out = run(*args)
        assert out.exit_code == 1 and words in out.output and "Traceback" not in out.output, out.output


def test_known_plans_with_a_user_override(tracker_home):
    (tracker_home / "config").mkdir(parents=True, exist_ok=True)
    (tracker_home / "config" / "plans.json").write_text(json.dumps({"plans": {
        "claude-pro": {"name": "Claude Pro (EU)", "covers": "claude_code", "monthly_price": "21.60",
                       "currency": "EUR"},
        "team-seat": {"name": "Team seat", "covers": "codex", "monthly_price": "25"},
        "broken": {"name": "Broken", "covers": "vim", "monthly_price": "1"},
    }}))
    out = run("plans", "known", "--json")
    doc = json.loads(out.stdout)
    by_id = {p["id"]: p for p in doc["plans"]}
    assert by_id["claude-pro"]["monthly_price"] == "21.60" and by_id["claude-pro"]["origin"] == "user"
    assert by_id["team-seat"]["currency"] == "USD" and "broken" not in by_id
    assert by_id["claude-max-20x"]["source"].startswith("https://") and doc["checked"]
    assert "plan 'broken'" in out.stderr and "'covers' must be one of" in out.stderr
    text = run("plans", "set", "--agent", "claude", "--plan", "claude-pro", "--since", "2026-11-01").output
    assert "Claude Pro (EU) (21.60 EUR/month)" in text


def test_claude_consent_is_asked_once_in_a_terminal(monkeypatch):
    from tracker.commands import plans_cmd

    assert run("limits", "--no-refresh", input="y\n").output.count("Show your Claude") == 0  # a pipe: not asked
    monkeypatch.setattr(plans_cmd, "interactive", lambda: True)
    first = run("limits", "--no-refresh", input="n\n")
    assert "Show your Claude plan's" in first.output and "stay off" in first.output
    second = run("limits", "--no-refresh", input="y\n")
    assert "Show your Claude plan's" not in second.output
    with open_context() as ctx:
        from tracker.services.limits import claude_consent

        assert claude_consent(ctx.store) is False


def test_limits_on_an_empty_home_says_what_to_do():
    out = run("limits", "--no-refresh")
    assert out.exit_code == 0 and "No plan windows yet" in out.output
    doc = json.loads(run("limits", "--json").output)
    assert doc["windows"] == [] and doc["tightest"] is None and doc["claude_login"]["consent"] is None


def test_demo_has_a_plan_and_windows():
    doc = json.loads(run("--demo", "limits", "--json").output)
    sources = {w["source"] for w in doc["windows"]}
    assert sources == {"codex", "claude_code"}
    assert all(0 <= w["used_percent"] <= 1000 for w in doc["windows"])
    plan = json.loads(run("--demo", "plans", "list", "--json").output)["plans"]
    assert [p["plan"] for p in plan] == ["claude-max-5x"]
    assert date.fromisoformat(plan[0]["since"]) < date.today()
