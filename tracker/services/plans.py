"""Subscription plans: the user's settings, the known plans to pick from, and what a plan is worth.

A plan pays for one agent's usage (Claude Code for a Claude plan, Codex for a
ChatGPT plan, Gemini CLI for a Google AI plan) from its start day, while it is
set. That usage keeps its API-equivalent cost (what the same tokens would have
cost at list prices) for analysis; money views read it through
services.cost_basis, which knows the plan. "API key / pay as you go" is the
default: no plan, every request is money spent at list price.

Known plans are data (resources/plans.json, dated, with source pages), with the
user's config/plans.json on top, like prices.json: an entry with the same id
replaces the shipped one, new ids are added, a bad file or entry is skipped
with a warning that names it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, timedelta, tzinfo
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation

from tracker.core.money import PICO_PER_USD
from tracker.core.timeutil import local_date, next_period_start, now_ms
from tracker.paths import resource_path
from tracker.storage import Store
from tracker.storage import plans as pstore

TYPE_CHECKING = False  # (for the annotations only: the projects report, through cost_basis, loads neither
if TYPE_CHECKING:      # pathlib, with its urllib.parse and ipaddress, ~3 ms of start-up, nor typing, ~2 ms)
    from pathlib import Path
    from typing import Any

PLANS_FILE = "plans.json"
USER_PLANS_FILE = "plans.json"  # in the config folder, beside prices.json
# The agents a plan can cover, and the words people use for them.
AGENT_SOURCES = ("claude_code", "codex", "gemini_cli")
AGENT_ALIASES = {"claude": "claude_code", "claude-code": "claude_code", "gemini": "gemini_cli",
                 "gemini-cli": "gemini_cli", "chatgpt": "codex", "codex-cli": "codex"}
PAY_AS_YOU_GO = "payg"
PAY_AS_YOU_GO_ALIASES = {"payg", "api", "api-key", "pay-as-you-go", "none"}
PAY_AS_YOU_GO_LABEL = "API key / pay as you go"
# USD for one unit of a currency (the Value settings' rates, `tracker value rate EUR 1.08`).
FX_SETTING = "value.usd_per_currency"
MAX_MONTHLY_PRICE = Decimal(100_000)  # a plan price above this is a typo
MULTIPLE_PLACES = Decimal("0.1")


class PlanError(ValueError):
    """A plan setting that cannot be used; the text says why and what to do."""


# -- known plans ----------------------------------------------------------------
@dataclass(frozen=True)
class KnownPlan:
    id: str
    name: str
    covers: str  # agent source
    monthly_price: Decimal
    currency: str
    provider: str = ""
    source_url: str = ""
    note: str = ""
    origin: str = "tracker"  # "tracker" (shipped) or "user"


@dataclass
class KnownPlans:
    plans: dict[str, KnownPlan] = field(default_factory=dict)
    checked: str | None = None  # the shipped list's date
    warnings: list[str] = field(default_factory=list)

    def for_agent(self, source: str) -> list[KnownPlan]:
        return [p for p in self.plans.values() if p.covers == source]


def _known_entry(plan_id: str, body: Any, where: str, origin: str, warnings: list[str]) -> KnownPlan | None:
    problem = None
    if not isinstance(body, dict):
        problem = "expected an object"
    else:
        covers = agent_source(body.get("covers"), strict=False)
        if covers is None:
            problem = f"'covers' must be one of {', '.join(AGENT_SOURCES)}"
        elif not isinstance(body.get("name"), str) or not body["name"].strip():
            problem = "'name' is missing"
        else:
            try:
                price = parse_price(body.get("monthly_price"))
                currency = parse_currency(body.get("currency") or "USD")
            except PlanError as exc:
                problem = str(exc)
    if problem:
        warnings.append(f"{where}: plan {plan_id!r}: {problem}; skipping it")
        return None
    return KnownPlan(plan_id, body["name"].strip(), covers, price, currency, str(body.get("provider") or ""),
                     str(body.get("source") or ""), str(body.get("note") or ""), origin)


def _read_known(path: Path, origin: str, warnings: list[str]) -> tuple[dict[str, KnownPlan], str | None]:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        if origin == "tracker":
            warnings.append(f"{path}: the shipped list of plans is missing; set plans with their price")
        return {}, None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        warnings.append(f"{path}: cannot read plans ({exc}); fix or delete the file. Ignoring it")
        return {}, None
    entries = doc.get("plans") if isinstance(doc, dict) else None
    if not isinstance(entries, dict):
        warnings.append(f'{path}: expected {{"plans": {{id: {{"name", "covers", "monthly_price", "currency"}}}}}}; '
                        "ignoring the file")
        return {}, None
    plans = {}
    for plan_id, body in entries.items():
        plan = _known_entry(str(plan_id), body, str(path), origin, warnings)
        if plan is not None:
            plans[plan.id] = plan
    checked = doc.get("checked")
    return plans, checked if isinstance(checked, str) else None


def load_known_plans(config_dir: Path | None = None, shipped: Path | None = None) -> KnownPlans:
    """The shipped plans with config_dir/plans.json on top (same id: the user's wins)."""
    warnings: list[str] = []
    plans, checked = _read_known(shipped or resource_path(PLANS_FILE), "tracker", warnings)
    if config_dir is not None:
        user, _ = _read_known(config_dir / USER_PLANS_FILE, "user", warnings)
        plans.update(user)
    return KnownPlans(plans, checked, warnings)


# -- validation -------------------------------------------------------------------
def agent_source(text: Any, strict: bool = True) -> str | None:
    """'claude' -> 'claude_code'; an unknown agent raises (strict) or gives None."""
    name = str(text or "").strip().lower().replace(" ", "_")
    name = AGENT_ALIASES.get(name.replace("_", "-"), AGENT_ALIASES.get(name, name))
    if name in AGENT_SOURCES:
        return name
    if strict:
        raise PlanError(f"A plan covers one agent: {', '.join(AGENT_SOURCES)} (not {text!r}).")
    return None


def parse_price(value: Any) -> Decimal:
    if isinstance(value, float):
        value = repr(value)
    try:
        price = Decimal(str(value).strip().replace(",", "."))
    except (InvalidOperation, ValueError):
        raise PlanError(f"A monthly price is a number such as 200 or 19.99, not {value!r}.") from None
    if not price.is_finite() or price < 0 or price > MAX_MONTHLY_PRICE:
        raise PlanError(f"A monthly price is between 0 and {MAX_MONTHLY_PRICE:,}, not {value!r}.")
    return price


def parse_currency(code: Any) -> str:
    from tracker.services.invoices_profile import check_currency  # the one ISO 4217 check

    try:
        return check_currency(str(code or ""))
    except ValueError as exc:
        raise PlanError(str(exc)) from None


# -- the user's plans ------------------------------------------------------------
def list_plans(store: Store) -> list[pstore.PlanRow]:
    return pstore.list_plans(store)


def set_plan(store: Store, agent: str, plan: str, since: date, until: date | None = None,
             price: Any = None, currency: str | None = None, name: str | None = None,
             known: KnownPlans | None = None) -> pstore.PlanRow | None:
    """Set `agent`'s plan from `since` (inclusive local day), until `until` (inclusive) or while it is set.

    `plan` is a known plan's id (its name, price and currency are the defaults),
    or a name of the user's own with a price; "payg" (API key / pay as you go)
    ends the agent's running plan the day before `since` and returns None.
    """
    source = agent_source(agent)
    plan = (plan or "").strip()
    if not plan:
        raise PlanError("Name the plan: a known plan's id (`tracker plans known`), or your own name with --price.")
    if until is not None and until < since:
        raise PlanError(f"The plan's end ({until}) is before its start ({since}).")
    if plan.lower() in PAY_AS_YOU_GO_ALIASES:
        end_running_plan(store, source, since)
        return None
    known = known or load_known_plans()
    entry = known.plans.get(plan)
    if entry is not None and entry.covers != source:
        raise PlanError(f"{entry.name} covers {entry.covers}, not {source}: choose a plan for {source} "
                        f"({', '.join(p.id for p in known.for_agent(source)) or 'none known'}) or give a price.")
    if entry is None and price is None:
        ids = ", ".join(p.id for p in known.for_agent(source)) or "none known"
        raise PlanError(f"{plan!r} is not a known plan ({ids}): give its monthly price with --price.")
    monthly = parse_price(price) if price is not None else entry.monthly_price
    code = parse_currency(currency) if currency else (entry.currency if entry else "USD")
    label = (name or "").strip() or (entry.name if entry else plan)
    if len(label) > 80 or len(plan) > 80:
        raise PlanError("A plan's name has at most 80 characters.")
    return pstore.upsert_plan(store, source, entry.id if entry else plan, label, str(monthly), code,
                              since.isoformat(), until.isoformat() if until else None)


def end_running_plan(store: Store, source: str, from_day: date) -> pstore.PlanRow | None:
    """From `from_day` on the agent pays as it goes: the plan running then ends the day before.

    A plan that would start on or after `from_day` is left alone (remove it by id)."""
    for row in pstore.list_plans(store):
        if row.source != source or row.since_day >= from_day.isoformat():
            continue
        if row.until_day is None or row.until_day >= from_day.isoformat():
            return pstore.upsert_plan(store, row.source, row.plan, row.name, row.monthly_price, row.currency,
                                      row.since_day, (from_day - timedelta(days=1)).isoformat())
    return None


def remove_plan(store: Store, plan_id: int) -> None:
    if not pstore.delete_plan(store, plan_id):
        raise PlanError(f"No plan with id {plan_id}: see `tracker plans list`.")


@dataclass(frozen=True)
class PlanSpan:
    """The days one plan covers its agent: its own start to its end, or the day before the agent's next plan."""

    plan: pstore.PlanRow
    first: date
    last: date | None  # None: still running


def plan_spans(plans: list[pstore.PlanRow]) -> list[PlanSpan]:
    spans = []
    by_source: dict[str, list[pstore.PlanRow]] = {}
    for row in plans:
        by_source.setdefault(row.source, []).append(row)
    for rows in by_source.values():
        rows.sort(key=lambda r: r.since_day)
        for i, row in enumerate(rows):
            last = date.fromisoformat(row.until_day) if row.until_day else None
            if i + 1 < len(rows):
                before_next = date.fromisoformat(rows[i + 1].since_day) - timedelta(days=1)
                last = before_next if last is None else min(last, before_next)
            first = date.fromisoformat(row.since_day)
            if last is None or last >= first:
                spans.append(PlanSpan(row, first, last))
    return spans


def running_plans(store: Store, zone: tzinfo, today: date | None = None) -> list[pstore.PlanRow]:
    today = today or local_date(now_ms(), zone)
    return [s.plan for s in plan_spans(pstore.list_plans(store))
            if s.first <= today and (s.last is None or s.last >= today)]


# -- money ------------------------------------------------------------------------
def usd_per_currency(store: Store) -> dict[str, Decimal]:
    """USD for one unit of each currency the user gave a rate for (USD itself is 1)."""
    rates = {"USD": Decimal(1)}
    for cur, rate in (store.get_setting(FX_SETTING) or {}).items():
        try:
            value = Decimal(str(rate))
        except ArithmeticError:
            continue
        if value.is_finite() and value > 0:
            rates[str(cur).upper()] = value
    return rates


def month_days(month_first: date) -> int:
    return (next_period_start(month_first, "month") - month_first).days


def price_share(plan: pstore.PlanRow, days_covered: int, month_first: date) -> Decimal:
    """The part of a monthly price that pays for `days_covered` days of the month (plan currency)."""
    return Decimal(plan.monthly_price) * days_covered / month_days(month_first)


def to_usd_pico(amount: Decimal, currency: str, rates: dict[str, Decimal]) -> int | None:
    rate = rates.get(currency)
    if rate is None:
        return None
    return int((amount * rate * PICO_PER_USD).to_integral_value(rounding=ROUND_HALF_EVEN))


def multiple(covered_pico: int, price_pico: int | None) -> Decimal | None:
    """API-equivalent cost over the price paid: 6.2 means the plan covered 6.2x its price."""
    if not price_pico or price_pico <= 0:
        return None
    return (Decimal(covered_pico) / price_pico).quantize(MULTIPLE_PLACES, rounding=ROUND_HALF_EVEN)
