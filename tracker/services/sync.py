"""One sync: read the agent logs, poll the provider accounts.

`tracker import`, `tracker poll` and the GUI's background worker all run this.
Each half is optional; a failure in one source is reported, never fatal to the
others.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tracker.services.context import AppContext
from tracker.services.database import describe_failure

Progress = Callable[[dict], None]


@dataclass
class SyncReport:
    logs: dict | None = None
    providers: dict | None = None
    errors: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"logs": self.logs, "providers": self.providers, "errors": self.errors}


def run_sync(ctx: AppContext, logs: bool = True, providers: bool = True, progress: Progress | None = None) -> SyncReport:
    report = SyncReport()
    if logs:
        from tracker.services.log_import import import_logs

        try:
            report.logs = import_logs(ctx.store, ctx.pricer, progress=progress).as_dict()
        except Exception as exc:  # one half failing must not stop the other
            report.errors.append(f"agent logs: {describe_failure(exc, ctx.paths) or exc}")
    if providers:
        from tracker.services.poll import poll_sources

        try:
            report.providers = poll_sources(ctx.store, ctx.pricer, progress=progress).as_dict()
        except Exception as exc:
            report.errors.append(f"provider accounts: {describe_failure(exc, ctx.paths) or exc}")
    # New usage gets its tags from the user's rules (hand assignments stay).
    from tracker.services.tagging import tag_new_usage

    tag_new_usage(ctx.store)
    return report
