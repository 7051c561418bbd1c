"""Small read-only figures for the tray: open nudges, the demo sync, whether there is anything yet."""

from __future__ import annotations

import logging

from tracker.services.context import AppContext
from tracker.services.settings import list_sources
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
