#!/usr/bin/env python3
"""Benchmark: every dashboard view and report over a one-year, 1.5 M-event database.

Not part of the test run (pytest collects test_*.py only). Builds (or reuses) a
database with the project's own demo generator (services.demo.generate over 365
days, scaled to ~1.5 M events, with its tags, rules, value entries, plan, limit
windows and provider accounts) plus two invoices and a client budget, then
prints for each view and report the CPU time (this process) and the wall time,
medians of --runs, of the service call the page or command makes, and of the
CLI commands as whole processes.

  python tests/benchmarks/bench_views.py [--cache DIR] [--events N] [--session-requests N] [--runs 5]
                                        [--before SRC | --before-json FILE] [--only TEXT] [--json FILE]

--before SRC: a source tree of the code to compare with (`git archive <base> tracker resources |
tar -x -C SRC`): the same figures are measured with that `tracker` package, in a child process, on a
copy of the same database, and printed beside these. The database is cached in --cache (default
bench-out/views) and reused while its parameters match (`--rebuild` makes it anew); building it
takes ~80 s and ~600 MB. A heavier user runs longer sessions, so the demo's 18 requests a session
grow with the scale (~160 at 1.5 M events); `--session-requests 18` keeps the demo's own, the worst
case for every view that lists sessions (~235k sessions a year). No asserts: figures only.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
DEFAULT_CACHE = REPO / "bench-out" / "views"
DEMO_DAYS = 365
DEFAULT_EVENTS = 1_500_000
SESSION_REQUESTS = 18  # services.demo.SESSION_REQUESTS
EVENTS_AT_SCALE_1 = 19_252  # what services.demo.generate writes over 365 days at scale 1 (agent events)
GOAL_MS = 200


# -- the database ---------------------------------------------------------------------------------------
def build(home: Path, events: int, session_requests: int) -> dict:
    """A TRACKER_HOME whose database holds a year of demo usage scaled to ~`events` events."""
    from tracker.paths import get_paths
    from tracker.services import invoices
    from tracker.services.context import AppContext
    from tracker.services.demo import generate, seed_demo_plans
    from tracker.storage import open_store

    os.environ["TRACKER_HOME"] = str(home)
    paths = get_paths().ensure()
    store = open_store(paths.db_path, paths.backup_dir, auto_backup=False)
    ctx = AppContext(paths, store)
    end_day = datetime.now().date()
    started = time.perf_counter()
    summary = generate(store, ctx.pricer, end_day=end_day, days=DEMO_DAYS, scale=events / EVENTS_AT_SCALE_1,
                       session_requests=session_requests)
    seed_demo_plans(store, summary.first_day, end_day)
    invoices.ensure_demo_profile(store)
    invoices.set_client(store, "ACME", create=False, monthly_budget="20000")
    zone = ctx.zone("UTC")
    month = end_day.replace(day=1)
    last_month = (month - timedelta(days=1)).replace(day=1)
    before_last = (last_month - timedelta(days=1)).replace(day=1)
    issued = invoices.create_draft(store, "ACME", before_last, last_month - timedelta(days=1), zone)
    invoices.issue(store, issued["id"])
    invoices.create_draft(store, "ACME", last_month, month - timedelta(days=1), zone)
    info = {"events": summary.events, "sessions": store.conn.execute(
                "SELECT count(*) FROM (SELECT DISTINCT source, session FROM events WHERE session IS NOT NULL)"
            ).fetchone()[0], "session_requests": session_requests,
            "buckets": summary.buckets, "first_day": summary.first_day.isoformat(),
            "last_day": end_day.isoformat(), "build_s": round(time.perf_counter() - started, 1)}
    store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    ctx.close()
    return info


def default_session_requests(events: int) -> int:
    """A heavier user runs longer sessions: the demo's 18 requests grow with the square root of the scale
    (1.5 M events a year: ~160 requests a session, ~75 sessions a day over three agents)."""
    return max(SESSION_REQUESTS, round(SESSION_REQUESTS * (events / EVENTS_AT_SCALE_1) ** 0.5))


def ensure_database(cache: Path, events: int, session_requests: int, rebuild: bool) -> tuple[Path, dict]:
    home = cache / f"home-{events}-{session_requests}"
    info_path = home / "bench-info.json"
    if rebuild or not info_path.exists():
        shutil.rmtree(home, ignore_errors=True)
        home.mkdir(parents=True)
        info = build(home, events, session_requests)
        info_path.write_text(json.dumps(info, indent=1))
    return home, json.loads(info_path.read_text())


# -- what is measured ----------------------------------------------------------------------------------
def views(ctx, zone) -> dict:
    """Name -> a call that reads what one view or report shows (only APIs older code has too)."""
    from tracker import cli_format
    from tracker.core.timeutil import local_date, now_ms
    from tracker.services import client_budgets, cost_basis, forecast, invoices, limits, nudges, reports, roi, team
    from tracker.services import value as value_service
    from tracker.services.ladders import load_ladders
    from tracker.services.overview import overview_snapshot
    from tracker.services.status import current_problems
    from tracker.services.team_summary import last_complete_week
    from tracker.services.usage import usage_table

    store = ctx.store
    today = local_date(now_ms(), zone)
    month_ago = today - timedelta(days=29)
    year_ago = today - timedelta(days=364)

    def overview(days):
        def read():
            snap = overview_snapshot(store, zone, chart_days=days)
            limits.limits_snapshot(store, snap.as_of_ms)
            limits.badge_mode(store)
        return read

    def report(kind, **kw):
        def read():
            if kind == "sessions" and hasattr(reports, "sessions_json"):  # the command's text, built row by row
                reports.sessions_json(store, zone, **kw)
                return
            if kind in reports.PERIOD_OF_REPORT:
                doc = reports.usage_report(store, zone, reports.PERIOD_OF_REPORT[kind], **kw)
            else:
                doc = getattr(reports, f"{kind}_report")(store, zone, **kw)
            cli_format.to_json(doc)
        return read

    def value_page():
        roi.roi_report(store, zone, "month")
        forecast.alerts_report(store, zone)
        value_service.list_tags(store)

    def limits_page():
        now = now_ms()
        limits.limits_snapshot(store, now)
        limits.chart_series(limits.window_history(store, now))
        first = (today.replace(day=1) - timedelta(days=31 * 11)).replace(day=1)
        cost_basis.plan_value_report(store, zone, first, today, today=today)

    def invoices_page():
        invoices.client_list(store)
        invoices.list_invoices(store)
        client_budgets.budget_states(store, zone)

    def team_page():
        built = team.summary(ctx, last_complete_week(zone))
        team.preview(built, "html")

    return {
        "Overview refresh, 90-day chart": overview(90),
        "Overview refresh, 365-day chart": overview(365),
        "Overview first refresh: problems": lambda: current_problems(ctx),
        "Usage: daily rows, 30 days": lambda: usage_table(store, zone, "daily", month_ago, today),
        "Usage: sessions, 30 days": lambda: usage_table(store, zone, "sessions", month_ago, today),
        "Usage: projects, 30 days": lambda: usage_table(store, zone, "projects", month_ago, today),
        "Usage: sessions, 365 days": lambda: usage_table(store, zone, "sessions", year_ago, today),
        "Usage: projects, 365 days": lambda: usage_table(store, zone, "projects", year_ago, today),
        "report daily --json (a year)": report("daily"),
        "report weekly --json": report("weekly"),
        "report monthly --json": report("monthly"),
        "report daily --by project --json": report("daily", by="project"),
        "report monthly --by tag --json": report("monthly", by="tag"),
        "report sessions --json (a year)": report("sessions"),
        "report projects --json (a year)": report("projects"),
        "Value page (ROI by month, alerts)": value_page,
        "Nudges page (analyse)": lambda: nudges.analyse(store, ctx.pricer, zone,
                                                        ladders=load_ladders(ctx.paths.config_dir)),
        "Limits page": limits_page,
        "Invoices page (list, drafts' totals, budgets)": invoices_page,
        "Team page (this week's summary preview)": team_page,
    }


CLI_COMMANDS = {
    "tracker report daily --json": ["report", "daily", "--json"],
    "tracker report sessions --json": ["report", "sessions", "--json"],
    "tracker report projects --json": ["report", "projects", "--json"],
}


def measure(func, runs: int) -> dict:
    func()  # warm: imports, the page cache, the price cache
    cpu, wall = [], []
    for _ in range(runs):
        c0, w0 = time.process_time(), time.perf_counter()
        func()
        cpu.append(time.process_time() - c0)
        wall.append(time.perf_counter() - w0)
    return {"cpu_ms": round(statistics.median(cpu) * 1000, 1), "wall_ms": round(statistics.median(wall) * 1000, 1)}


def measure_cli(args: list[str], env: dict, runs: int) -> dict:
    cmd = [sys.executable, "-m", "tracker", *args]
    cpu, wall = [], []
    for i in range(runs + 1):
        w0 = time.perf_counter()
        proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        _, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.perf_counter() - w0
        err = proc.stderr.read().decode(errors="replace")
        proc.stderr.close()
        if status:
            raise SystemExit(f"{' '.join(args)} failed: {err[-2000:]}")
        if i:  # the first run warms the page cache
            cpu.append(usage.ru_utime + usage.ru_stime)
            wall.append(elapsed)
    return {"cpu_ms": round(statistics.median(cpu) * 1000, 1), "wall_ms": round(statistics.median(wall) * 1000, 1)}


def measure_all(home: Path, runs: int, only: str | None) -> dict:
    """Every view in this process, then the CLI commands as processes (with this interpreter's tracker)."""
    from tracker.paths import get_paths
    from tracker.services.context import AppContext
    from tracker.storage import open_store

    import tracker

    print(f"measuring {Path(tracker.__file__).parent}", file=sys.stderr)
    os.environ["TRACKER_HOME"] = str(home)
    paths = get_paths()
    store = open_store(paths.db_path, paths.backup_dir, auto_backup=False)
    ctx = AppContext(paths, store)
    zone = ctx.zone("Europe/Paris")
    store.set_setting("timezone", "Europe/Paris")
    results = {}
    try:
        for name, func in views(ctx, zone).items():
            if only and only.lower() not in name.lower():
                continue
            results[name] = measure(func, runs)
            print(f"  {name}: {results[name]}", file=sys.stderr, flush=True)
    finally:
        ctx.close()
    env = dict(os.environ, TRACKER_HOME=str(home))
    for name, args in CLI_COMMANDS.items():
        if only and only.lower() not in name.lower():
            continue
        results[name] = measure_cli(args, env, runs)
        print(f"  {name}: {results[name]}", file=sys.stderr, flush=True)
    return results


def measure_in_child(code: Path, home: Path, runs: int, only: str | None) -> dict:
    """The same measurements with the `tracker` package of another source tree (a copy of the database)."""
    env = dict(os.environ, PYTHONPATH=str(code))
    args = [sys.executable, str(Path(__file__).resolve()), "--measure-only", "--home", str(home),
            "--runs", str(runs)] + (["--only", only] if only else [])
    out = subprocess.run(args, env=env, stdout=subprocess.PIPE, check=True, cwd=code).stdout
    return json.loads(out)


def table(after: dict, before: dict | None) -> str:
    head = "| view or report | CPU ms | wall ms |"
    rule = "| --- | ---: | ---: |"
    if before:
        head = "| view or report | before CPU ms | before wall ms | CPU ms | wall ms |"
        rule = "| --- | ---: | ---: | ---: | ---: |"
    lines = [head, rule]
    for name, fig in after.items():
        mark = "" if fig["cpu_ms"] <= GOAL_MS else " (over 200)"
        cells = [name]
        if before:
            b = before.get(name)
            cells += [str(b["cpu_ms"]) if b else "", str(b["wall_ms"]) if b else ""]
        cells += [f"{fig['cpu_ms']}{mark}", str(fig["wall_ms"])]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    ap.add_argument("--events", type=int, default=DEFAULT_EVENTS)
    ap.add_argument("--session-requests", type=int,
                    help="requests per demo session (default: grows with --events; 18 is the demo's own)")
    ap.add_argument("--rebuild", action="store_true")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--before", type=Path, help="a source tree of the code to compare with")
    ap.add_argument("--before-json", type=Path, help="the 'before' figures of an earlier --json file instead")
    ap.add_argument("--only", help="only the views whose name contains this")
    ap.add_argument("--json", type=Path, help="also write the figures here")
    ap.add_argument("--measure-only", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--home", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.measure_only:  # a child measuring another source tree: figures as JSON on stdout
        print(json.dumps(measure_all(args.home, args.runs, args.only)))
        return
    session_requests = args.session_requests or default_session_requests(args.events)
    home, info = ensure_database(args.cache, args.events, session_requests, args.rebuild)
    print(f"database: {info['events']:,} events in {info['sessions']:,} sessions of {info['session_requests']} "
          f"requests, {info['first_day']} to {info['last_day']} "
          f"(built in {info['build_s']} s); medians of {args.runs}; zone Europe/Paris", flush=True)
    before = json.loads(args.before_json.read_text())["before"] if args.before_json else None
    if args.before:
        copy = args.cache / "before-home"
        shutil.rmtree(copy, ignore_errors=True)
        shutil.copytree(home, copy)
        print(f"before: {args.before}", file=sys.stderr)
        before = measure_in_child(args.before.resolve(), copy, args.runs, args.only)
        shutil.rmtree(copy, ignore_errors=True)
    print("after: this tree", file=sys.stderr)
    after = measure_all(home, args.runs, args.only)
    print(table(after, before))
    if args.json:
        args.json.write_text(json.dumps({"database": info, "before": before, "after": after}, indent=1))


if __name__ == "__main__":
    if "--measure-only" not in sys.argv:  # a child measures the tree on its PYTHONPATH
        sys.path.insert(0, str(REPO))
    main()
