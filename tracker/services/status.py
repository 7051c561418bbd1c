"""Small read-only figures for the tray: open nudges, the demo sync, whether there is anything yet."""

from __future__ import annotations

import logging

from tracker.services.context import AppContext
from tracker.services.settings import list_sources
from tracker.storage import StoreError  # noqa: F401  (re-exported: the GUI imports services only)

log = logging.getLogger(__name__)


def open_nudges(ctx: AppContext) -> list:
    """Open nudges, or [] while the nudges service is not part of this build."""
    try:
        from tracker.services import nudges  # written by the nudges issue
    except ImportError:
        return []
    finder = getattr(nudges, "open_nudges", None)
    if finder is None:
        return []
    try:
        return list(finder(ctx))
    except Exception:  # a broken nudge must not break the tray
        log.exception("listing nudges failed")
        return []


def is_first_run(ctx: AppContext) -> bool:
    """No usage stored and no provider account configured."""
    return ctx.store.time_range_ms() is None and not list_sources(ctx.store)


def demo_sync(ctx: AppContext, logs: bool = True, providers: bool = True, progress=None):
    """The demo universe's sync: extend the generated data to today, never read real logs."""
    from tracker.services.demo import ensure_demo
    from tracker.services.sync import SyncReport

    summary = ensure_demo(ctx.store, ctx.pricer)
    report = SyncReport()
    report.logs = {"demo_events": summary.events if summary else 0}
    return report
