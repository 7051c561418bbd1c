"""GUI benchmark: prints figures (no timed asserts) and writes tests/benchmarks/RESULTS-gui.md.

    python tests/benchmarks/bench_gui.py [--events 1000000] [--idle-s 60] [--no-x11]

1. start to tray visible: the real app (`python -m tracker --demo`) under Xvfb with trayer, from
   process start until its icon is embedded in the tray (second, warm start: demo data exists)
2. idle CPU over --idle-s seconds, as a share of one core (goal < 1%)
3. resident memory, idle in the tray and with the dashboard open (goal < 200 MB)
4. dashboard refresh over ~1M events spread over two years (goal < 200 ms): the snapshot query and
   the full refresh of the Overview page (cards, charts, tables), offscreen
5. chart redraw while panning the two-year daily chart by model (goal < 30 ms a frame)
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(REPO))

CLK_TCK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK  # utime + stime


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def x11_figures(idle_s: int) -> dict:
    sys.path.insert(0, str(REPO / "tests" / "gui"))
    from test_e2e_tray import TOOLS, _start_xvfb, _tree, _wait_for, tray_icon_geometry

    missing = [t for t in TOOLS if shutil.which(t) is None]
    if missing:
        return {"skipped": f"needs {', '.join(missing)}"}
    xvfb, display = _start_xvfb()
    home = Path(tempfile.mkdtemp(prefix="bench-gui-"))
    env = {k: v for k, v in os.environ.items() if k != "QT_QPA_PLATFORM"}
    env.update(DISPLAY=display, TRACKER_HOME=str(home), XDG_CONFIG_HOME=str(home / "xdg"), QT_QPA_PLATFORM="xcb")
    procs = [xvfb]
    figures: dict = {}
    try:
        _wait_for(lambda: subprocess.run(["xwininfo", "-root"], env=env, capture_output=True).returncode == 0, 10)
        procs.append(subprocess.Popen(["trayer", "--edge", "top", "--align", "right", "--widthtype", "request",
                                       "--height", "28"], env=env, stdout=subprocess.DEVNULL,
                                      stderr=subprocess.DEVNULL))
        _wait_for(lambda: '"panel"' in _tree(env), 10)
        for attempt in ("cold (generates demo data)", "warm"):
            started = time.perf_counter()
            app = subprocess.Popen([sys.executable, "-m", "tracker", "--demo"], env=env, cwd=REPO,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            icon = _wait_for(lambda: tray_icon_geometry(_tree(env)), 60, step_s=0.02)
            figures[f"start to tray visible, {attempt} (s)"] = round(time.perf_counter() - started, 2)
            if attempt == "warm":
                break
            app.terminate()
            app.wait(20)
            _wait_for(lambda: tray_icon_geometry(_tree(env)) is None, 10)
        time.sleep(5)  # let the first sync and paint settle
        before = cpu_seconds(app.pid)
        time.sleep(idle_s)
        used = cpu_seconds(app.pid) - before
        figures[f"idle CPU over {idle_s} s (% of one core)"] = round(100 * used / idle_s, 2)
        figures["RSS idle in tray (MB)"] = round(rss_mb(app.pid), 1)
        x, y, w, h = icon
        subprocess.run(["xdotool", "mousemove", str(x + w // 2), str(y + h // 2), "click", "1"], env=env)
        time.sleep(4)
        figures["RSS with dashboard open (MB)"] = round(rss_mb(app.pid), 1)
        before = cpu_seconds(app.pid)
        time.sleep(min(idle_s, 20))
        figures[f"idle CPU with dashboard open over {min(idle_s, 20)} s (% of one core)"] = round(
            100 * (cpu_seconds(app.pid) - before) / min(idle_s, 20), 2)
        app.terminate()
        app.wait(20)
    finally:
        for proc in reversed(procs):
            proc.terminate()
            proc.wait(10)
        shutil.rmtree(home, ignore_errors=True)
    return figures


def refresh_figures(events: int) -> dict:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from bulk import bulk_load
    from PySide6.QtWidgets import QApplication

    from tracker.paths import get_paths
    from tracker.services.context import open_context
    from tracker.services.overview import overview_snapshot

    home = Path(tempfile.mkdtemp(prefix="bench-refresh-"))
    os.environ["TRACKER_HOME"] = str(home)
    figures: dict = {}
    app = QApplication.instance() or QApplication([])
    ctx = open_context(get_paths())
    try:
        started = time.perf_counter()
        written = bulk_load(ctx.store, ctx.pricer, events=events, days=730)
        figures["events loaded (bulk, over 730 days)"] = written
        figures["bulk load time (s)"] = round(time.perf_counter() - started, 1)
        zone = ctx.zone("Europe/Paris")
        for days in (90, 730):
            times = []
            for _ in range(5):
                t = time.perf_counter()
                overview_snapshot(ctx.store, zone, chart_days=days)
                times.append((time.perf_counter() - t) * 1000)
            figures[f"snapshot query, {days}-day chart (ms, median of 5)"] = round(statistics.median(times), 1)

        from tracker.gui.dashboard import DashboardWindow
        from tracker.gui.model import DashboardModel

        model = DashboardModel(ctx)
        model.zone = lambda: zone
        model.refresh()
        window = DashboardWindow(model)
        window.resize(1200, 900)
        window.show()
        app.processEvents()
        overview = window.pages["Overview"]
        for days in (90, 730):
            model.chart_days = days
            times = []
            for _ in range(5):
                t = time.perf_counter()
                model.refresh()  # the snapshot plus every page listening to it
                overview.repaint()
                app.processEvents()
                times.append((time.perf_counter() - t) * 1000)
            figures[f"full dashboard refresh, {days}-day chart (ms, median of 5)"] = round(statistics.median(times), 1)

        # panning: the two-year chart by model, moved a little each frame and repainted
        next(b for b in overview.by_group.buttons() if b.property("by") == "model").setChecked(True)
        chart = overview.daily
        view = chart.plot.getViewBox()
        view.setXRange(*[chart.series.day_start_s[i] for i in (-120, -1)], padding=0)
        app.processEvents()
        frames = []
        for _ in range(60):
            t = time.perf_counter()
            view.translateBy(x=-86_400 * 3)
            chart.grab()  # a full synchronous render of the widget (an upper bound on a screen repaint)
            frames.append((time.perf_counter() - t) * 1000)
        figures["chart redraw while panning, 730 days x 7 models (ms/frame, median)"] = round(
            statistics.median(frames), 1)
        figures["chart redraw while panning (ms/frame, 95th percentile)"] = round(
            sorted(frames)[int(len(frames) * 0.95)], 1)
        window.close()
    finally:
        ctx.close()
        shutil.rmtree(home, ignore_errors=True)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--idle-s", type=int, default=60)
    parser.add_argument("--no-x11", action="store_true", help="skip the figures that need Xvfb and trayer")
    parser.add_argument("--out", default=str(HERE / "RESULTS-gui.md"))
    args = parser.parse_args()
    results = {}
    if not args.no_x11:
        results["Real app under Xvfb + trayer"] = x11_figures(args.idle_s)
    results["Dashboard over a large database (offscreen)"] = refresh_figures(args.events)
    import platform

    import PySide6
    import pyqtgraph

    lines = ["# GUI benchmark results", "",
             f"`python tests/benchmarks/bench_gui.py` on {platform.machine()}, {os.cpu_count()} cores, "
             f"Python {platform.python_version()}, PySide6 {PySide6.__version__}, pyqtgraph {pyqtgraph.__version__}, "
             f"{time.strftime('%Y-%m-%d', time.gmtime())}.", "",
             "Goals: idle CPU < 1% of one core; RSS < 200 MB; dashboard refresh over ~1M events < 200 ms; "
             "chart redraw while panning < 30 ms.", ""]
    for section, figures in results.items():
        lines += [f"## {section}", "", "| figure | value |", "| --- | --- |"]
        lines += [f"| {k} | {v} |" for k, v in figures.items()]
        lines.append("")
    text = "\n".join(lines)
    print(text)
    Path(args.out).write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
