"""The seller's business profile and each client's billing details and rate plan.

The profile lives in settings (`invoice_profile`); a client is a value tag of
kind 'client' whose `billing` JSON holds its address, tax id, currency, taxes,
discount and rate plan. Everything here is validated on the way in, so an
invoice is never computed from a malformed rate.

Rate plans (`billing["plan"]`):

- ``markup``: pass-through cost (billed by the provider where it reported it,
  estimated otherwise) plus ``markup_pct`` percent;
- ``per_model``: ``rates`` maps a model glob to prices per million tokens in
  the invoice currency (``input``, ``cache_read``, ``cache_write``, ``output``);
  usage of a model no glob matches falls back to cost plus ``markup_pct``;
- ``fixed``: ``fixed_fee`` (the client's currency) once per ``fixed_fee_period``
  (week, month, quarter or year) plus usage at cost plus ``markup_pct`` (0 for a
  flat fee that only lists usage: set ``usage_billed`` to false).

Beside the plan: ``recurring`` fees (label, amount, period), each billed once per
period like the fixed fee; ``hourly_rate`` for hours; ``show`` (what a client
document discloses: ``amounts``, ``tokens`` or ``cost``); ``adjust_reprices``
(bill the change of an already invoiced row's cost when only its price changed);
``tax_treatment`` (``standard``, ``reverse_charge``, ``exempt`` with
``exemption_reason``) and ``monthly_budget`` (the client's currency).
Contract rates, fees and the hourly rate are amounts in the client's currency.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

PROFILE_SETTING = "invoice_profile"
DEFAULT_PATTERN = "INV-{YYYY}-{seq:04}"
DEFAULT_CREDIT_PATTERN = "CN-{YYYY}-{seq:04}"
PLANS = ("markup", "per_model", "fixed")
PERIODS = ("week", "month", "quarter", "year")
DISCLOSURES = ("amounts", "tokens", "cost")  # what a client document shows of AI usage lines
DEFAULT_DISCLOSURE = "tokens"
TAX_TREATMENTS = ("standard", "reverse_charge", "exempt")
# How usage a subscription plan covered (services.cost_basis) is costed on this client's invoices:
# at its API-equivalent cost (list prices), or at its share of the plan's monthly price.
PLAN_USAGE_BASES = ("api_equivalent", "plan_share")
RATE_CLASSES = ("input", "cache_read", "cache_write", "output")
MAX_TAXES = 2
BILLING_ALIASES = {"name": "legal_name", "vat_id": "tax_id"}
_PATTERN_FIELDS = {"YYYY", "YY", "MM", "seq"}
_CURRENCY = re.compile(r"^[A-Z]{3}$")
_COUNTRY = re.compile(r"^[A-Z]{2}$")


def decimal_text(value: Any, what: str, minimum: Decimal | None = Decimal(0)) -> str:
    """A validated Decimal as canonical text (never a float on the way)."""
    if isinstance(value, float):
        value = repr(value)
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError) as exc:
        raise ValueError(f"{what} must be a number, not {value!r}.") from exc
    if not number.is_finite():
        raise ValueError(f"{what} must be a finite number.")
    if minimum is not None and number < minimum:
        raise ValueError(f"{what} must be at least {minimum}.")
    return str(number)


def exchange_rate_text(value: Any) -> str:
    """Invoice-currency units per 1 USD: above 0 (a rate of 0 made every line 0, then an unreadable total).

    A decimal comma is read as a point ("0,92": how most currencies' users write it).
    """
    if isinstance(value, str) and value.count(",") == 1 and "." not in value:
        value = value.replace(",", ".")
    text = decimal_text(value, "The exchange rate")
    if not Decimal(text) > 0:
        raise ValueError("The exchange rate must be above 0: units of the invoice currency per 1 USD, such as 0.92.")
    return text


def check_pattern(pattern: str) -> str:
    """An invoice number pattern such as INV-{YYYY}-{seq:04}; {seq} is required."""
    fields = set(re.findall(r"{(\w+)(?::[^}]*)?}", pattern))
    if "seq" not in fields:
        raise ValueError(f"The number pattern {pattern!r} needs a {{seq}} field, e.g. INV-{{YYYY}}-{{seq:04}}.")
    unknown = fields - _PATTERN_FIELDS
    if unknown:
        raise ValueError(f"Unknown field(s) {sorted(unknown)} in {pattern!r}; use YYYY, YY, MM and seq.")
    render_number(pattern, 2026, 1, 1)  # format errors surface now, not at issue time
    return pattern


def number_scope(pattern: str, year: int, month: int) -> str:
    """The counter a number comes from: the pattern with its date fields filled in,
    so a pattern with {YYYY} restarts at 1 each year and one without never does."""
    return pattern.replace("{YYYY}", f"{year:04d}").replace("{YY}", f"{year % 100:02d}").replace(
        "{MM}", f"{month:02d}")


def render_number(pattern: str, year: int, month: int, seq: int) -> str:
    try:
        return pattern.format(YYYY=f"{year:04d}", YY=f"{year % 100:02d}", MM=f"{month:02d}", seq=seq)
    except (KeyError, ValueError, IndexError) as exc:
        raise ValueError(f"The number pattern {pattern!r} cannot be used ({exc}).") from exc


@dataclass
class Profile:
    """The business that issues invoices."""

    name: str = ""
    address: str = ""  # lines separated by newlines
    postcode: str = ""
    city: str = ""
    country: str = ""  # ISO 3166-1 alpha-2 (required by e-invoices)
    tax_id: str = ""  # VAT identification number
    email: str = ""
    iban: str = ""
    bic: str = ""
    bank_name: str = ""
    logo_path: str = ""
    payment_terms_days: int = 30
    currency: str = "USD"
    number_pattern: str = DEFAULT_PATTERN
    credit_note_pattern: str = DEFAULT_CREDIT_PATTERN

    def as_dict(self) -> dict:
        return asdict(self)


def load_profile(store: Any) -> Profile:
    raw = store.get_setting(PROFILE_SETTING) or {}
    known = {k: v for k, v in raw.items() if k in Profile.__dataclass_fields__}
    return Profile(**known)


def validate_profile(values: dict) -> dict:
    out = dict(values)
    if "currency" in out:
        out["currency"] = check_currency(out["currency"])
    if out.get("country"):
        out["country"] = check_country(out["country"])
    if "payment_terms_days" in out:
        out["payment_terms_days"] = check_terms(out["payment_terms_days"])
    for key in ("number_pattern", "credit_note_pattern"):
        if key in out:
            check_pattern(out[key])
    if "iban" in out:
        out["iban"] = out["iban"].replace(" ", "").upper()
    return out


def update_profile(store: Any, **changes: Any) -> Profile:
    unknown = set(changes) - set(Profile.__dataclass_fields__)
    if unknown:
        raise ValueError(f"Unknown profile field(s): {', '.join(sorted(unknown))}.")
    merged = load_profile(store).as_dict() | validate_profile(changes)
    store.set_setting(PROFILE_SETTING, merged)
    return Profile(**merged)


def check_currency(code: str) -> str:
    code = (code or "").strip().upper()
    if not _CURRENCY.match(code):
        raise ValueError(f"A currency is a three-letter ISO 4217 code such as EUR or USD, not {code!r}.")
    return code


def check_country(code: str) -> str:
    code = (code or "").strip().upper()
    if not _COUNTRY.match(code):
        raise ValueError(f"A country is a two-letter ISO 3166 code such as FR or DE, not {code!r}.")
    return code


def check_terms(days: Any) -> int:
    try:
        value = int(days)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"Payment terms are a whole number of days, not {days!r}.") from exc
    if not 0 <= value <= 365:
        raise ValueError("Payment terms must be between 0 and 365 days.")
    return value


@dataclass
class Tax:
    name: str
    rate_pct: str  # Decimal text


@dataclass
class ClientBilling:
    """A client's billing details and rate plan (validated)."""

    legal_name: str = ""
    address: str = ""
    postcode: str = ""
    city: str = ""
    country: str = ""
    tax_id: str = ""
    email: str = ""
    currency: str = ""  # '' = the profile's
    exchange_rate: str = ""  # default rate (invoice currency per USD); a draft may override it
    payment_terms_days: int | None = None
    plan: str = "markup"
    markup_pct: str = "0"
    rates: dict[str, dict[str, str]] = field(default_factory=dict)
    fixed_fee: str = "0"
    fixed_fee_label: str = "Fixed fee"
    fixed_fee_period: str = "month"
    usage_billed: bool = True
    discount_pct: str = "0"
    taxes: list[Tax] = field(default_factory=list)
    recurring: list[dict] = field(default_factory=list)  # [{"label", "amount", "period"}]
    hourly_rate: str = ""
    show: str = DEFAULT_DISCLOSURE
    adjust_reprices: bool = False
    tax_treatment: str = "standard"
    exemption_reason: str = ""
    monthly_budget: str = ""

    def contract_amounts(self) -> bool:
        """Whether the plan holds amounts in the client's currency (rates, fees, an hourly rate)."""
        fee = self.plan == "fixed" and Decimal(self.fixed_fee or 0) > 0
        return bool((self.plan == "per_model" and self.rates) or fee or self.recurring or self.hourly_rate)
    plan_usage: str = "api_equivalent"  # one of PLAN_USAGE_BASES

    def as_dict(self) -> dict:
        return asdict(self)


def parse_billing(raw: dict | None) -> ClientBilling:
    """Validate a client's billing JSON (from the tag) into `ClientBilling`."""
    raw = dict(raw or {})
    for alias, name in BILLING_ALIASES.items():  # keys other tools write (`tracker tags add --billing`)
        if alias in raw and not raw.get(name):
            raw[name] = raw[alias]
    # Other keys are left alone: the billing JSON is shared with the tagging tools.
    billing = ClientBilling(**{k: v for k, v in raw.items() if k in ClientBilling.__dataclass_fields__
                               and k != "taxes"})
    if billing.plan not in PLANS:
        raise ValueError(f"Unknown rate plan {billing.plan!r}: choose one of {', '.join(PLANS)}.")
    if billing.plan_usage not in PLAN_USAGE_BASES:
        raise ValueError(f"Plan usage is billed as one of {', '.join(PLAN_USAGE_BASES)}, not {billing.plan_usage!r}.")
    if billing.currency:
        billing.currency = check_currency(billing.currency)
    if billing.country:
        billing.country = check_country(billing.country)
    if billing.exchange_rate:
        billing.exchange_rate = exchange_rate_text(billing.exchange_rate)
    if billing.payment_terms_days is not None:
        billing.payment_terms_days = check_terms(billing.payment_terms_days)
    _check_choice(billing.fixed_fee_period, PERIODS, "fee period")
    _check_choice(billing.show, DISCLOSURES, "disclosure (--show)")
    _check_choice(billing.tax_treatment, TAX_TREATMENTS, "tax treatment")
    billing.usage_billed = bool(billing.usage_billed)
    billing.adjust_reprices = bool(billing.adjust_reprices)
    if billing.hourly_rate:
        billing.hourly_rate = decimal_text(billing.hourly_rate, "The hourly rate")
    if billing.monthly_budget:
        billing.monthly_budget = decimal_text(billing.monthly_budget, "The monthly budget")
        if not Decimal(billing.monthly_budget) > 0:
            raise ValueError("The monthly budget must be above 0 (remove it with --no-budget).")
    billing.recurring = [_recurring(item) for item in (billing.recurring or [])]
    labels = [r["label"] for r in billing.recurring]
    if len(set(labels)) != len(labels):
        raise ValueError("Two recurring fees have the same label: give each its own.")
    billing.markup_pct = decimal_text(billing.markup_pct, "The markup", minimum=Decimal(-100))
    billing.fixed_fee = decimal_text(billing.fixed_fee, "The fixed fee")
    billing.discount_pct = decimal_text(billing.discount_pct, "The discount")
    if Decimal(billing.discount_pct) > 100:
        raise ValueError("The discount must be at most 100 percent.")
    rates: dict[str, dict[str, str]] = {}
    for glob, prices in (billing.rates or {}).items():
        if not isinstance(prices, dict) or not prices:
            raise ValueError(f"Rates for {glob!r} must map token classes ({', '.join(RATE_CLASSES)}) to prices.")
        bad = set(prices) - set(RATE_CLASSES)
        if bad:
            raise ValueError(f"Unknown token class(es) {sorted(bad)} for {glob!r}: use {', '.join(RATE_CLASSES)}.")
        rates[glob] = {k: decimal_text(v, f"The {k} rate of {glob!r}") for k, v in prices.items()}
    billing.rates = rates
    if billing.plan == "per_model" and not rates:
        raise ValueError("A per_model plan needs rates, e.g. --rate 'claude-*:input=3,output=15'.")
    taxes = raw.get("taxes") or []
    if len(taxes) > MAX_TAXES:
        raise ValueError(f"At most {MAX_TAXES} taxes per client.")
    billing.taxes = [
        Tax(name=str(t.get("name") or "Tax"), rate_pct=decimal_text(t.get("rate_pct"), "A tax rate"))
        for t in (t if isinstance(t, dict) else {"name": "Tax", "rate_pct": t} for t in taxes)
    ]
    return billing


def _check_choice(value: str, choices: tuple[str, ...], what: str) -> None:
    if value not in choices:
        raise ValueError(f"Unknown {what} {value!r}: choose one of {', '.join(choices)}.")


def _recurring(item: Any) -> dict:
    if not isinstance(item, dict) or not str(item.get("label") or "").strip():
        raise ValueError(f"A recurring fee needs a label, an amount and a period, not {item!r}.")
    period = str(item.get("period") or "month")
    _check_choice(period, PERIODS, "period")
    label = str(item["label"]).strip()
    return {"label": label, "amount": decimal_text(item.get("amount"), f"The amount of {label!r}"), "period": period}


def parse_recurring_spec(spec: str) -> dict:
    """'Hosting=50/month' -> {'label': 'Hosting', 'amount': '50', 'period': 'month'} (period defaults to month)."""
    label, eq, rest = spec.rpartition("=")
    if not eq or not label.strip():
        raise ValueError(f"A recurring fee is LABEL=AMOUNT[/PERIOD], e.g. 'Retainer=500/month', not {spec!r}.")
    amount, _, period = rest.partition("/")
    return _recurring({"label": label, "amount": amount.strip(), "period": period.strip() or "month"})


def parse_rate_spec(spec: str) -> tuple[str, dict[str, str]]:
    """'claude-sonnet-*:input=3,output=15,cache_read=0.3' -> (glob, prices per million tokens)."""
    glob, sep, rest = spec.rpartition(":")
    if not sep or not glob:
        raise ValueError(f"A rate is MODEL_GLOB:class=price,..., e.g. 'gpt-5*:input=1.5,output=12', not {spec!r}.")
    prices = {}
    for part in rest.split(","):
        name, eq, value = part.partition("=")
        if not eq:
            raise ValueError(f"A rate is MODEL_GLOB:class=price,..., not {spec!r}.")
        prices[name.strip()] = value.strip()
    return glob.strip(), prices


def parse_tax_spec(spec: str) -> dict:
    """'VAT=20' -> {'name': 'VAT', 'rate_pct': '20'}."""
    name, eq, rate = spec.partition("=")
    if not eq:
        raise ValueError(f"A tax is NAME=PERCENT, e.g. VAT=20, not {spec!r}.")
    return {"name": name.strip(), "rate_pct": decimal_text(rate, f"The rate of {name.strip()}")}
