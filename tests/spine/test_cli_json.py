"""`cli_format.to_json` writes exactly what json.dumps(indent=2, ensure_ascii=False) writes, whatever the
document (its fast path, orjson, serves only documents it writes the same)."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from tracker.cli_format import to_json

SCALARS = st.one_of(st.none(), st.booleans(), st.integers(min_value=-2**80, max_value=2**80),
                    st.floats(allow_nan=True, allow_infinity=True), st.text())
DOCS = st.recursive(SCALARS, lambda inner: st.one_of(st.lists(inner, max_size=5),
                                                     st.dictionaries(st.text(max_size=8), inner, max_size=5)),
                    max_leaves=40)


@settings(max_examples=400, deadline=None)
@given(DOCS)
def test_to_json_writes_what_json_writes(doc):
    assert to_json(doc) == json.dumps(doc, indent=2, ensure_ascii=False)


def test_a_report_of_text_and_integers_takes_the_fast_path(monkeypatch):
    calls = []
    monkeypatch.setattr(json, "dumps", lambda *a, **k: calls.append(a) or "")
    doc = {"rows": [{"cost_usd": "0.123456", "requests": 3, "models": ["a"], "project": None}], "ok": True}
    assert to_json(doc).startswith('{\n  "rows": [') and not calls


def test_a_big_report_with_a_float_anywhere_is_written_as_json_writes_it():
    """A year of rows goes through orjson unless a float is somewhere in it (orjson writes 1e-07 as 1e-7)."""
    rows = [{"session": f"s{i}", "requests": i, "models": ["a", "b"], "project": None} for i in range(3000)]
    plain = {"rows": rows, "totals": {"requests": 1}}
    assert to_json(plain) == json.dumps(plain, indent=2, ensure_ascii=False)
    for where in (lambda d: d["rows"][-1]["models"].append(1e-07), lambda d: d["totals"].update(share=1e-07),
                  lambda d: d["rows"][1500].update(nested=[{"deep": [[1e-07]]}])):
        doc = json.loads(json.dumps(plain))
        where(doc)
        assert to_json(doc) == json.dumps(doc, indent=2, ensure_ascii=False)


KEYS = st.lists(st.text(max_size=6), min_size=1, max_size=6, unique=True)  # ('%' in a key is in the format)
COLUMN_KINDS = (st.integers(min_value=-2**80, max_value=2**80), st.text(), SCALARS,
                st.lists(st.integers(), max_size=2))


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_rows_with_the_same_keys_are_written_as_json_writes_them(data):
    """A list of rows with the same keys (a report's rows) is written column by column: each column all
    whole numbers, all text, any scalars, or something that is none (a list: value by value again)."""
    keys = data.draw(KEYS)
    kinds = {key: data.draw(st.sampled_from(COLUMN_KINDS)) for key in keys}
    rows = data.draw(st.lists(st.fixed_dictionaries({key: kinds[key] for key in keys}), min_size=8, max_size=14))
    odd = data.draw(st.sampled_from((None, "reordered", "missing", "not a dict")))
    if odd == "reordered" and len(keys) > 1:
        rows[-1] = dict(reversed(list(rows[-1].items())))
    elif odd == "missing":
        rows[-1].pop(keys[0])
    elif odd == "not a dict":
        rows[-1] = keys
    doc = {"rows": rows, "totals": {"requests": 1}}
    assert to_json(doc) == json.dumps(doc, indent=2, ensure_ascii=False)


def test_a_report_s_rows_are_written_by_columns_not_value_by_value(monkeypatch):
    from tracker import cli_format

    rows = [{"date": f"2025-01-{day:02d}", "requests": day, "cost_usd": None if day % 2 else "0.5"}
            for day in range(1, 31)]
    calls = []
    real = cli_format._indented
    monkeypatch.setattr(cli_format, "_indented", lambda value, newline: calls.append(value) or real(value, newline))
    assert to_json({"rows": rows}) == json.dumps({"rows": rows}, indent=2, ensure_ascii=False)
    # the document, its list, and the cost column's values (text or null): not the dates, not the numbers
    assert len(calls) == 2 + 30 and not any(type(value) is dict for value in calls[2:])
