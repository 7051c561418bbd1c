"""One sync: read the agent logs, poll the provider accounts.

`tracker import`, `tracker poll` and the GUI's background worker all run this.
Each half is optional; a failure in one source is reported, never fatal to the
others.
"""

from __future__ import annotations

from collections.abc import Callable

TYPE_CHECKING = False  # (typing itself costs ~2 ms at start-up: an import of logs loads this module)
if TYPE_CHECKING:
    from typing import Any

from tracker.core.plain_record import PlainRecord
from tracker.core.wording import counted
from tracker.services.context import AppContext
from tracker.services.database import describe_failure

Progress = Callable[[dict], None]


class SyncReport(PlainRecord):
    _fields = __slots__ = ("logs", "providers", "errors", "team_share", "claude_limits")
    __hash__ = None  # (filled as the sync goes)

    def __init__(self, logs: dict | None = None, providers: dict | None = None, errors: list[str] | None = None,
                 team_share: dict | None = None, claude_limits: dict | None = None):
        self.logs, self.providers, self.team_share = logs, providers, team_share
        self.errors = [] if errors is None else errors
        self.claude_limits = claude_limits  # reading Claude's plan windows (only with the user's consent)

    def as_dict(self) -> dict[str, Any]:
        doc = {"logs": self.logs, "providers": self.providers, "errors": self.errors}
        if self.team_share is not None:
            doc["team_share"] = self.team_share
        if self.claude_limits is not None:
            doc["claude_limits"] = self.claude_limits
        return doc


def run_sync(ctx: AppContext, logs: bool = True, providers: bool = True, progress: Progress | None = None) -> SyncReport:
    report = SyncReport()
    if logs:
        try:
            from tracker.services.log_import import import_folders, import_logs, roots_with_folders

            roots, notes = roots_with_folders(import_folders(ctx.store))
            # the pricer is built only if some log changed
            report.logs = import_logs(ctx.store, lambda: ctx.pricer, roots=roots, progress=progress).as_dict()
            if notes:
                report.logs["notes"] = notes
            unreadable = report.logs["folders_unreadable"]
            if unreadable:  # usage is missing: the tray's status and the dashboard's banner say where
                report.errors.append(f"agent logs: {counted(len(unreadable), 'folder')} could not be read, their "
                                     f"logs are missing: {', '.join(unreadable)}")
            skipped = report.logs["plugins_skipped"]
            if skipped:  # an installed agent's usage is missing: said like an unreadable folder
                report.errors.append(f"agent logs: {counted(skipped, 'plug-in')} could not be loaded, their agents' "
                                     "logs are missing (`tracker sources agents` says why)")
        except Exception as exc:  # one half failing must not stop the other
            report.errors.append(f"agent logs: {describe_failure(exc, ctx.paths) or exc}")
    if providers:
        try:
            from tracker.services.poll import poll_sources

            report.providers = poll_sources(ctx.store, ctx.pricer, progress=progress).as_dict()
        except Exception as exc:
            report.errors.append(f"provider accounts: {describe_failure(exc, ctx.paths) or exc}")
        # Claude's plan windows, with the user's consent (a login problem is a status, not a sync error)
        try:
            from tracker.services.limits import claude_consent, poll_claude

            if claude_consent(ctx.store):
                report.claude_limits = poll_claude(ctx.store).as_dict()
        except Exception as exc:
            report.errors.append(f"Claude plan windows: {describe_failure(exc, ctx.paths) or exc}")
    # New usage gets its tags from the user's rules (hand assignments stay). Without a rule there is nothing
    # to tag: services.tagging (~1 ms to import) is not loaded for an import's append.
    from tracker.storage.quick import has_rows

    if has_rows(ctx.store.conn, "tag_rules"):
        from tracker.services.tagging import tag_new_usage

        tag_new_usage(ctx.store)
    return report


def scheduled_sync(ctx: AppContext, logs: bool = True, providers: bool = True,
                   progress: Progress | None = None) -> SyncReport:
    """The tray app's periodic sync: run_sync, then the weekly team share when due.

    Sharing happens only when the user opted in (a settings read otherwise).
    """
    report = run_sync(ctx, logs=logs, providers=providers, progress=progress)
    if providers:
        from tracker.services.team import share_if_due

        try:
            outcome = share_if_due(ctx)
            if any(not s.skipped for s in outcome.sent):  # something was attempted this time
                report.team_share = outcome.as_dict()
                report.errors += [f"team summary: {s.detail}" for s in outcome.sent if not s.ok]
        except Exception as exc:
            report.errors.append(f"team summary: {exc}")
    return report
