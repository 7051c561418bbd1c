"""`tracker invoice line|import-time|export-usage|margin` end to end, and the AI usage files for trackers."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from tracker.cli import main
from tracker.core.timeutil import get_zone
from tracker.paths import get_paths
from tracker.services import invoices as service
from tracker.services.invoices_profile import update_profile
from tracker.services.invoices_usage_export import HARVEST_COLUMNS, KIMAI_COLUMNS, export_usage
from tracker.storage import open_store

from .helpers import SELLER, add_usage, event

FIXTURES = Path(__file__).parent / "fixtures"


def run(*args, ok=True):
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    if ok:
        assert result.exit_code == 0, result.output
    return result


@pytest.fixture
def home_store():
    """The CLI's own database (TRACKER_HOME), with a seller, a client in EUR and some AI usage."""
    paths = get_paths().ensure()
    store = open_store(paths.db_path, paths.backup_dir)
    update_profile(store, **SELLER)
    tag = service.set_client(store, "globex", legal_name="Globex Industries GmbH", country="DE", currency="EUR",
                             exchange_rate="0.9", markup_pct="10", hourly_rate="95", show="tokens")
    add_usage(store, tag["id"], events=[event("a", "2026-11-02", cost="10.00"),
                                        event("b", "2026-11-03", "gpt-5", cost="5.00")])
    yield store
    store.close()


def test_lines_time_usage_export_and_margin_from_the_command_line(home_store, tmp_path):
    draft = json.loads(run("invoice", "create", "--client", "globex", "--since", "2026-11-01", "--until",
                           "2026-11-30", "--json").output)["draft_id"]
    out = run("invoice", "line", "add", str(draft), "hours", "-d", "Code review", "--hours", "2").output
    assert "Code review (2 x 95)" in out  # the client's hourly rate
    run("invoice", "line", "add", str(draft), "expense", "-d", "Conference ticket", "--amount", "120",
        "--date", "2026-11-05")
    bad = run("invoice", "line", "add", str(draft), "hours", "-d", "x", "--hours", "two", ok=False)
    assert bad.exit_code == 1 and "must be a number" in bad.output
    out = run("invoice", "import-time", str(draft), str(FIXTURES / "harvest_detailed_time.csv")).output
    assert "Harvest export: 3 entries added (6.75 h)" in out and "1 not billable" in out
    listed = json.loads(run("invoice", "line", "list", str(draft), "--json").output)["lines"]
    assert len(listed) == 5
    run("invoice", "line", "remove", str(draft), str(listed[1]["id"]))  # the expense
    issued = run("invoice", "issue", str(draft), "--date", "2026-12-01").output
    number = issued.split()[1].rstrip(":")
    gone = run("invoice", "line", "add", number, "expense", "-d", "late", "--amount", "1", ok=False)
    assert "issued" in gone.output

    usage = run("invoice", "export-usage", number, "--format", "harvest", "--person", "Jane Doe").output
    rows = list(csv.DictReader(io.StringIO(usage)))
    assert tuple(rows[0]) == HARVEST_COLUMNS
    # 10.00 x 1.1 x 0.9 = 9.90 and 5.00 x 1.1 x 0.9 = 4.95: billed amounts, never the cost
    assert sorted(r["Amount"] for r in rows) == ["4.95", "9.90"]
    assert all(r["Client"] == "Globex Industries GmbH" and r["First Name"] == "Jane" for r in rows)
    assert "output tokens" in rows[0]["Notes"] and "10.00" not in usage
    missing = run("invoice", "export-usage", number, "--format", "harvest", ok=False)
    assert "--person" in missing.output

    margin = json.loads(run("invoice", "margin", number, "--json").output)
    # 2 h x 95 + 522.50 + 137.50 + 9.90 + 4.95 = 864.85; cost 13.50 (15.00 USD x 0.9)
    assert margin["totals"]["revenue"] == "864.85" and margin["totals"]["cost"] == "13.50"
    table = run("invoice", "margin", number).output
    assert "internal: not for the client" in table and "Revenue after discounts 864.85" in table
    target = tmp_path / "margin.csv"
    run("invoice", "margin", number, "--csv", "-o", str(target))
    assert target.read_text().splitlines()[-1].startswith(",total,revenue after discounts,864.85,")


def test_usage_exports_for_kimai_and_clockify_disclose_only_what_the_client_sees(istore, client):
    add_usage(istore, client["id"], events=[event("a", "2026-11-02", cost="2.00")])
    service.set_client(istore, "acme", show="amounts")
    draft = service.create_draft(istore, "acme", date(2026, 11, 1), date(2026, 11, 30), get_zone("UTC"))
    doc = service.preview(istore, draft["id"])
    kimai = list(csv.DictReader(io.StringIO(export_usage(doc, "kimai", person="Jane Doe").decode())))
    assert tuple(kimai[0]) == KIMAI_COLUMNS
    assert (kimai[0]["Fixed price"], kimai[0]["Price"], kimai[0]["Duration"], kimai[0]["Currency"]) == (
        "2.20", "2.20", "0:00", "USD")
    assert "tokens" not in kimai[0]["Description"]  # 'amounts': no token counts either
    clockify = list(csv.DictReader(io.StringIO(export_usage(doc, "clockify").decode())))
    assert clockify[0]["Billable Amount (USD)"] == "2.20" and clockify[0]["Start Date"] == "11/30/2026"
    with pytest.raises(ValueError, match="no AI usage lines"):
        export_usage({**doc, "lines": []}, "kimai")
