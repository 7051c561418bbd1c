"""Rules, priorities, re-tagging on change, hand assignments, reports by tag."""

from __future__ import annotations

from datetime import date

import pytest
from value_helpers import USD, bucket, event

from tracker.core.timeutil import Window, get_zone
from tracker.services import reports, tagging
from tracker.services.value import add_tag, edit_tag

DAY = date(2026, 11, 10)


def tag_of(store, key: str, table: str = "events") -> str | None:
    row = store.conn.execute(
        f"SELECT t.name FROM {table} u LEFT JOIN tags t ON t.id = NULLIF(COALESCE(u.manual_tag_id, u.rule_tag_id), 0) "
        "WHERE u.key = ?", (key,)).fetchone()
    assert row is not None, f"no usage row {key}"
    return row[0]


def by_tag(store) -> dict[str, int]:
    wins = [Window("all", DAY, 0, 2**62)]
    out: dict[str, int] = {}
    for r in store.aggregate(wins, group_by=["tag"]):
        out[r["tag"]] = out.get(r["tag"], 0) + r["cost_pico"]
    return out


@pytest.fixture
def usage(store):
    store.write_batch(events=[
        event("acme-main", DAY, project="acme-webshop", cwd="/w/acme-webshop", git_branch="main"),
        event("acme-feat", DAY, project="acme-webshop", cwd="/w/acme-webshop", git_branch="feature/checkout"),
        event("globex", DAY, project="globex-etl", cwd="/clients/globex-etl", git_branch="main"),
        event("opus", DAY, project="misc", cwd="/tmp/x", model="claude-opus-4-5", session="s-1"),
        event("codex", DAY, source="codex", project="misc", cwd="/tmp/y", model="gpt-5-codex"),
        event("early", date(2026, 11, 1), project="misc", cwd="/tmp/z"),
    ], buckets=[
        bucket(DAY, project_id="proj_bot", model="gpt-4.1"),
        bucket(DAY, project_id="proj_other", model="gpt-4.1-mini", api_key_id="key_7"),
    ])
    for name, kind in (("ACME", "client"), ("Checkout", "project"), ("Globex", "client"), ("Bot", "kpi"),
                       ("Opus", "project"), ("Early", "project")):
        add_tag(store, name, kind)
    return store


def test_each_match_field_claims_only_its_usage(usage):
    store = usage
    tagging.add_rule(store, "ACME", project_glob="acme-*")
    tagging.add_rule(store, "Globex", cwd_glob="/clients/*")
    tagging.add_rule(store, "Bot", project_id="proj_bot")
    tagging.add_rule(store, "Opus", model_glob="claude-opus-*", session="s-1")
    tagging.add_rule(store, "Early", until_day="2026-11-05")
    assert tag_of(store, "acme-main") == "ACME"
    assert tag_of(store, "acme-feat") == "ACME"
    assert tag_of(store, "globex") == "Globex"
    assert tag_of(store, "opus") == "Opus"
    assert tag_of(store, "codex") is None
    assert tag_of(store, "early") == "Early"
    bot_key = bucket(DAY, project_id="proj_bot", model="gpt-4.1").natural_key()
    other_key = bucket(DAY, project_id="proj_other", model="gpt-4.1-mini", api_key_id="key_7").natural_key()
    assert tag_of(store, bot_key, "buckets") == "Bot"
    assert tag_of(store, other_key, "buckets") is None
    # a field the table lacks never matches it: a cwd rule does not claim provider buckets
    tagging.add_rule(store, "Globex", api_key_id="key_7")
    assert tag_of(store, other_key, "buckets") == "Globex"
    assert tag_of(store, "codex") is None


def test_date_range_is_local_days(usage):
    store = usage
    store.set_setting("timezone", "Pacific/Auckland")  # UTC+13 in November
    # 2026-11-01 12:00 UTC is 2026-11-02 01:00 in Auckland: outside a range ending on the 1st
    tagging.add_rule(store, "Early", until_day="2026-11-01")
    assert tag_of(store, "early") is None
    tagging.add_rule(store, "Early", since_day="2026-11-02", until_day="2026-11-02")
    assert tag_of(store, "early") == "Early"


