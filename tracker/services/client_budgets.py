"""Monthly budgets per client: how much of it this month's AI usage has used, and alerts at 80 % and 100 %.

A client's `monthly_budget` (in the client's currency) is compared with what
the client's tagged AI usage of the calendar month so far comes to under the
client's rate plan (contract rates, or cost plus markup at the client's
exchange rate), invoiced or not: what the client will pay for AI this month.
Fees, hours and expenses are not AI usage and do not count.

Each threshold fires once per client and month (recorded in the database, so
a restart or a second machine sharing the file does not fire it again): the
tray shows it, and when a webhook is set (`tracker invoice budgets --webhook`,
kept in the keyring like the team webhook) it is posted there too.
"""

from __future__ import annotations

import json
import os
from datetime import date, timedelta, tzinfo
from decimal import Decimal

from tracker import credentials
from tracker.core.timeutil import local_date, local_midnight, now_ms
from tracker.services import invoices as service
from tracker.services.invoices_calc import money_text
from tracker.services.invoices_profile import parse_billing
from tracker.sources import webhook
from tracker.storage.invoice_ledger import InvoiceLedger

THRESHOLDS_PCT = (80, 100)
WEBHOOK_SECRET = "invoices/budget-webhook-url"
WEBHOOK_ENV = "TRACKER_BUDGET_WEBHOOK_URL"
_HUNDRED = Decimal(100)


def webhook_url() -> str | None:
    return credentials.read_secret(WEBHOOK_SECRET) or os.environ.get(WEBHOOK_ENV) or None


def set_webhook(url: str | None) -> None:
    """Keep (or with None forget) the budget webhook in the keyring; the URL may be a credential."""
    checked = webhook.check_url(url) if url else None
    try:
        credentials.write_secret(WEBHOOK_SECRET, checked, "budget webhook URL", WEBHOOK_ENV)
    except credentials.KeyringUnavailable as exc:
        raise ValueError(str(exc)) from None


def _month(today: date, zone: tzinfo) -> tuple[str, int, int]:
    """(YYYY-MM, start, end) of the month so far in `zone`: from its first midnight to the end of today."""
    start = local_midnight(today.replace(day=1), zone)
    end = local_midnight(today + timedelta(days=1), zone)
    return today.strftime("%Y-%m"), int(start.timestamp() * 1000), int(end.timestamp() * 1000)


def budget_states(store, zone: tzinfo, today: date | None = None) -> list[dict]:
    """Every client with a monthly budget: spent so far this month, the share, the thresholds reached."""
    today = today or local_date(now_ms(), zone)
    month, start_ms, end_ms = _month(today, zone)
    ledger = InvoiceLedger(store)
    out = []
    for tag in service.book(store).client_tags():
        try:
            billing = parse_billing(tag["billing"])
        except ValueError:
            continue  # `invoice client list` says what is wrong with it
        if not billing.monthly_budget:
            continue
        currency = billing.currency or service.load_profile(store).currency
        state = {"client": tag["name"], "tag_id": tag["id"], "month": month, "currency": currency,
                 "budget": money_text(Decimal(billing.monthly_budget), currency), "spent": None, "pct": None,
                 "reached": [], "state": "unknown", "problem": None, "unpriced_rows": 0,
                 "fired": sorted(ledger.fired_thresholds(tag["id"], month))}
        fx = Decimal(1) if currency == "USD" else Decimal(billing.exchange_rate) if billing.exchange_rate else None
        if fx is None and billing.plan != "per_model":
            state["problem"] = (f"no exchange rate for {currency}: set one with `tracker invoice client set "
                                f"{tag['name']} --exchange-rate X`")
            out.append(state)
            continue
        sel = service.usage_selection(store, tag["id"], billing, fx or Decimal(0), start_ms, end_ms, zone,
                                      unbilled_only=False, summed=True)
        spent = sum((c.amount for c in sel.charges), Decimal(0))
        budget = Decimal(billing.monthly_budget)
        pct = spent / budget * _HUNDRED
        state.update({
            "spent": money_text(spent, currency), "pct": str(pct.quantize(Decimal("0.1"))),
            "reached": [t for t in THRESHOLDS_PCT if pct >= t], "unpriced_rows": sel.unpriced_rows,
            "state": "over" if pct >= 100 else "warning" if pct >= THRESHOLDS_PCT[0] else "ok",
        })
        out.append(state)
    return out


def alert_message(state: dict, threshold: int) -> str:
    verb = "has used up" if threshold >= 100 else f"has used {threshold}% of"
    return (f"{state['client']} {verb} its AI budget for {state['month']}: {state['spent']} of "
            f"{state['budget']} {state['currency']} ({state['pct']}%).")


def check_budgets(store, zone: tzinfo, today: date | None = None, post: bool = True) -> list[dict]:
    """Fire the thresholds reached this month that have not fired yet (each once per client and month);
    post them to the budget webhook when one is set. Returns the alerts fired now."""
    ledger = InvoiceLedger(store)
    alerts = []
    for state in budget_states(store, zone, today):
        for threshold in state["reached"]:
            if ledger.fire_threshold(state["tag_id"], state["month"], threshold):
                alerts.append({"client": state["client"], "month": state["month"], "threshold_pct": threshold,
                               "spent": state["spent"], "budget": state["budget"], "currency": state["currency"],
                               "pct": state["pct"], "message": alert_message(state, threshold)})
    url = webhook_url() if post and alerts else None
    if url:
        body = json.dumps({"kind": "tracker.client_budget", "alerts": alerts}, sort_keys=True).encode()
        result = webhook.post_json(url, body)
        for alert in alerts:
            alert["webhook"] = result.detail
    return alerts
