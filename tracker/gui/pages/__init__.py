"""Dashboard pages, registered by name so that other features add theirs with one call.

    from tracker.gui.pages import register_page
    register_page("Value", lambda model: ValuePage(model))

A factory takes the `DashboardModel` and returns a QWidget; a page that has a
`refresh()` method is refreshed when the snapshot changes and when it is shown.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

PageFactory = Callable[..., object]


@dataclass(frozen=True)
class PageSpec:
    name: str
    factory: PageFactory
    order: int
    icon: str = "page"  # a glyph of tracker.gui.glyphs


SETTINGS_PAGE = "Settings"


_PAGES: dict[str, PageSpec] = {}


def register_page(name: str, factory: PageFactory, order: int | None = None, icon: str = "page") -> None:
    """Add (or replace) a page; lower `order` comes first, default after the others (Settings stays last)."""
    if order is None:
        _register_builtins()  # "after the others" counts the built-in pages even before they were first listed
        order = max((p.order for p in _PAGES.values() if p.name != SETTINGS_PAGE), default=0) + 10
    _PAGES[name] = PageSpec(name, factory, order, icon)


def unregister_page(name: str) -> None:
    _PAGES.pop(name, None)


def registered_pages() -> list[PageSpec]:
    _register_builtins()
    return sorted(_PAGES.values(), key=lambda p: p.order)


def _feature_page(module: str, cls: str, **options) -> PageFactory:
    """A factory for a feature page built on the app context (imported when first shown)."""

    def factory(model):
        import importlib

        page_class = getattr(importlib.import_module(f"tracker.gui.pages.{module}"), cls)
        # a page reads off the GUI thread where the model does (the running app; tests read inline)
        return page_class(lambda: model.ctx, **({"background": model.background} | options))

    return factory


# name, module, class, order, options: the pages each feature contributes. Each reads in a pool
# thread where the dashboard's model does; the Value page always does (ROI over all history).
_FEATURE_PAGES = (
    ("Limits", "limits_page", "LimitsPage", 15, {}, "limits"),
    ("Value", "value_page", "ValuePage", 20, {"background": True}, "value"),
    ("Nudges", "nudges_page", "NudgesPage", 30, {}, "nudges"),
    ("Invoices", "invoices_page", "InvoicesPage", 40, {}, "invoices"),
    ("Team", "team_page", "TeamPage", 50, {}, "team"),
)
SETTINGS_ORDER = 1_000


def _register_builtins() -> None:
    if "Overview" not in _PAGES:
        from tracker.gui.pages.overview import OverviewPage

        register_page("Overview", OverviewPage, order=0, icon="overview")
    if "Usage" not in _PAGES:
        from tracker.gui.pages.usage import UsagePage

        register_page("Usage", UsagePage, order=5, icon="usage")
    for name, module, cls, order, options, icon in _FEATURE_PAGES:
        if name not in _PAGES:
            register_page(name, _feature_page(module, cls, **options), order=order, icon=icon)
    if SETTINGS_PAGE not in _PAGES:
        from tracker.gui.pages.settings_page import SettingsPage

        register_page(SETTINGS_PAGE, SettingsPage, order=SETTINGS_ORDER, icon="settings")
