"""`tracker invoice ...` end to end through click, on the test's private TRACKER_HOME."""

from __future__ import annotations

import json
import os

from click.testing import CliRunner

from tracker.cli import main
from tracker.paths import get_paths
from tracker.storage import open_store
from tracker.storage.invoices import InvoiceBook

from .helpers import add_usage, event


def run(*args, ok=True):
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    if ok:
        assert result.exit_code == 0, result.output
    return result


def _seed_usage(name="acme"):
    paths = get_paths().ensure()
    store = open_store(paths.db_path, paths.backup_dir)
    try:
        tag = InvoiceBook(store).client_tag(name)
        add_usage(store, tag["id"], events=[event("a", "2026-11-02", cost="1.00"),
                                            event("b", "2026-11-03", "gpt-5", cost="2.50")])
    finally:
        store.close()


def test_profile_client_create_issue_list_export_paid_void(tmp_path):
    run("invoice", "profile", "set", "--name", "Jane Doe Consulting", "--country", "de", "--tax-id", "DE123",
        "--iban", "DE89 3704 0044 0532 0130 00", "--currency", "EUR", "--address", "12 Elm Street\\nBack house")
    profile = json.loads(run("invoice", "profile", "show", "--json").output)
    assert profile["country"] == "DE" and profile["iban"] == "DE89370400440532013000"
    assert profile["address"] == "12 Elm Street\nBack house"
    out = run("invoice", "client", "set", "acme", "--currency", "EUR", "--exchange-rate", "0.9", "--markup", "10",
              "--tax", "VAT=20", "--country", "FR", "--legal-name", "ACME SAS").output
    assert "cost +10%" in out
    _seed_usage()
    doc = json.loads(run("invoice", "create", "--client", "acme", "--since", "2026-11-01", "--until",
                         "2026-11-30", "--json").output)
    # (1.00 + 2.50) x 1.1 x 0.9 = 3.465 -> per line: 0.99 + 2.475 -> 2.48; VAT 20% of 3.47 = 0.694 -> 0.69
    assert [line["amount"] for line in doc["lines"]] == ["0.99", "2.48"]
    assert doc["totals"]["total"] == "4.16" and doc["number"] is None
    out = run("invoice", "issue", str(doc["draft_id"]), "--date", "2026-12-01").output
    assert "Issued INV-2026-0001: 4.16 EUR due 2026-12-31" in out
    listed = json.loads(run("invoice", "list", "--json").output)["invoices"]
    assert [(r["number"], r["status"], r["total"]) for r in listed] == [("INV-2026-0001", "issued", "4.16")]
    assert "INV-2026-0001" in run("invoice", "list").output

    csv_text = run("invoice", "export", "INV-2026-0001", "--format", "csv").output
    assert csv_text.splitlines()[0].startswith("position,kind,group,description,quantity")
    target = tmp_path / "inv.pdf"
    run("invoice", "export", "INV-2026-0001", "-o", str(target))
    assert target.read_bytes().startswith(b"%PDF-") and oct(os.stat(target).st_mode & 0o777) == "0o600"
    fx = tmp_path / "fx.pdf"
    run("invoice", "export", "INV-2026-0001", "--format", "facturx", "-o", str(fx))
    assert fx.stat().st_size > target.stat().st_size

    early = run("invoice", "paid", "INV-2026-0001", "--date", "2026-11-30", ok=False)
    assert "issued on 2026-12-01: it cannot have been paid on 2026-11-30" in early.output
    assert "marked paid on 2026-12-20" in run("invoice", "paid", "INV-2026-0001", "--date", "2026-12-20").output
    again = run("invoice", "paid", "INV-2026-0001", ok=False)
    assert "INV-2026-0001 is already paid (on 2026-12-20)" in again.output
    assert "CN-" in run("invoice", "void", "INV-2026-0001", "--reason", "Duplicate").output
    shown = json.loads(run("invoice", "show", "INV-2026-0001", "--json").output)
    assert shown["status"] == "void"


def test_user_errors_are_one_line_messages():
    result = run("invoice", "create", "--client", "nobody", "--since", "2026-11-01", "--until", "2026-11-30", ok=False)
    assert result.exit_code == 1 and "No client 'nobody'" in result.output
    result = run("invoice", "client", "set", "acme", "--rate", "gpt-5:input=abc", ok=False)
    assert result.exit_code == 1 and "must be a number" in result.output
    result = run("invoice", "client", "set", "acme", "--tax", "A=1", "--tax", "B=2", "--tax", "C=3", ok=False)
    assert "At most 2 taxes" in result.output
    result = run("invoice", "profile", "set", "--pattern", "INV-{YYYY}", ok=False)
    assert "{seq}" in result.output
    result = run("invoice", "issue", "INV-9999-0001", ok=False)
    assert "No invoice" in result.output
    run("invoice", "client", "set", "acme")
    run("invoice", "create", "--client", "acme", "--since", "2026-11-01", "--until", "2026-11-30")
    result = run("invoice", "issue", "1", ok=False)
    assert "business name" in result.output  # no profile yet: says how to set it


def test_an_exchange_rate_of_zero_is_refused_everywhere_and_creates_nothing():
    """A rate of 0 made a draft whose total could not be shown ('?') and whose `show` failed."""
    out = run("invoice", "client", "set", "acme", "--currency", "EUR", "--exchange-rate", "0.9", "--markup", "-10")
    assert "Pass-through cost -10%" in out.output  # not "+-10%"
    _seed_usage()
    for args in (("invoice", "create", "--client", "acme", "--since", "2026-11-01", "--until", "2026-11-30",
                  "--rate", "0"),
                 ("invoice", "client", "set", "acme", "--exchange-rate", "0")):
        result = run(*args, ok=False)
        assert result.exit_code == 1 and "The exchange rate must be above 0" in result.output
    assert json.loads(run("invoice", "list", "--json").output)["invoices"] == []  # nothing half-made
    run("invoice", "create", "--client", "acme", "--since", "2026-11-01", "--until", "2026-11-30")
    result = run("invoice", "rate", "1", "0", ok=False)
    assert "The exchange rate must be above 0" in result.output
    assert "1 USD = 0.95 EUR" in run("invoice", "rate", "1", "0,95").output  # a decimal comma is read as a point


def test_demo_database_has_a_profile_and_client_billing():
    out = run("--demo", "invoice", "client", "list", "--json").output
    clients = {c["name"]: c for c in json.loads(out)["clients"]}
    assert clients["ACME"]["billing"]["legal_name"] == "ACME Webshop Ltd"  # from the tag's 'name'
    assert clients["ACME"]["billing"]["currency"] == "EUR" and clients["ACME"]["problem"] is None
    assert json.loads(run("--demo", "invoice", "profile", "show", "--json").output)["name"]


def test_every_invoice_command_has_help():
    from tracker.commands.invoice_cmd import invoice_group

    def walk(group, prefix):
        for name, command in group.commands.items():
            assert command.help or command.short_help, f"{prefix} {name} has no help text"
            if hasattr(command, "commands"):
                walk(command, f"{prefix} {name}")

    walk(invoice_group, "invoice")
