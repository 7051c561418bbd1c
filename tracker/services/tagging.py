"""Attaching value tags to usage: rules with priorities, and assignments by hand.

Each usage row (event or provider bucket) carries at most one tag, so the cost
of all tags plus "untagged" is exactly the total cost. The rule with the
highest priority wins; among equal priorities the older rule (lower id) wins,
so the outcome never depends on query order. A hand assignment beats every
rule and survives re-application.

`apply_rules(store)` recomputes the rule tags of all usage in one pass and one
transaction. It runs after every rule or tag change here. After each sync the
sync service calls `tag_new_usage(store)`, which evaluates only the rows no
rule or hand holds yet (new usage), or `apply_rules` if in doubt: both give the
same result while the rules are unchanged.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta, tzinfo

from tracker.core.timeutil import get_zone, local_midnight, parse_day, to_ms
from tracker.services.context import TIMEZONE_SETTING
from tracker.sources import usage_source_kinds
from tracker.storage import Store
from tracker.storage.value import RULE_FIELDS, UNTAGGED, USAGE_TABLES, RuleMatch, rule_condition

MATCH_FIELDS = tuple(f for f in RULE_FIELDS if f not in ("since_day", "until_day"))


@dataclass
class ApplyResult:
    rules: int
    changed: dict[str, int]
    seconds: float

    def as_dict(self) -> dict:
        return {"rules": self.rules, "changed": self.changed, "seconds": round(self.seconds, 3)}


def store_zone(store: Store) -> tzinfo:
    return get_zone(store.get_setting(TIMEZONE_SETTING))


def _day_bounds(since_day: str | None, until_day: str | None, zone: tzinfo) -> tuple[int | None, int | None]:
    """Inclusive local days -> half-open UTC milliseconds."""
    since_ms = to_ms(local_midnight(parse_day(since_day), zone)) if since_day else None
    until_ms = to_ms(local_midnight(parse_day(until_day) + timedelta(days=1), zone)) if until_day else None
    return since_ms, until_ms


def to_match(rule: dict, zone: tzinfo) -> RuleMatch:
    since_ms, until_ms = _day_bounds(rule.get("since_day"), rule.get("until_day"), zone)
    fields = {k: rule[k] for k in MATCH_FIELDS if rule.get(k) not in (None, "")}
    return RuleMatch(rule_id=rule.get("id", 0), tag_id=rule.get("tag_id", 0), fields=fields,
                     since_ms=since_ms, until_ms=until_ms)


def apply_rules(store: Store, zone: tzinfo | None = None) -> ApplyResult:
    """Recompute the rule-based tag of every usage row (hand assignments untouched)."""
    return _apply(store, zone, only_untagged=False)


def tag_new_usage(store: Store, zone: tzinfo | None = None) -> ApplyResult:
    """After a sync: tag the rows no rule or hand holds yet (new usage).

    Cheaper than `apply_rules` and equivalent to it as long as the rules did not
    change since the last full pass, which every rule change here guarantees.
    """
    return _apply(store, zone, only_untagged=True)


def _apply(store: Store, zone: tzinfo | None, only_untagged: bool) -> ApplyResult:
    started = time.perf_counter()
    rules = store.rules()  # already in precedence order
    if rules:  # the zone only places rules' day limits (and loading zones costs a few ms)
        zone = zone or store_zone(store)
    matches = [to_match(rule, zone) for rule in rules]
    changed = store.apply_rule_tags(matches, only_untagged=only_untagged)
    return ApplyResult(len(matches), changed, time.perf_counter() - started)


def _require_tag(store: Store, name: str) -> dict:
    tag = store.tag_by_name(name)
    if tag is None:
        if name.strip().casefold() == UNTAGGED.casefold():  # reserved: `tags add untagged` is refused
            raise ValueError(f"{UNTAGGED!r} is not a tag: it names the usage that no tag claims.")
        raise ValueError(f"No tag named {name!r}: add it with `tracker tags add {name} --kind client|project|kpi`.")
    return tag


MAX_PRIORITY = 10**6


def validate_match(fields: dict, allow_everything: bool = False, what: str = "a rule") -> dict:
    """Clean rule/selection fields; dates checked; empty means 'match everything' only when allowed."""
    unknown = set(fields) - set(RULE_FIELDS)
    if unknown:
        raise ValueError(f"unknown match field(s): {', '.join(sorted(unknown))}")
    clean = {k: (v.isoformat() if isinstance(v, date) else str(v)).strip() for k, v in fields.items()
             if v is not None and str(v).strip() != ""}
    for key in ("since_day", "until_day"):
        if key in clean:
            parse_day(clean[key])
    if "source" in clean and clean["source"] not in usage_source_kinds():  # it would match nothing, silently
        raise ValueError(f"unknown source {clean['source']!r}: choose from {', '.join(usage_source_kinds())}")
    if clean.get("since_day") and clean.get("until_day") and clean["until_day"] < clean["since_day"]:
        raise ValueError(f"the date range ends ({clean['until_day']}) before it starts ({clean['since_day']})")
    if not clean and not allow_everything:
        hint = "; use --all to match all usage on purpose" if what == "a rule" else ""
        raise ValueError(f"{what} needs at least one match field (source, project, cwd, model, ...){hint}")
    return clean


def add_rule(store: Store, tag_name: str, priority: int = 0, allow_everything: bool = False,
             **fields: str | None) -> tuple[int, ApplyResult]:
    """Add a rule and re-apply all rules, in one transaction."""
    clean = validate_match({k: v for k, v in fields.items()}, allow_everything)
    if not -MAX_PRIORITY <= int(priority) <= MAX_PRIORITY:  # beyond 64 bits the store cannot keep it
        raise ValueError(f"a rule's priority is a whole number from {-MAX_PRIORITY:,} to {MAX_PRIORITY:,}")
    with store.transaction():
        tag = _require_tag(store, tag_name)
        rule_id = store.add_rule(tag["id"], int(priority), **clean)
        result = apply_rules(store)
    return rule_id, result


def remove_rule(store: Store, rule_id: int) -> ApplyResult:
    with store.transaction():
        if not store.remove_rule(rule_id):
            raise ValueError(f"No rule with id {rule_id}: see `tracker tags rule list`.")
        return apply_rules(store)


def remove_tag(store: Store, name: str) -> ApplyResult:
    """Delete a tag (its rules and value entries go with it); other rules may now claim its usage."""
    with store.transaction():
        tag = _require_tag(store, name)
        store.remove_tag(tag["id"])
        return apply_rules(store)


def assign_selection(store: Store, tag_name: str | None, untag: bool = False, zone: tzinfo | None = None,
                     **selection: str | None) -> dict[str, int]:
    """Hand-assign a tag to all usage matching a selection (rule-shaped filter).

    `tag_name=None` with untag=False gives the rows back to the rules;
    untag=True marks them untagged by hand.
    """
    clean = validate_match(selection, what="a selection")
    zone = zone or store_zone(store)
    match = to_match(clean, zone)
    with store.transaction():
        if untag:
            tag_id = 0
        elif tag_name is None:
            tag_id = None
        else:
            tag_id = _require_tag(store, tag_name)["id"]
        counts = {}
        for table in USAGE_TABLES:
            cond = rule_condition(match, table)
            counts[table] = 0 if cond is None else store.set_manual_tags_where(table, cond, tag_id)
    return counts


def assign_rows(store: Store, table: str, keys: Iterable[tuple[str, str, str]], tag_name: str | None,
                untag: bool = False) -> int:
    """Hand-assign a tag to rows picked in the Usage table: (source, account, key) per row."""
    with store.transaction():
        tag_id = 0 if untag else (None if tag_name is None else _require_tag(store, tag_name)["id"])
        return store.set_manual_tags(table, keys, tag_id)
