"""Small read-only figures for the tray: open nudges, the demo sync, whether there is anything yet."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from tracker.services.context import AppContext
from tracker.services.settings import list_sources
from tracker.services.source_names import PROVIDER_NAMES
from tracker.storage import StoreError  # noqa: F401  (re-exported: the GUI imports services only)

log = logging.getLogger(__name__)


def open_nudges(ctx: AppContext) -> list:
    """Open nudges (not dismissed, snoozed or switched); [] when they cannot be computed."""
    from tracker.services import nudges

    try:
        return nudges.open_nudges(ctx.store, ctx.pricer, ctx.zone())
    except Exception:  # a broken nudge must not break the tray
        log.exception("listing nudges failed")
        return []


def budget_alerts(ctx: AppContext) -> list[dict]:
    """Client budget thresholds crossed since the last check (each fires once per client and month; the
    budget webhook, when set, is posted from here, off the GUI thread); [] when they cannot be computed."""
    from tracker.services.client_budgets import check_budgets

    try:
        return check_budgets(ctx.store, ctx.zone())
    except Exception:  # a broken client billing must not break the sync
        log.exception("checking client budgets failed")
        return []


def unannounced(nudge_list: list) -> list:
    """The open nudges the tray has not announced yet (each is announced at most once)."""
    return [n for n in nudge_list if not getattr(n, "notified", True)]


def mark_announced(ctx: AppContext, nudge_list: list) -> None:
    from tracker.services import nudges

    nudges.mark_notified(ctx.store, nudge_list)


def is_first_run(ctx: AppContext) -> bool:
    """No usage stored and no provider account configured."""
    return ctx.store.time_range_ms() is None and not list_sources(ctx.store)


def demo_sync(ctx: AppContext, logs: bool = True, providers: bool = True, progress=None):
    """The demo universe's sync: extend the generated data to today, never read real logs."""
    from tracker.services.demo import ensure_demo
    from tracker.services.demo_team import ensure_demo_team
    from tracker.services.sync import SyncReport

    summary = ensure_demo(ctx.store, ctx.pricer)
    ensure_demo_team(ctx.store, ctx.pricer)  # the Team page's team of seven, through the real protocol
    report = SyncReport()
    report.logs = {"demo_events": summary.events if summary else 0}
    return report


ACCOUNT_FIX = "Check its key and address in Settings, then press Test."
LOGS_FIX = "Check that the folder exists and that you can read it (Settings, Agent logs)."


@dataclass(frozen=True)
class Problem:
    """Something failing that the user should see everywhere (tray, menu, banner), with what to do."""

    where: str
    text: str
    fix: str

    def line(self) -> str:
        return f"{self.where}: {self.text}" if self.where else self.text


def current_problems(ctx: AppContext, report: dict | None = None) -> list[Problem]:
    """What is failing now: each provider account whose last poll failed, and what the last sync
    reported (`report`, SyncReport.as_dict(): agent-log folders it could not read, a failed half).

    Read from the stored account statuses, so a failure shows from start-up, not only after a sync.
    """
    from tracker.storage import providers as pstore

    problems: list[Problem] = []
    reported: set[str] = set()
    for account in pstore.list_accounts(ctx.store):
        status = pstore.get_status(ctx.store, account.label)
        failing = status.last_error and (status.last_success_ms is None
                                         or (status.last_error_ms or 0) >= status.last_success_ms)
        if failing:
            where = f"{PROVIDER_NAMES.get(account.kind, account.kind)} '{account.label}'"
            problems.append(Problem(where, status.last_error, ACCOUNT_FIX))
            reported.add(account.label)
    report = report or {}
    for account in (report.get("providers") or {}).get("accounts") or []:  # (the poll also stored these)
        if account.get("error") and account.get("label") not in reported:
            problems.append(Problem(f"'{account.get('label')}'", str(account["error"]), ACCOUNT_FIX))
            reported.add(account.get("label"))
    for error in report.get("errors") or []:  # a whole half of the sync failed
        where, _, text = str(error).partition(": ")
        fix = LOGS_FIX if "could not be read" in text else "The log file has the details (`tracker paths` shows where)."
        problems.append(Problem(where, text or where, fix))
    return problems
