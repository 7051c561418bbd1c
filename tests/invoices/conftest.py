"""Fixtures for the invoice tests: a store with a seller profile, a client and usage helpers."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from tracker.services.context import TIMEZONE_SETTING
from tracker.services.invoices_profile import update_profile
from tracker.storage.invoices import InvoiceBook

from .helpers import SELLER


@pytest.fixture(autouse=True)
def _offscreen(monkeypatch):
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture
def istore(store):
    """The suite's `store`, in UTC, with a complete seller profile."""
    store.set_setting(TIMEZONE_SETTING, "UTC")
    update_profile(store, **SELLER)
    return store


@pytest.fixture
def client(istore):
    """A client tag 'acme' billed in USD at cost +10%, VAT 20%."""
    b = InvoiceBook(istore)
    tag = b.ensure_client_tag("acme")
    b.set_client_billing(tag["id"], {
        "legal_name": "ACME Corp SAS", "address": "1 Rue de la Paix", "postcode": "75002", "city": "Paris",
        "country": "FR", "tax_id": "FR40303265045", "email": "ap@acme.example", "currency": "USD",
        "plan": "markup", "markup_pct": "10", "taxes": [{"name": "VAT", "rate_pct": "20"}],
    })
    return b.client_tag("acme")
