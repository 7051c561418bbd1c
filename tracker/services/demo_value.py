"""Value data for the demo: client, project and KPI tags, rules, value entries.

Idempotent: tags and rules are created once; value entries are upserted per
(tag, period) with amounts derived from the tag and period alone, so extending
the demo to a new day adds the new periods and leaves the old ones as they were.
The story it tells: ACME pays more each month; Globex pays the same while its
AI cost grows (flagged); the tracker project ships pull requests; the support
bot resolves tickets; dotfiles has cost and no value; OpenRouter chat is untagged.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from tracker.core.timeutil import next_period_start
from tracker.services import tagging
from tracker.services.roi import COMPENSATION_SETTING
from tracker.services.value import add_tag, build_entry
from tracker.storage import Store

DEMO_TAGS = [
    # name, kind, billing details, rules: (priority, match fields)
    ("ACME", "client", {"name": "ACME Webshop Ltd", "address": "1 Road Runner Way, Phoenix AZ", "vat_id": "US-000"},
     [(10, {"project_glob": "acme-webshop"})]),
    ("ACME checkout", "project", None,
     [(20, {"project_glob": "acme-webshop", "git_branch_glob": "feature/*"})]),
    ("Globex", "client", {"name": "Globex Corporation", "address": "Cypress Creek, OR"},
     [(10, {"project_glob": "globex-etl"}), (5, {"cwd_glob": "/home/demo/clients/*"})]),
    ("tracker", "project", None, [(10, {"project_glob": "tracker"})]),
    ("dotfiles", "project", None, [(10, {"cwd_glob": "/home/demo/dotfiles*"})]),
    ("support bot", "kpi", None, [(10, {"source": "openai", "project_id": "proj_support_bot"})]),
]
PR_UNIT = "pull requests merged"
TICKET_UNIT = "tickets resolved"
DEMO_COMPENSATION = {"amount": "160000", "currency": "USD"}


def _amount(tag: str, label: str, low: int, high: int) -> int:
    return random.Random(f"{tag}|{label}").randint(low, high)


def _months(first: date, last: date):
    start = first.replace(day=1)
    while start <= last:
        yield start, next_period_start(start, "month") - timedelta(days=1)
        start = next_period_start(start, "month")


def _weeks(first: date, last: date):
    start = first - timedelta(days=first.weekday())
    while start <= last:
        yield start, start + timedelta(days=6)
        start += timedelta(days=7)


def seed(store: Store, first: date | None, last: date | None) -> None:
    span_first = store.get_setting("demo.value_first") or (first.isoformat() if first else None)
    if span_first is None or last is None:
        return
    first = date.fromisoformat(span_first)
    with store.transaction():
        for name, kind, billing, rules in DEMO_TAGS:
            if store.tag_by_name(name) is None:
                tag_id = add_tag(store, name, kind, billing=billing)
                for priority, match in rules:
                    store.add_rule(tag_id, priority, **match)
        entries = []
        for index, (m_first, m_last) in enumerate(_months(first, last)):
            label = m_first.strftime("%Y-%m")
            acme = 3200 + 350 * index + _amount("ACME", label, 0, 200)
            entries.append(build_entry(store, "ACME", "money", str(acme), "USD", period=label,
                                       note="monthly retainer"))
            entries.append(build_entry(store, "Globex", "money", "2400", "USD", period=label,
                                       note="fixed monthly fee"))
        for w_index, (w_first, w_last) in enumerate(_weeks(first, last)):
            label = f"{w_first.isocalendar()[0]}-W{w_first.isocalendar()[1]:02d}"
            prs = _amount("tracker", label, 6, 10) + w_index // 3
            entries.append(build_entry(store, "tracker", "kpi", str(prs), unit=PR_UNIT, period=label))
            entries.append(build_entry(store, "ACME checkout", "kpi", str(_amount("checkout", label, 2, 5)),
                                       unit=PR_UNIT, period=label))
            tickets = _amount("support", label, 280, 360) + 4 * w_index
            entries.append(build_entry(store, "support bot", "kpi", str(tickets), unit=TICKET_UNIT, period=label))
        store.upsert_value_entries(entries)
        store.set_setting("demo.value_first", first.isoformat())
        if store.get_setting(COMPENSATION_SETTING) is None:
            store.set_setting(COMPENSATION_SETTING, DEMO_COMPENSATION)
        tagging.apply_rules(store)

