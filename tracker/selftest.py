"""`tracker --self-test`: prove an installation (or a pyinstaller bundle) works end to end.

Opens a temporary database, imports the bundled sample agent logs, prices them,
draws a chart offscreen and reads the keyring backend's name; prints one line
and exits 0, or names the step that failed and exits 1. Nothing of the user's
is read or written.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from pathlib import Path

# What the bundled sample must give: 2 Claude Code messages (one duplicated line),
# 2 Codex turns (one re-emitted total skipped) and 1 Gemini CLI message.
EXPECTED_EVENTS = 5
WORKERS_TIMEOUT_S = 120  # a spawned worker imports the readers and the pricer first


class SelfTestFailure(Exception):
    def __init__(self, step: str, reason: str):
        super().__init__(f"{step}: {reason}")
        self.step = step


def _step(name: str, func):
    try:
        return func()
    except SelfTestFailure:
        raise
    except Exception as exc:  # noqa: BLE001 - every failure is reported with its step
        raise SelfTestFailure(name, f"{type(exc).__name__}: {exc}") from exc


def _import_in_spawned_workers(db: Path, roots: dict, pricer, expected_cost) -> int:
    """The sample again, parsed in worker processes started from a thread, as the tray app's sync does.

    Workers started from a thread are spawned: in a pyinstaller bundle each is
    the app's executable again, which must act as a worker (build/launcher.py)
    rather than start a second app. Returns how many workers ran.
    """
    import threading

    from tracker.core.timeutil import UTC
    from tracker.services.log_import import import_logs
    from tracker.services.reports import usage_report
    from tracker.storage import open_store

    outcome: dict = {}

    def sync() -> None:
        try:
            with open_store(db) as store:  # a connection belongs to the thread that opened it
                outcome["report"] = import_logs(store, pricer, roots=roots, workers=2)
                outcome["cost"] = usage_report(store, UTC, by="model")["totals"]["cost_usd"]
        except Exception as exc:  # noqa: BLE001 - reported by the step
            outcome["error"] = exc

    thread = threading.Thread(target=sync, name="selftest-sync", daemon=True)
    thread.start()
    thread.join(WORKERS_TIMEOUT_S)
    if thread.is_alive():
        raise SelfTestFailure("workers", f"no result from the parse workers after {WORKERS_TIMEOUT_S} s")
    if "error" in outcome:
        raise outcome["error"]
    report = outcome["report"]
    if report.workers < 1:
        raise SelfTestFailure("workers", "the import did not start a worker process")
    if report.events_added != EXPECTED_EVENTS or outcome["cost"] != expected_cost:
        raise SelfTestFailure("workers", f"workers gave {report.events_added} events costing ${outcome['cost']}, "
                                         f"in-process {EXPECTED_EVENTS} costing ${expected_cost}")
    return report.workers


def run() -> str:
    """The one-line report; raises SelfTestFailure naming the failed step."""
    from tracker.paths import HOME_ENV, get_paths, resource_path

    started = time.perf_counter()
    sample = resource_path("selftest")
    if not sample.is_dir():
        raise SelfTestFailure("resources", f"the bundled sample logs are missing ({sample})")
    workdir = Path(tempfile.mkdtemp(prefix="tracker-selftest-"))
    # Everything the test writes (the store, caches such as the plug-in list) goes to its scratch folder:
    # a check of the installation must leave the user's own state as it found it.
    previous_home = os.environ.get(HOME_ENV)
    os.environ[HOME_ENV] = str(workdir)
    try:
        from tracker.services.context import open_context

        ctx = _step("database", lambda: open_context(get_paths(workdir)))
        try:
            from tracker.services.log_import import import_logs

            roots = {"claude_code": [sample / "claude"], "codex": [sample / "codex"],
                     "gemini_cli": [sample / "gemini" / "tmp"]}
            report = _step("import", lambda: import_logs(ctx.store, ctx.pricer, roots=roots, workers=1))
            if report.events_added != EXPECTED_EVENTS:
                raise SelfTestFailure("import", f"expected {EXPECTED_EVENTS} events from the sample, got "
                                                f"{report.events_added} ({report.as_dict().get('skipped')})")
            from tracker.core.timeutil import UTC
            from tracker.services.reports import usage_report

            doc = _step("report", lambda: usage_report(ctx.store, UTC, by="model"))
            unpriced = doc["totals"]["unpriced_requests"]
            if unpriced:
                raise SelfTestFailure("pricing", f"{unpriced} sample request(s) found no price")
            cost = doc["totals"]["cost_usd"]
            workers = _step("workers", lambda: _import_in_spawned_workers(workdir / "workers.db", roots, ctx.pricer,
                                                                          cost))
            daily = [(int(time.mktime(time.strptime(r["date"], "%Y-%m-%d"))), float(r["cost_usd"] or 0))
                     for r in doc["rows"]]
        finally:
            ctx.close()

        def chart():
            from tracker.gui.selftest import render_chart

            return render_chart(daily, workdir / "chart.png")

        width, height = _step("chart", chart)

        def single_instance():
            from tracker.gui.selftest import check_single_instance

            return check_single_instance(workdir)

        _step("single instance", single_instance)

        def keyring_name():
            from tracker import credentials

            return credentials.backend_description()

        backend = _step("keyring", keyring_name)
    finally:
        if previous_home is None:
            os.environ.pop(HOME_ENV, None)
        else:
            os.environ[HOME_ENV] = previous_home
        shutil.rmtree(workdir, ignore_errors=True)
    from tracker.pricing.pricer import GENAI_PRICES_VERSION

    seconds = time.perf_counter() - started
    return (f"self-test ok: imported {EXPECTED_EVENTS} events from the sample logs, priced ${cost} "
            f"(genai-prices {GENAI_PRICES_VERSION}), the same in {workers} spawned worker{'s' if workers > 1 else ''}, "
            f"chart {width}x{height} rendered, single instance ok, keyring: {backend}; "
            f"{seconds:.2f} s")


def main() -> int:
    try:
        print(run())
        return 0
    except SelfTestFailure as failure:
        print(f"self-test FAILED at {failure}")
        return 1
    except Exception as exc:  # noqa: BLE001
        print(f"self-test FAILED: {type(exc).__name__}: {exc}")
        return 1
