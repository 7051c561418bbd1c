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


_PAGES: dict[str, PageSpec] = {}


def register_page(name: str, factory: PageFactory, order: int | None = None) -> None:
    """Add (or replace) a page; lower `order` comes first, default after the others."""
    if order is None:
        _register_builtins()  # "after the others" counts the built-in pages even before they were first listed
        order = max((p.order for p in _PAGES.values()), default=0) + 10
    _PAGES[name] = PageSpec(name, factory, order)


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
        return page_class(lambda: model.ctx, **options)

    return factory


# name, module, class, order, options: the pages each feature contributes. The Value page reads
# ROI over all history (seconds on a million events), so it reads in a pool thread.
_FEATURE_PAGES = (
    ("Limits", "limits_page", "LimitsPage", 15, {}),
    ("Value", "value_page", "ValuePage", 20, {"background": True}),
    ("Nudges", "nudges_page", "NudgesPage", 30, {}),
    ("Invoices", "invoices_page", "InvoicesPage", 40, {}),
    ("Team", "team_page", "TeamPage", 50, {}),
)


def _register_builtins() -> None:
    if "Overview" not in _PAGES:
        from tracker.gui.pages.overview import OverviewPage

        register_page("Overview", OverviewPage, order=0)
    if "Usage" not in _PAGES:
        from tracker.gui.pages.usage import UsagePage

        register_page("Usage", UsagePage, order=5)
    for name, module, cls, order, options in _FEATURE_PAGES:
        if name not in _PAGES:
            register_page(name, _feature_page(module, cls, **options), order=order)
