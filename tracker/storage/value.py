"""Value tagging queries: tags, rules, usage->tag assignments, value entries.

A mixin of `Store` (kept in its own module so the store file stays small).
Rule matching is set-based: the rules, already ordered by precedence, become
one `CASE WHEN ... END` per table, so re-tagging all usage is a single pass.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence
from contextlib import contextmanager

TYPE_CHECKING = False  # (typing itself costs ~2 ms at start-up: an import of logs loads this module)
if TYPE_CHECKING:
    from typing import Any

from tracker.core.plain_record import PlainRecord
from tracker.core.timeutil import now_ms

TAG_KINDS = ("client", "project", "kpi")
VALUE_KINDS = ("money", "kpi")
UNTAGGED = "untagged"  # the label of usage no tag claims; not allowed as a tag name
USAGE_TABLES = ("events", "buckets")

RULE_FIELDS = (
    "source", "account", "project_glob", "cwd_glob", "git_branch_glob", "model_glob", "session",
    "project_id", "workspace_id", "api_key_id", "user_id", "service_account_id", "since_day", "until_day",
)
# A provider's user (OpenAI's user_id, Anthropic's account_id) and service account, as provider rows
# keep them (their `extra` grouping dimensions); the same expressions serve report --by user.
BUCKET_USER_SQL = "COALESCE(json_extract({p}extra, '$.user_id'), json_extract({p}extra, '$.account_id'))"
BUCKET_SERVICE_ACCOUNT_SQL = "json_extract({p}extra, '$.service_account_id')"

# The effective tag of a usage row: a hand assignment beats the rules; 0 is
# "untagged by hand".
EFFECTIVE_TAG_SQL = "NULLIF(COALESCE({a}.manual_tag_id, {a}.rule_tag_id), 0)"

# Rule field -> (events expression, buckets expression, operator). None: the
# table has no such dimension, so a rule that sets the field never matches it.
_MATCH_COLUMNS: dict[str, tuple[str | None, str | None, str]] = {
    "source": ("{p}source", "{p}source", "="),
    "account": ("{p}account", "{p}account", "="),
    "project_glob": ("{p}project", None, "GLOB"),
    "cwd_glob": ("{p}cwd", None, "GLOB"),
    "git_branch_glob": ("{p}git_branch", None, "GLOB"),
    "model_glob": ("{p}model", "COALESCE({p}model, {p}kind)", "GLOB"),
    "session": ("{p}session", None, "="),
    "project_id": (None, "{p}project_id", "="),
    "workspace_id": (None, "{p}workspace_id", "="),
    "api_key_id": (None, "{p}api_key_id", "="),
    "user_id": (None, BUCKET_USER_SQL, "="),
    "service_account_id": (None, BUCKET_SERVICE_ACCOUNT_SQL, "="),
}
_TIME_EXPR = {"events": "ts_ms", "buckets": "start_s * 1000"}


class RuleMatch(PlainRecord):
    """One rule ready to match: its fields (keys of _MATCH_COLUMNS) plus the date range as UTC ms (`until_ms`
    exclusive)."""

    _fields = __slots__ = ("rule_id", "tag_id", "fields", "since_ms", "until_ms")
    __hash__ = None  # (its fields are a dict)

    def __init__(self, rule_id: int, tag_id: int, fields: dict[str, str] | None = None, since_ms: int | None = None,
                 until_ms: int | None = None):
        self.rule_id, self.tag_id = rule_id, tag_id
        self.fields = {} if fields is None else fields
        self.since_ms, self.until_ms = since_ms, until_ms


def rule_condition(rule: RuleMatch | dict, table: str, alias: str = "") -> tuple[str, list] | None:
    """SQL condition and parameters for `rule` over `table`; None when it cannot match there."""
    fields = rule.fields if isinstance(rule, RuleMatch) else {k: v for k, v in rule.items() if k in _MATCH_COLUMNS}
    index = USAGE_TABLES.index(table)
    prefix = f"{alias}." if alias else ""
    parts: list[str] = []
    params: list[Any] = []
    for name, value in fields.items():
        if value is None or value == "":
            continue
        column = _MATCH_COLUMNS[name][index]
        if column is None:
            return None
        parts.append(f"{column.format(p=prefix)} {_MATCH_COLUMNS[name][2]} ?")
        params.append(value)
    since_ms = rule.since_ms if isinstance(rule, RuleMatch) else rule.get("since_ms")
    until_ms = rule.until_ms if isinstance(rule, RuleMatch) else rule.get("until_ms")
    time_expr = prefix + _TIME_EXPR[table]
    if since_ms is not None:
        parts.append(f"{time_expr} >= ?")
        params.append(since_ms)
    if until_ms is not None:
        parts.append(f"{time_expr} < ?")
        params.append(until_ms)
    return (" AND ".join(parts) or "1", params)


class ValueQueries:
    """Mixin for `Store` (needs `self.atomic` and `self.conn`)."""

    conn: sqlite3.Connection

    @contextmanager
    def transaction(self):
        """One transaction (a savepoint when nested) for a multi-step write."""
        with self.atomic():  # type: ignore[attr-defined]
            yield self

    # -- tags ---------------------------------------------------------------
    def add_tag(self, kind: str, name: str, team_category: str | None = None, billing: dict | None = None) -> int:
        with self.transaction():
            cur = self.conn.execute(
                "INSERT INTO tags (kind, name, team_category, billing, created_ms) VALUES (?, ?, ?, ?, ?)",
                (kind, name, team_category, json.dumps(billing, sort_keys=True) if billing else None, now_ms()),
            )
            return cur.lastrowid

    def update_tag(self, tag_id: int, **changes: Any) -> None:
        allowed = {"kind", "name", "team_category", "billing"}
        sets, params = [], []
        for key, value in changes.items():
            if key not in allowed:
                raise ValueError(f"cannot change {key!r} of a tag")
            if key == "billing" and value is not None:
                value = json.dumps(value, sort_keys=True)
            sets.append(f"{key} = ?")
            params.append(value)
        if sets:
            with self.transaction():
                self.conn.execute(f"UPDATE tags SET {', '.join(sets)} WHERE id = ?", (*params, tag_id))

    def tags(self) -> list[dict]:
        rows = self.conn.execute(
            "SELECT id, kind, name, team_category, billing, created_ms, "
            "(SELECT count(*) FROM tag_rules r WHERE r.tag_id = tags.id) FROM tags ORDER BY kind, name"
        )
        return [
            {"id": r[0], "kind": r[1], "name": r[2], "team_category": r[3],
             "billing": json.loads(r[4]) if r[4] else None, "created_ms": r[5], "rules": r[6]}
            for r in rows
        ]

    def tag_by_name(self, name: str) -> dict | None:
        return next((t for t in self.tags() if t["name"] == name), None)

    def remove_tag(self, tag_id: int) -> bool:
        """Delete a tag with its rules and value entries; usage it held becomes untagged."""
        with self.transaction():
            for table in USAGE_TABLES:
                self.conn.execute(f"UPDATE {table} SET rule_tag_id = NULL WHERE rule_tag_id = ?", (tag_id,))
                self.conn.execute(f"UPDATE {table} SET manual_tag_id = NULL WHERE manual_tag_id = ?", (tag_id,))
            self.conn.execute("DELETE FROM tag_rules WHERE tag_id = ?", (tag_id,))
            self.conn.execute("DELETE FROM value_entries WHERE tag_id = ?", (tag_id,))
            return self.conn.execute("DELETE FROM tags WHERE id = ?", (tag_id,)).rowcount > 0

    # -- rules --------------------------------------------------------------
    def add_rule(self, tag_id: int, priority: int = 0, **match: str | None) -> int:
        unknown = set(match) - set(RULE_FIELDS)
        if unknown:
            raise ValueError(f"unknown rule field(s): {', '.join(sorted(unknown))}")
        columns = ["tag_id", "priority", *match, "created_ms"]
        values = [tag_id, priority, *match.values(), now_ms()]
        with self.transaction():
            cur = self.conn.execute(
                f"INSERT INTO tag_rules ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)})", values
            )
            return cur.lastrowid

    def rules(self) -> list[dict]:
        """Every rule in precedence order: higher priority first, then the older rule."""
        cols = ", ".join(f"r.{c}" for c in RULE_FIELDS)
        rows = self.conn.execute(
            f"SELECT r.id, r.tag_id, t.name, t.kind, r.priority, {cols} FROM tag_rules r "
            "JOIN tags t ON t.id = r.tag_id ORDER BY r.priority DESC, r.id ASC"
        )
        result = []
        for r in rows:
            rule = {"id": r[0], "tag_id": r[1], "tag": r[2], "tag_kind": r[3], "priority": r[4]}
            rule.update({name: r[5 + i] for i, name in enumerate(RULE_FIELDS)})
            result.append(rule)
        return result

    def remove_rule(self, rule_id: int) -> bool:
        with self.transaction():
            return self.conn.execute("DELETE FROM tag_rules WHERE id = ?", (rule_id,)).rowcount > 0

    # -- assignments ----------------------------------------------------------
    def apply_rule_tags(self, rules: Sequence[RuleMatch], only_untagged: bool = False) -> dict[str, int]:
        """Recompute `rule_tag_id` of all usage from `rules` (first match wins).

        Only rows whose tag changes are written. `only_untagged` limits the pass
        to rows that no rule or hand holds (new usage since the last full pass).
        Returns rows changed per table.
        """
        changed: dict[str, int] = {}
        with self.transaction():
            for table in USAGE_TABLES:
                whens, params = [], []
                for rule in rules:
                    cond = rule_condition(rule, table)
                    if cond is None:
                        continue
                    whens.append(f"WHEN {cond[0]} THEN ?")
                    params += [*cond[1], rule.tag_id]
                # cheap column tests first: SQLite evaluates the WHERE terms in order
                scope = "rule_tag_id IS NULL AND manual_tag_id IS NULL AND " if only_untagged else ""
                if not whens and only_untagged:
                    changed[table] = 0  # no rule: untagged rows stay untagged (and no table scan per sync)
                    continue
                if not whens:
                    cur = self.conn.execute(f"UPDATE {table} SET rule_tag_id = NULL WHERE rule_tag_id IS NOT NULL")
                else:
                    case = f"CASE {' '.join(whens)} END"
                    cur = self.conn.execute(
                        f"UPDATE {table} SET rule_tag_id = {case} WHERE {scope}rule_tag_id IS NOT ({case})",
                        params + params,
                    )
                changed[table] = cur.rowcount
        return changed

    def set_manual_tags(self, table: str, keys: Iterable[tuple[str, str, str]], tag_id: int | None) -> int:
        """Hand-assign `tag_id` to rows (source, account, key); 0 = untagged by hand, None = back to rules."""
        if table not in USAGE_TABLES:
            raise ValueError(table)
        with self.transaction():
            cur = self.conn.executemany(
                f"UPDATE {table} SET manual_tag_id = ? WHERE source = ? AND account = ? AND key = ?",
                [(tag_id, s, a, k) for s, a, k in keys],
            )
            return cur.rowcount

    def set_manual_tags_where(self, table: str, condition: tuple[str, list], tag_id: int | None) -> int:
        """Hand-assign `tag_id` to every row matching a selection (a rule-shaped filter)."""
        if table not in USAGE_TABLES:
            raise ValueError(table)
        with self.transaction():
            cur = self.conn.execute(
                f"UPDATE {table} SET manual_tag_id = ? WHERE {condition[0]}", [tag_id, *condition[1]]
            )
            return cur.rowcount

    def tag_counts(self) -> list[dict]:
        """Rows and cost per effective tag (None = untagged) and table, and how many are hand-set."""
        result = []
        for table in USAGE_TABLES:
            eff = EFFECTIVE_TAG_SQL.format(a=table)
            rows = self.conn.execute(
                f"SELECT {eff}, count(*), SUM(cost_pico), SUM(manual_tag_id IS NOT NULL) FROM {table} GROUP BY 1"
            )
            for tag_id, count, cost, manual in rows:
                result.append({"table": table, "tag_id": tag_id, "rows": count, "cost_pico": cost or 0,
                               "manual": manual or 0})
        return result

    # -- value entries --------------------------------------------------------
    def upsert_value_entries(self, entries: Sequence[dict]) -> int:
        """Insert or replace value entries on (tag, period, kind, currency, unit), all in one transaction.

        Each entry: tag_id, period_start, period_end, kind, amount (Decimal text),
        currency ('' for kpi), unit ('' for money), note.
        """
        stamp = now_ms()
        rows = [
            (e["tag_id"], e["period_start"], e["period_end"], e["kind"], e["amount"], e.get("currency") or "",
             e.get("unit") or "", e.get("note"), stamp)
            for e in entries
        ]
        with self.transaction():
            self.conn.executemany(
                "INSERT INTO value_entries (tag_id, period_start, period_end, kind, amount, currency, unit, note, "
                "created_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (tag_id, period_start, period_end, kind, currency, unit) DO UPDATE SET "
                "amount = excluded.amount, note = excluded.note",
                rows,
            )
        return len(rows)

    def same_value_entry(self, entry: dict) -> dict | None:
        """The stored entry `entry` would replace in upsert_value_entries (same tag, period, kind, currency, unit)."""
        row = self.conn.execute(
            "SELECT id, amount, note FROM value_entries WHERE tag_id = ? AND period_start = ? AND period_end = ? "
            "AND kind = ? AND currency = ? AND unit = ?",
            (entry["tag_id"], entry["period_start"], entry["period_end"], entry["kind"], entry.get("currency") or "",
             entry.get("unit") or ""),
        ).fetchone()
        return None if row is None else {"id": row[0], "amount": row[1], "note": row[2]}

    def value_entries(self, tag_id: int | None = None, since_day: str | None = None,
                      until_day: str | None = None) -> list[dict]:
        """Entries overlapping [since_day, until_day] (inclusive days), oldest first."""
        where, params = ["1"], []
        if tag_id is not None:
            where.append("v.tag_id = ?")
            params.append(tag_id)
        if since_day:
            where.append("v.period_end >= ?")
            params.append(since_day)
        if until_day:
            where.append("v.period_start <= ?")
            params.append(until_day)
        rows = self.conn.execute(
            "SELECT v.id, v.tag_id, t.name, t.kind, v.period_start, v.period_end, v.kind, v.amount, v.currency, "
            "v.unit, v.note FROM value_entries v JOIN tags t ON t.id = v.tag_id "
            f"WHERE {' AND '.join(where)} ORDER BY v.period_start, t.name, v.id",
            params,
        )
        keys = ("id", "tag_id", "tag", "tag_kind", "period_start", "period_end", "kind", "amount", "currency",
                "unit", "note")
        return [dict(zip(keys, r)) for r in rows]

    def remove_value_entry(self, entry_id: int) -> bool:
        with self.transaction():
            return self.conn.execute("DELETE FROM value_entries WHERE id = ?", (entry_id,)).rowcount > 0
