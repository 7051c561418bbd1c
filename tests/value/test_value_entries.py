"""Value entries: validation, periods, CSV import with rejected rows (all or nothing)."""

from __future__ import annotations

from datetime import date

import pytest

from tracker.services.value import add_tag, add_value, import_csv, parse_period


@pytest.fixture
def tagged(store):
    add_tag(store, "ACME", "client")
    add_tag(store, "tracker", "project")
    return store


def test_periods():
    assert parse_period("2026-02") == (date(2026, 2, 1), date(2026, 2, 28))
    assert parse_period("2026-W01") == (date(2025, 12, 29), date(2026, 1, 4))
    assert parse_period("2026-11-05") == (date(2026, 11, 5), date(2026, 11, 5))
    for bad in ("2026-13", "2026-W54", "November", ""):
        with pytest.raises(ValueError):
            parse_period(bad)


def test_add_value_replaces_same_tag_period_and_kind(tagged):
    add_value(tagged, tag="ACME", amount="4000", period="2026-11")
    add_value(tagged, tag="ACME", amount="4,250.50", period="2026-11", note="revised")
    add_value(tagged, tag="ACME", amount="100", currency="eur", period="2026-11")
    add_value(tagged, tag="tracker", kind="kpi", amount="14", unit="pull requests merged", period="2026-W47")
    entries = tagged.value_entries()
    money = [(e["amount"], e["currency"], e["note"]) for e in entries if e["kind"] == "money"]
    assert sorted(money) == [("100", "EUR", None), ("4250.5", "USD", "revised")]
    kpi = [e for e in entries if e["kind"] == "kpi"]
    assert [(k["amount"], k["unit"], k["period_start"], k["period_end"]) for k in kpi] == [
        ("14", "pull requests merged", "2026-11-16", "2026-11-22")]


@pytest.mark.parametrize("fields, reason", [
    ({"tag": "Nobody", "amount": "1", "period": "2026-11"}, "unknown tag"),
    ({"tag": "ACME", "amount": "-5", "period": "2026-11"}, "negative"),
    ({"tag": "ACME", "amount": "lots", "period": "2026-11"}, "not a number"),
    ({"tag": "ACME", "amount": "NaN", "period": "2026-11"}, "finite"),
    ({"tag": "ACME", "amount": "1", "currency": "dollars", "period": "2026-11"}, "three-letter"),
    ({"tag": "ACME", "kind": "kpi", "amount": "3", "period": "2026-11"}, "unit name"),
    ({"tag": "ACME", "amount": "1"}, "no period"),
    ({"tag": "ACME", "amount": "1", "period_start": "2026-11-05", "period_end": "2026-11-01"}, "before it starts"),
    ({"tag": "ACME", "kind": "gold", "amount": "1", "period": "2026-11"}, "money or kpi"),
])
def test_invalid_entries_are_refused_with_a_reason(tagged, fields, reason):
    with pytest.raises(ValueError, match=reason):
        add_value(tagged, **fields)
    assert tagged.value_entries() == []


GOOD_AND_BAD = """tag,period,kind,amount,currency,unit,note
ACME,2026-10,money,4000,USD,,retainer
ACME,2026-11,,4100,,,
tracker,2026-W47,kpi,14,,pull requests merged,
Nobody,2026-11,money,10,USD,,
ACME,2026-13,money,10,USD,,
tracker,2026-W48,kpi,,,pull requests merged,

ACME,2026-11,money,9,USD,,dup
"""


def test_csv_with_bad_rows_imports_nothing_and_names_each_line(tagged):
    report = import_csv(tagged, GOOD_AND_BAD)
    assert report.written == 0
    assert tagged.value_entries() == []
    lines = {line: reason for line, reason in report.rejected}
    assert sorted(lines) == [5, 6, 7, 9]
    assert "unknown tag 'Nobody'" in lines[5]
    assert "not a month" in lines[6]
    assert "no quantity" in lines[7]
    assert "same tag, period and kind as line 3" in lines[9]
    assert report.as_dict()["rejected"][0] == {"line": 5, "reason": lines[5]}


def test_csv_partial_import_writes_only_the_valid_rows(tagged):
    report = import_csv(tagged, GOOD_AND_BAD, allow_partial=True)
    assert report.written == 3
    assert len(tagged.value_entries()) == 3
    again = import_csv(tagged, GOOD_AND_BAD, allow_partial=True)  # idempotent: replaces, never adds
    assert again.written == 3 and len(tagged.value_entries()) == 3


def test_csv_with_start_and_end_columns_bom_and_bytes(tagged):
    data = "\ufefftag,period_start,period_end,amount\nACME,2026-11-01,2026-11-15,500\nACME,2026-11-16,,20\n"
    report = import_csv(tagged, data.encode("utf-8"))
    assert report.ok and report.written == 2
    assert [(e["period_start"], e["period_end"]) for e in tagged.value_entries()] == [
        ("2026-11-01", "2026-11-15"), ("2026-11-16", "2026-11-16")]


@pytest.mark.parametrize("data, reason", [
    (b"\xff\xfe\x00garbage", "not UTF-8"),
    ("name,amount\nACME,1\n", "header needs"),
    ("tag,period,amount,colour\nACME,2026-11,1,red\n", "unknown column"),
])
def test_csv_file_level_problems(tagged, data, reason):
    report = import_csv(tagged, data)
    assert report.written == 0 and not report.ok
    assert reason in report.rejected[0][1]


def test_csv_row_with_extra_cells(tagged):
    report = import_csv(tagged, "tag,period,amount\nACME,2026-11,1,surprise\nACME,2026-10,2\n")
    assert report.rejected == [(2, "more cells than header columns")]
    assert report.written == 0


def test_csv_file_that_cannot_be_read(tagged, tmp_path):
    report = import_csv(tagged, tmp_path / "missing.csv")
    assert report.rejected[0][0] == 0 and "cannot be read" in report.rejected[0][1]
