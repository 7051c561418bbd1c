"""Monthly budgets per client: the month's AI usage at the client's rates, alerts at 80 % and 100 % fired
once per month, a webhook on a loopback server, the tray, `tracker invoice list`."""

from __future__ import annotations

import json
from datetime import date

import pytest

from tests.team.test_share import hook  # noqa: F401  (the loopback webhook receiver fixture)
from tracker.core.timeutil import get_zone
from tracker.services import client_budgets as budgets
from tracker.services import invoices as service

from .helpers import add_usage, event

UTC = get_zone("UTC")
MID_NOV = date(2026, 11, 20)


@pytest.fixture
def budgeted(istore, client):
    """ACME: cost +10% in USD, a 10.00 USD monthly budget."""
    service.set_client(istore, "acme", monthly_budget="10")
    return client


def test_the_budget_counts_this_months_usage_at_the_clients_rates_invoiced_or_not(istore, budgeted):
    add_usage(istore, budgeted["id"], events=[event("a", "2026-11-02", cost="5.00"), event("old", "2026-10-30")])
    service.issue(istore, service.create_draft(istore, "acme", date(2026, 11, 1), date(2026, 11, 30), UTC)["id"],
                  issue_day=date(2026, 11, 3))  # invoiced: still this month's spending
    add_usage(istore, budgeted["id"], events=[event("b", "2026-11-10", cost="2.50")])
    (state,) = budgets.budget_states(istore, UTC, MID_NOV)
    # (5.00 + 2.50) x 1.1 = 8.25 of 10.00; October's usage does not count
    assert (state["spent"], state["pct"], state["state"], state["reached"]) == ("8.25", "82.5", "warning", [80])


def test_each_threshold_fires_once_a_month(istore, budgeted):
    add_usage(istore, budgeted["id"], events=[event("a", "2026-11-02", cost="7.50")])
    fired = budgets.check_budgets(istore, UTC, MID_NOV)
    assert [a["threshold_pct"] for a in fired] == [80]
    assert fired[0]["message"] == "acme has used 80% of its AI budget for 2026-11: 8.25 of 10.00 USD (82.5%)."
    assert budgets.check_budgets(istore, UTC, MID_NOV) == []  # once
    add_usage(istore, budgeted["id"], events=[event("b", "2026-11-21", cost="2.00")])
    assert [a["threshold_pct"] for a in budgets.check_budgets(istore, UTC, date(2026, 11, 21))] == [100]
    assert budgets.check_budgets(istore, UTC, date(2026, 11, 22)) == []
    # December starts afresh
    add_usage(istore, budgeted["id"], events=[event("c", "2026-12-01", cost="9.50")])
    assert [a["threshold_pct"] for a in budgets.check_budgets(istore, UTC, date(2026, 12, 2))] == [80, 100]


def test_alerts_are_posted_to_the_budget_webhook_kept_in_the_keyring(istore, budgeted, hook,  # noqa: F811
                                                                      memory_keyring):
    budgets.set_webhook(hook.url)
    assert hook.url not in json.dumps(istore.get_setting("invoice_profile") or {})
    add_usage(istore, budgeted["id"], events=[event("a", "2026-11-02", cost="9.50")])
    fired = budgets.check_budgets(istore, UTC, MID_NOV)
    (body,) = hook.bodies
    posted = json.loads(body)
    assert posted["kind"] == "tracker.client_budget"
    assert [(a["client"], a["threshold_pct"]) for a in posted["alerts"]] == [("acme", 80), ("acme", 100)]
    assert all(a["webhook"] == "127.0.0.1 accepted (HTTP 200)" for a in fired)
    budgets.set_webhook(None)
    assert budgets.webhook_url() is None
    with pytest.raises(ValueError, match="https"):
        budgets.set_webhook("http://example.com/hook")


def test_a_budget_in_another_currency_needs_an_exchange_rate(istore, budgeted):
    service.set_client(istore, "acme", currency="EUR")
    (state,) = budgets.budget_states(istore, UTC, MID_NOV)
    assert state["spent"] is None and "no exchange rate for EUR" in state["problem"]
    service.set_client(istore, "acme", exchange_rate="0.9")
    add_usage(istore, budgeted["id"], events=[event("a", "2026-11-02", cost="10.00")])
    (state,) = budgets.budget_states(istore, UTC, MID_NOV)
    assert (state["spent"], state["state"]) == ("9.90", "warning")  # 10 x 1.1 x 0.9


def test_budgets_in_invoice_list(tmp_path):
    from click.testing import CliRunner

    from tracker.cli import main

    runner = CliRunner()
    assert runner.invoke(main, ["invoice", "client", "set", "acme", "--budget", "500"]).exit_code == 0
    out = runner.invoke(main, ["invoice", "list"]).output
    assert "Budget acme: 0.00 of 500.00 USD" in out
    listed = json.loads(runner.invoke(main, ["invoice", "list", "--json"]).output)
    assert listed["invoices"] == [] and listed["budgets"][0]["budget"] == "500.00"
    result = runner.invoke(main, ["invoice", "client", "set", "acme", "--budget", "0"])
    assert result.exit_code == 1 and "above 0" in result.output
    assert runner.invoke(main, ["invoice", "client", "set", "acme", "--no-budget"]).exit_code == 0
    assert "No client has a monthly budget" in runner.invoke(main, ["invoice", "budgets"]).output


def test_the_tray_announces_the_alerts_of_a_sync(qtbot, istore, budgeted, monkeypatch):
    pytest.importorskip("PySide6")
    from PySide6.QtWidgets import QSystemTrayIcon

    from tracker.gui.model import DashboardModel
    from tracker.gui.tray import TrayController
    from tracker.paths import get_paths
    from tracker.pricing import Pricer
    from tracker.services.context import AppContext
    from tracker.services.status import budget_alerts

    ctx = AppContext(paths=get_paths(), store=istore, pricer=Pricer())
    add_usage(istore, budgeted["id"], events=[event("a", "2026-11-02", cost="9.50")])
    monkeypatch.setattr(budgets, "local_date", lambda ms, zone: MID_NOV)
    alerts = budget_alerts(ctx)  # what the sync worker adds to its report
    assert len(alerts) == 2 and budget_alerts(ctx) == []
    shown = []
    monkeypatch.setattr(QSystemTrayIcon, "showMessage", lambda self, title, text, *a: shown.append((title, text)))
    model = DashboardModel(ctx)
    tray = TrayController(model)
    model.on_sync_finished({"budget_alerts": alerts, "finished_ms": 0})
    budget_messages = [text for title, text in shown if title == "Client budget"]
    assert len(budget_messages) == 1 and "has used up its AI budget" in budget_messages[0]
    tray.update_state()
    assert len([t for t, _ in shown if t == "Client budget"]) == 1  # shown once
    tray.menu.deleteLater()
