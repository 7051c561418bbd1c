"""A wheel turn over a combo box or spin box that the user has not clicked scrolls the page instead.

Without this, scrolling a long page (Team, Settings) changes whatever setting passes under the
pointer: a webhook format went from json to slack that way, and Save would have kept it.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import QAbstractScrollArea, QAbstractSpinBox, QApplication, QComboBox, QWidget

_GUARDED = (QComboBox, QAbstractSpinBox)  # QDateEdit is a spin box


class _WheelGuard(QObject):
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() != QEvent.Type.Wheel or not isinstance(watched, QWidget) or watched.hasFocus():
            return False
        scroll_page(watched, event)
        return True


def _scroll_area_of(widget: QWidget) -> QAbstractScrollArea | None:
    parent = widget.parentWidget()
    while parent is not None and not isinstance(parent, QAbstractScrollArea):
        parent = parent.parentWidget()
    return parent


def scroll_page(widget: QWidget, event: QEvent) -> None:
    """Give a wheel turn over `widget` to the page around it, as if the widget were not there.

    Sent on explicitly: Qt passes an ignored wheel event to the parents only when it came from the
    system (a spontaneous event), and a chart or box inside a page must never keep it.
    """
    area = _scroll_area_of(widget)
    if area is not None:
        QApplication.sendEvent(area.viewport(), event)
    else:
        event.ignore()  # nothing to scroll: the parents may use it


_guard = None


def guard_wheel(root: QWidget) -> None:
    """Guard every combo box and spin box below `root` (built by then); a click gives one the wheel."""
    global _guard
    if _guard is None:
        _guard = _WheelGuard()
    for kind in _GUARDED:
        for widget in root.findChildren(kind):
            widget.setFocusPolicy(Qt.FocusPolicy.StrongFocus)  # the wheel alone never focuses it
            widget.installEventFilter(_guard)
