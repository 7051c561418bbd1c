"""Render every dashboard page, the first-run page and the tray menu at 1024x700 and 1600x1000, light and
dark, into a folder of PNGs, and say which page is wider than its window or has a part drawn past its
panel's edge.

    python -m tests.gui.screens --out screens/            # all of them
    python -m tests.gui.screens --out docs/screenshots --docs   # the README's and docs/' pictures

Offscreen (no display needed): the window is laid out at the size the app gives its first window on
that screen, every page is shown and grabbed once its background reads are drawn. Exit status 1 when a page
does not fit.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

SCREENS = {"1024": (1024, 700), "1600": (1600, 1000)}
PALETTES = ("light", "dark")
# The README's and docs/' pictures: (file name, page or "tray-menu", screen, palette)
DOCS = [("dashboard-overview.png", "Overview", "1600", "light"), ("dashboard-usage.png", "Usage", "1600", "light"),
        ("dashboard-value.png", "Value", "1600", "light"), ("dashboard-overview-dark.png", "Overview", "1600", "dark"),
        ("dashboard-overview-1024.png", "Overview", "1024", "light"), ("tray-menu.png", "tray-menu", "1600", "light"),
        ("limits-page.png", "Limits", "1600", "light"), ("dashboard-settings.png", "Settings", "1600", "light"),
        ("first-run-1024.png", "first-run", "1024", "light")]
LOAD_WAIT_S = 20  # a page that reads in the background (Value) has this long to draw


@dataclass
class Rendered:
    files: list[Path] = field(default_factory=list)
    overflow: list[str] = field(default_factory=list)


def _settle(app, seconds: float = 0.15) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        app.processEvents()


def _wait_loaded(app, page) -> None:
    """Until every read the page started in the background is on the page, then its layout settles."""
    from tracker.gui.background import BackgroundReader

    end = time.monotonic() + LOAD_WAIT_S
    while any(reader.busy for reader in page.findChildren(BackgroundReader)) and time.monotonic() < end:
        app.processEvents()
        time.sleep(0.02)
    _settle(app)


def overflow_of(name: str, page, window) -> str | None:
    """'<page>: needs N px, has M' when the page cannot fit its window's width without scrolling sideways."""
    body = getattr(page, "body", None)
    need = (body or page).minimumSizeHint().width()
    has = page.viewport().width() if body is not None else page.width()
    if need > has or window.minimumSizeHint().width() > window.width():
        return f"{name}: needs {max(need, window.minimumSizeHint().width())} px, has {has}"
    return None


def sticking_out(name: str, page) -> list[str]:
    """'<page>: <widget> reaches past <its parent>'s edge by N px' for each shown widget drawn over the border
    or margin of the panel (or any widget) it is laid out in: a chart pushed past its card's bottom by a
    legend that wrapped. The pages' scrolled bodies and the tables' own insides are not laid out so."""
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QAbstractScrollArea, QWidget

    found = []
    pending = [page.widget() if isinstance(page, QAbstractScrollArea) and hasattr(page, "body") else page]
    while pending:
        parent = pending.pop()
        layout = parent.layout()
        for child in parent.findChildren(QWidget, options=Qt.FindChildOption.FindDirectChildrenOnly):
            if child.isWindow() or not child.isVisible() or isinstance(parent, QAbstractScrollArea):
                continue
            pending.append(child)
            if layout is None or layout.indexOf(child) < 0:
                continue
            room = parent.rect().marginsRemoved(layout.contentsMargins())
            box = child.geometry()
            past = max(box.bottom() - room.bottom(), box.right() - room.right(), room.top() - box.top(),
                       room.left() - box.left())
            if past > 0:
                found.append(f"{name}: {type(child).__name__} reaches past its {type(parent).__name__}'s edge "
                             f"by {past} px")
    return found


