"""The Usage page's filter over its Sessions looks every session of the range up in the database
(storage.session_search, through services.usage.sessions_matching), a page at a time: each page, count and
sum must be those of every session of the range filtered one by one (the way taken where the rollups cannot
answer), on usage chosen to break it (tests/spine/test_sessions_json.py): sessions over the range's edges
and over UTC midnight, zones with half-hour offsets and daylight-saving changes, odd and unicode names."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.spine.test_sessions_json import DAY0, DAYS, usage  # noqa: F401  (the fixture)
from tracker.core.timeutil import get_zone
from tracker.services import usage as usage_service

PAGE = 5
TEXTS = ("ACME", "ünï", "sonnet", "codex", "-1", '"', "\\", "項目", "%", "no such text")


def _every_match(store, zone, since, until, order, text, named=()):
    """Every matching session, the slow way: every session of the range filtered here."""
    found = store.session_search_page
    store.session_search_page = lambda *args, **kwargs: None
    try:
        return usage_service.sessions_matching(store, zone, since, until, order, True, text, named, limit=10**6)
    finally:
        store.session_search_page = found


def _paged(store, zone, since, until, order, text, named=()):
    first = usage_service.sessions_matching(store, zone, since, until, order, True, text, named, limit=PAGE)
    rows = list(first["rows"])
    while len(rows) < first["total_rows"]:
        more = usage_service.sessions_matching(store, zone, since, until, order, True, text, named,
                                               offset=len(rows), limit=PAGE)["rows"]
        assert more, "a page came back empty before every match was read"
        rows += more
    return first | {"rows": rows}


@pytest.mark.parametrize("zone_name", ("Australia/Lord_Howe", "America/St_Johns", "UTC"))
def test_every_match_page_by_page_as_the_slow_way_finds_them(usage, zone_name):  # noqa: F811
    store, zone = usage, get_zone(zone_name)
    ranges = [(DAY0 - timedelta(days=1), DAY0 + timedelta(days=DAYS + 1)),  # every session
              (DAY0 + timedelta(days=2), DAY0 + timedelta(days=6))]  # sessions cut by both edges
    starts = {row["first_seen"][:13].replace("T", " ") for row in
              usage_service.sessions_matching(store, zone, *ranges[1], "first_seen", True, "-", limit=3)["rows"]}
    for since, until in ranges:
        for text in (*TEXTS, *starts):
            for order in ("first_seen", "cost_usd", "project"):
                slow = _every_match(store, zone, since, until, order, text)
                assert _paged(store, zone, since, until, order, text) == slow, (since, until, text, order)
    assert _every_match(store, zone, *ranges[0], "first_seen", "sonnet")["total_rows"] > PAGE  # found some


def test_a_source_named_as_shown_matches_its_every_session(usage):  # noqa: F811
    store, zone = usage, get_zone("UTC")
    since, until = DAY0, DAY0 + timedelta(days=DAYS)
    found = _paged(store, zone, since, until, "first_seen", "claude code", ("claude_code",))
    every = _every_match(store, zone, since, until, "first_seen", "")
    assert found == _every_match(store, zone, since, until, "first_seen", "claude code", ("claude_code",))
    assert found["total_rows"] == sum(row["source"] == "claude_code" for row in every["rows"]) > 0