def test_higher_priority_wins_and_ties_go_to_the_older_rule(usage):
    store = usage
    tagging.add_rule(store, "ACME", priority=10, project_glob="acme-webshop")
    tagging.add_rule(store, "Checkout", priority=20, project_glob="acme-webshop", git_branch_glob="feature/*")
    assert tag_of(store, "acme-main") == "ACME"
    assert tag_of(store, "acme-feat") == "Checkout"
    # same priority: the older rule (lower id) wins, whatever the order rows are scanned in
    tagging.add_rule(store, "Opus", priority=10, project_glob="acme-*")
    assert tag_of(store, "acme-main") == "ACME"
    tagging.add_rule(store, "Globex", priority=11, cwd_glob="/w/acme-*")
    assert tag_of(store, "acme-main") == "Globex"
    assert tag_of(store, "acme-feat") == "Checkout"


def test_rule_changes_retag_existing_usage(usage):
    store = usage
    rule_id, result = tagging.add_rule(store, "ACME", project_glob="acme-*")
    assert result.changed["events"] == 2
    high, _ = tagging.add_rule(store, "Checkout", priority=5, git_branch_glob="feature/*")
    assert tag_of(store, "acme-feat") == "Checkout"
    tagging.remove_rule(store, high)
    assert tag_of(store, "acme-feat") == "ACME"
    tagging.remove_rule(store, rule_id)
    assert tag_of(store, "acme-feat") is None and tag_of(store, "acme-main") is None


def test_removing_a_tag_lets_other_rules_claim_its_usage(usage):
    store = usage
    tagging.add_rule(store, "Checkout", priority=5, project_glob="acme-*")
    tagging.add_rule(store, "ACME", priority=1, project_glob="acme-*")
    assert tag_of(store, "acme-main") == "Checkout"
    tagging.remove_tag(store, "Checkout")
    assert tag_of(store, "acme-main") == "ACME"
    assert store.tag_by_name("Checkout") is None
    assert all(r["tag"] != "Checkout" for r in store.rules())


def test_new_usage_is_tagged_on_the_next_apply(usage):
    store = usage
    tagging.add_rule(store, "ACME", project_glob="acme-*")
    store.write_batch(events=[event("later", DAY, project="acme-admin")])
    assert tag_of(store, "later") is None  # not yet: sync applies the rules after writing
    result = tagging.tag_new_usage(store)
    assert result.changed == {"events": 1, "buckets": 0}
    assert tag_of(store, "later") == "ACME"
    assert tagging.apply_rules(store).changed == {"events": 0, "buckets": 0}  # the same as a full pass


def test_hand_assignment_beats_rules_and_survives_reapply(usage):
    store = usage
    tagging.add_rule(store, "ACME", priority=100, project_glob="acme-*")
    counts = tagging.assign_selection(store, "Globex", git_branch_glob="feature/*")
    assert counts == {"events": 1, "buckets": 0}
    assert tag_of(store, "acme-feat") == "Globex"
    tagging.apply_rules(store)
    tagging.add_rule(store, "Checkout", priority=1000, project_glob="*")
    assert tag_of(store, "acme-feat") == "Globex"
    assert tag_of(store, "acme-main") == "Checkout"
    # untagged by hand beats rules too; clearing gives the row back to the rules
    tagging.assign_rows(store, "events", [("claude_code", "", "acme-main")], None, untag=True)
    assert tag_of(store, "acme-main") is None
    tagging.assign_selection(store, None, git_branch_glob="feature/*")
    tagging.assign_rows(store, "events", [("claude_code", "", "acme-main")], None)
    assert tag_of(store, "acme-feat") == "Checkout"
    assert tag_of(store, "acme-main") == "Checkout"


def test_rule_validation(usage):
    store = usage
    with pytest.raises(ValueError, match="at least one match field"):
        tagging.add_rule(store, "ACME")
    with pytest.raises(ValueError, match="a selection needs at least one match field"):
        tagging.assign_selection(store, "ACME")
    with pytest.raises(ValueError, match="No tag named"):
        tagging.add_rule(store, "Nobody", project_glob="x")
    with pytest.raises(ValueError, match="before it starts"):
        tagging.add_rule(store, "ACME", since_day="2026-11-05", until_day="2026-11-01")
    assert store.rules() == []
    rule_id, _ = tagging.add_rule(store, "ACME", allow_everything=True)
    assert tag_of(store, "codex") == "ACME"
    assert tag_of(store, bucket(DAY, project_id="proj_bot", model="gpt-4.1").natural_key(), "buckets") == "ACME"


def test_costs_by_tag_add_up_to_the_total_with_untagged_visible(usage):
    store = usage
    tagging.add_rule(store, "ACME", project_glob="acme-*")
    tagging.add_rule(store, "Checkout", priority=1, project_glob="acme-*")  # overlaps: still counted once
    tagging.add_rule(store, "Bot", project_id="proj_bot")
    costs = by_tag(store)
    assert costs == {"Checkout": 2 * USD, "Bot": USD, "untagged": 5 * USD}
    assert sum(costs.values()) == 8 * USD  # 6 events + 2 buckets at $1 each