def render(out: Path, screens=tuple(SCREENS), palettes=PALETTES, pages: list[str] | None = None,
           full: bool = False) -> Rendered:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QRect
    from PySide6.QtWidgets import QApplication

    from tracker.gui import appearance
    from tracker.gui.dashboard import DashboardWindow, first_geometry
    from tracker.gui.model import DashboardModel
    from tracker.gui.tray import TrayController
    from tracker.paths import demo_paths, get_paths
    from tracker.services.context import open_context
    from tracker.services.demo import ensure_demo
    from tracker.services.status import demo_sync

    app = QApplication.instance() or QApplication(sys.argv[:1])
    out.mkdir(parents=True, exist_ok=True)
    done = Rendered()
    demo = open_context(demo_paths(), demo=True)
    ensure_demo(demo.store, demo.pricer)
    demo_sync(demo)  # as the app's first sync does: the demo team's merged view, limit windows
    empty = open_context(get_paths())
    try:
        for palette in palettes:
            appearance.apply(palette, app)
            for screen in screens:
                width, height = SCREENS[screen]
                geometry = first_geometry(QRect(0, 0, width, height))
                for ctx, names in ((demo, pages), (empty, ["first-run"])):
                    model = DashboardModel(ctx)
                    model.refresh()
                    window = DashboardWindow(model)
                    window.setGeometry(geometry)
                    window.show()
                    _settle(app)
                    for name in list(window.pages) if names is None else names:
                        if name != "first-run":
                            window.show_page(name)
                        page = window.stack.currentWidget()
                        _wait_loaded(app, page)
                        problems = [overflow_of(name, page, window)] if name != "first-run" else []
                        problems += sticking_out(name, page)
                        done.overflow += [f"{problem} ({screen}, {palette})" for problem in problems if problem]
                        path = out / f"{name.lower().replace(' ', '-')}-{screen}-{palette}.png"
                        window.grab().save(str(path))
                        done.files.append(path)
                        if full and hasattr(page, "body"):  # the whole scrolling page, to look at
                            path = path.with_name(path.stem + "-full.png")
                            page.body.grab().save(str(path))
                            done.files.append(path)
                    if ctx is demo:
                        tray = TrayController(model)
                        tray.rebuild_menu()
                        tray.menu.resize(tray.menu.sizeHint())  # (adjustSize keeps it inside an 800x600 offscreen screen)
                        path = out / f"tray-menu-{screen}-{palette}.png"
                        tray.menu.grab().save(str(path))
                        done.files.append(path)
                        tray.dispose()
                    window.close()
                    window.deleteLater()
                    model.close()
                    _settle(app, 0.05)
    finally:
        demo.close()
        empty.close()
        appearance.apply("light", app)  # what comes next in this process is not drawn dark by surprise
    return done


def isolate() -> None:
    """A scratch TRACKER_HOME and HOME (no real logs, settings or keys show up) and an in-memory keyring."""
    import keyring

    scratch = Path(tempfile.mkdtemp(prefix="tracker-screens-"))
    os.environ["TRACKER_HOME"] = str(scratch / "tracker")
    os.environ["HOME"] = str(scratch / "home")
    for name in ("CLAUDE_CONFIG_DIR", "CODEX_HOME", "GEMINI_DATA_DIR", "GEMINI_CLI_HOME", "XDG_CONFIG_HOME"):
        os.environ.pop(name, None)
    keyring.set_keyring(_desktop_keyring())


def _desktop_keyring():
    """For the pictures: keys in memory (never the machine's keyring), named as the desktop keyring most Linux
    users have, so that Settings reads as it does for them ("the system keyring (Secret Service ...)"), not
    "the keyring backend tests.conftest.MemoryKeyring, whose encryption is not known"."""
    from tests.conftest import MemoryKeyring

    return type("Keyring", (MemoryKeyring,), {"__module__": "keyring.backends.SecretService"})()


def docs(out: Path) -> list[Path]:
    """The README's and docs/' pictures, each rendered at its own size and palette."""
    with tempfile.TemporaryDirectory() as scratch:
        made = []
        for file_name, page, screen, palette in DOCS:
            result = render(Path(scratch), screens=(screen,), palettes=(palette,),
                            pages=[] if page in ("tray-menu", "first-run") else [page])
            source = next(p for p in result.files if p.name.startswith(f"{page.lower()}-{screen}-{palette}"))
            target = out / file_name
            target.write_bytes(source.read_bytes())
            made.append(target)
        return made


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True, help="folder for the PNGs")
    parser.add_argument("--docs", action="store_true", help="only the README's and docs/' pictures")
    parser.add_argument("--full", action="store_true", help="also each scrolling page whole (*-full.png)")
    args = parser.parse_args(argv)
    isolate()
    if args.docs:
        for path in docs(args.out):
            print(path)
        return 0
    result = render(args.out, full=args.full)
    print(f"{len(result.files)} screenshots in {args.out}")
    for problem in result.overflow:
        print(f"does not fit: {problem}")
    return 1 if result.overflow else 0


if __name__ == "__main__":
    sys.exit(main())
