"""The GUI half of `tracker --self-test`: draw a chart offscreen and save it as PNG."""

from __future__ import annotations

import os
from pathlib import Path


def render_chart(daily_costs: list[tuple[int, float]], target: Path) -> tuple[int, int]:
    """A bar chart of (epoch seconds, USD) drawn with pyqtgraph; returns the image size.

    Floats are fine here: this is a picture of the figures, not the figures.
    """
    if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    import pyqtgraph as pg

    app = QApplication.instance() or QApplication([])
    plot = pg.PlotWidget(axisItems={"bottom": pg.DateAxisItem()})
    plot.resize(640, 360)
    xs = [x for x, _ in daily_costs]
    ys = [y for _, y in daily_costs]
    plot.addItem(pg.BarGraphItem(x=xs, height=ys, width=60_000, brush="#2563c9"))
    app.processEvents()
    image = plot.grab()
    if image.isNull() or not image.save(str(target), "PNG"):
        raise RuntimeError("the chart could not be drawn to a PNG")
    size = (image.width(), image.height())
    plot.deleteLater()
    app.processEvents()
    return size


def check_single_instance(lock_dir: Path) -> bool:
    """The single-instance lock and socket work here (QtNetwork is in the bundle, the socket listens)."""
    from PySide6.QtNetwork import QLocalSocket
    from PySide6.QtWidgets import QApplication

    from tracker.gui.instance import SingleInstance, server_name

    QApplication.instance() or QApplication([])
    owner = SingleInstance(lock_dir)
    if not owner.acquire():
        raise RuntimeError(f"the app lock in {lock_dir} could not be taken")
    try:
        if SingleInstance(lock_dir).acquire():
            raise RuntimeError("a second instance took the lock")
        client = QLocalSocket()
        client.connectToServer(server_name(lock_dir))
        if not client.waitForConnected(2_000):
            raise RuntimeError(f"a second launch could not reach the running app: {client.errorString()}")
        client.abort()
    finally:
        owner.release()
    return True