def test_usage_report_by_tag(usage):
    store = usage
    tagging.add_rule(store, "ACME", project_glob="acme-*")
    doc = reports.usage_report(store, get_zone("UTC"), "day", "tag", since=DAY, until=DAY)
    tags = {(r["source"], r["tag"]): r["cost_usd"] for r in doc["rows"]}
    assert tags[("claude_code", "ACME")] == "2.000000"
    assert tags[("claude_code", "untagged")] == "2.000000"
    assert tags[("openai", "untagged")] == "2.000000"
    assert doc["totals"]["cost_usd"] == "7.000000"


def test_reserved_and_duplicate_tag_names(store):
    with pytest.raises(ValueError, match="reserved"):
        add_tag(store, "Untagged", "project")
    add_tag(store, "ACME", "client", billing='{"name": "ACME Ltd"}')
    assert store.tag_by_name("ACME")["billing"] == {"name": "ACME Ltd"}
    with pytest.raises(ValueError, match="already exists"):
        add_tag(store, "ACME", "client")
    with pytest.raises(ValueError, match="JSON object"):
        add_tag(store, "X", "client", billing="[1, 2]")
    with pytest.raises(ValueError, match="kind"):
        add_tag(store, "Y", "team")


def test_edit_tag_keeps_its_rules_and_usage(usage):
    store = usage
    tagging.add_rule(store, "ACME", project_glob="acme-*")
    tag = edit_tag(store, "ACME", new_name="ACME Corp", team_category="clients",
                   billing={"name": "ACME Corp", "address": "1 Road"})
    assert tag["name"] == "ACME Corp" and tag["billing"]["address"] == "1 Road" and tag["team_category"] == "clients"
    assert tag_of(store, "acme-main") == "ACME Corp"
    assert [r["tag"] for r in store.rules()] == ["ACME Corp"]
    with pytest.raises(ValueError, match="belong to client"):
        edit_tag(store, "ACME Corp", kind="project")
    edit_tag(store, "ACME Corp", kind="project", billing="")
    assert store.tag_by_name("ACME Corp")["billing"] is None
    with pytest.raises(ValueError, match="already exists"):
        edit_tag(store, "ACME Corp", new_name="Globex")


def test_a_rule_change_and_its_reapplication_are_one_transaction(usage, monkeypatch):
    store = usage
    tagging.add_rule(store, "ACME", project_glob="acme-*")

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(store, "apply_rule_tags", broken)
    with pytest.raises(RuntimeError):
        tagging.add_rule(store, "Checkout", priority=9, project_glob="acme-*")
    with pytest.raises(RuntimeError):
        tagging.remove_tag(store, "ACME")
    monkeypatch.undo()
    assert [r["tag"] for r in store.rules()] == ["ACME"]  # neither change half-happened
    assert store.tag_by_name("ACME") is not None
    assert tag_of(store, "acme-main") == "ACME"
    assert not store.conn.in_transaction


def test_usage_table_rows_tag_only_the_range_they_show(usage):
    """A project's or session's row in the Usage table sums its date range: tagging it leaves other days alone."""
    from tracker.services.usage import tag_rows, usage_table

    store, zone = usage, get_zone("UTC")
    table = usage_table(store, zone, "projects", DAY, DAY)
    misc = [r for r in table.rows if r["project"] == "misc" and r["source"] == "claude_code"]
    assert len(misc) == 1
    assert tag_rows(store, zone, table, misc, "Opus") == (1, 0)  # "opus" on DAY; "early" (1 Nov) is outside
    assert tag_of(store, "opus") == "Opus" and tag_of(store, "early") is None

    sessions = usage_table(store, zone, "sessions", date(2026, 11, 1), date(2026, 11, 2))
    assert not [r for r in sessions.rows if r.get("session") == "s-1"]  # s-1 is used on DAY only
    whole = usage_table(store, zone, "sessions", date(2026, 11, 1), DAY)
    s1 = [r for r in whole.rows if r.get("session") == "s-1"]
    assert tag_rows(store, zone, whole, s1, "Early") == (1, 0)
    assert tag_of(store, "opus") == "Early"

    wider = usage_table(store, zone, "projects", date(2026, 11, 1), DAY)
    misc = [r for r in wider.rows if r["project"] == "misc" and r["source"] == "claude_code"]
    assert tag_rows(store, zone, wider, misc, "Opus") == (2, 0)
    assert tag_of(store, "early") == "Opus"
