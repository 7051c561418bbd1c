"""The user's subscription plans (one row per agent and start day)."""

from __future__ import annotations

from dataclasses import dataclass

from tracker.core.timeutil import now_ms


@dataclass(frozen=True)
class PlanRow:
    id: int
    source: str
    plan: str
    name: str
    monthly_price: str  # Decimal text
    currency: str
    since_day: str  # inclusive local day
    until_day: str | None  # inclusive; None while the plan runs


_COLUMNS = "id, source, plan, name, monthly_price, currency, since_day, until_day"


def list_plans(store) -> list[PlanRow]:
    rows = store.conn.execute(f"SELECT {_COLUMNS} FROM plans ORDER BY source, since_day")
    return [PlanRow(*row) for row in rows]


def upsert_plan(store, source: str, plan: str, name: str, monthly_price: str, currency: str, since_day: str,
                until_day: str | None) -> PlanRow:
    """Set the agent's plan from `since_day` (the same agent and day again replaces it)."""
    with store.atomic():
        store.conn.execute(
            "INSERT INTO plans (source, plan, name, monthly_price, currency, since_day, until_day, created_ms) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(source, since_day) DO UPDATE SET plan = excluded.plan, "
            "name = excluded.name, monthly_price = excluded.monthly_price, currency = excluded.currency, "
            "until_day = excluded.until_day",
            (source, plan, name, monthly_price, currency, since_day, until_day, now_ms()),
        )
        row = store.conn.execute(f"SELECT {_COLUMNS} FROM plans WHERE source = ? AND since_day = ?",
                                 (source, since_day)).fetchone()
    return PlanRow(*row)


def delete_plan(store, plan_id: int) -> bool:
    with store.atomic():
        return store.conn.execute("DELETE FROM plans WHERE id = ?", (plan_id,)).rowcount > 0
