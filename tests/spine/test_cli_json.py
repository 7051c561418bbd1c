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
