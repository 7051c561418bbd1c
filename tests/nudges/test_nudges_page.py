"""The Nudges page over the demo data and over generated usage (Qt offscreen)."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from nudge_usage import DAY_MS, NOW_MS, events, write

pytest.importorskip("PySide6")
pytestmark = pytest.mark.gui

from PySide6.QtCore import Qt  # noqa: E402

from tracker.services import nudges as service  # noqa: E402
from tracker.services.context import open_context  # noqa: E402

OPUS_ID = "claude_code|claude-opus-4-5|claude-sonnet-4-5"


@pytest.fixture
def ctx():
    context = open_context()
    yield context
    context.close()


def _demo_page(qtbot, ctx):
    """The page over the demo data, ending on the day of NOW_MS."""
    from tracker.gui.pages.nudges_page import NudgesPage
    from tracker.services.demo import generate

    end = datetime.fromtimestamp(NOW_MS / 1000, timezone.utc).date()
    generate(ctx.store, ctx.pricer, end_day=end)
    page = NudgesPage(lambda: ctx, now_ms=lambda: NOW_MS)
    qtbot.addWidget(page)
    page.refresh()
    return page


def test_page_renders_demo_data(qtbot, ctx):
    page = _demo_page(qtbot, ctx)
    page.show()
    assert page.cards, "the demo data should show at least one nudge"
    card = page.cards[0]
    assert "→" in card.title.text() and "a week" in card.savings.text()
    assert card.evidence is not None and "were simple" in card.evidence.text()
    assert card.examples is not None and card.examples.rowCount() > 0
    assert "model" in card.how.text()
    assert set(card.buttons) == {"dismiss", "snooze", "switched"}
    assert page.open_count == len(page.cards)
    assert not page.empty.isVisible()


def test_buttons_act_through_the_service(qtbot, ctx):
    from tracker.gui.pages.nudges_page import NudgesPage

    # usage continues after "now" so the nudge still qualifies later on
    write(ctx.store, ctx.pricer, events(1700, 1700, NOW_MS - 28 * DAY_MS, 40))
    clock = {"now": NOW_MS}
    page = NudgesPage(ctx, now_ms=lambda: clock["now"])
    qtbot.addWidget(page)
    page.refresh()
    assert [c.nudge.id for c in page.cards] == [OPUS_ID]

    with qtbot.waitSignal(page.changed, timeout=2000):
        qtbot.mouseClick(page.cards[0].buttons["snooze"], Qt.MouseButton.LeftButton)
    assert page.cards[0].nudge.status == "snoozed" and page.open_count == 0

    with qtbot.waitSignal(page.changed, timeout=2000):
        qtbot.mouseClick(page.cards[0].buttons["switched"], Qt.MouseButton.LeftButton)
    assert page.cards[0].nudge.status == "switched"
    assert page.cards[0].follow is not None and "after a day" in page.cards[0].follow.text()

    # a week later the follow-through shows realised against estimated
    write(ctx.store, ctx.pricer, events(300, 0, NOW_MS, 7, model="claude-sonnet-4-5", prefix="moved"))
    clock["now"] = NOW_MS + 7 * DAY_MS
    page.refresh()
    # (the moved work now makes sonnet a nudge of its own: sonnet -> haiku)
    card = _card(page, OPUS_ID)
    assert "Realised" in card.follow.text() and "against an estimate" in card.follow.text()

    with qtbot.waitSignal(page.changed, timeout=2000):
        qtbot.mouseClick(card.buttons["reopen"], Qt.MouseButton.LeftButton)
    with qtbot.waitSignal(page.changed, timeout=2000):
        qtbot.mouseClick(_card(page, OPUS_ID).buttons["dismiss"], Qt.MouseButton.LeftButton)
    assert OPUS_ID not in [c.nudge.id for c in page.cards]
    page.show_dismissed.setChecked(True)
    assert _card(page, OPUS_ID).nudge.status == "dismissed"
    assert OPUS_ID not in [n.id for n in service.open_nudges(ctx.store, ctx.pricer, ctx.zone(), now=clock["now"])]


def _card(page, nudge_id):
    return next(c for c in page.cards if c.nudge.id == nudge_id)


def test_empty_page_says_why(qtbot, ctx):
    from tracker.gui.pages.nudges_page import NudgesPage

    write(ctx.store, ctx.pricer, events(10, 10, NOW_MS - 28 * DAY_MS, 28))
    page = NudgesPage(ctx, now_ms=lambda: NOW_MS)
    qtbot.addWidget(page)
    page.refresh()
    assert page.cards == [] and page.empty.isVisibleTo(page) and "$5" in page.empty.text()
    # the title says there is none; the line under it says why, without saying it again
    assert page.empty_state.title.text() == "No nudges right now"
    assert page.empty.text().startswith("No model's simple sessions would save at least $5 a week")


def test_bad_ladder_file_shows_a_notice(qtbot, ctx):
    from tracker.gui.pages.nudges_page import NudgesPage

    (ctx.paths.config_dir / "ladders.json").write_text("{broken")
    page = NudgesPage(ctx, now_ms=lambda: NOW_MS)
    qtbot.addWidget(page)
    page.refresh()
    assert page.notice.isVisibleTo(page) and "ladders.json" in page.notice.text()
    assert page.empty.isVisibleTo(page)


def test_the_page_says_when_nudges_are_dismissed(qtbot, ctx):
    from tracker.gui.pages.nudges_page import NudgesPage

    write(ctx.store, ctx.pricer, events(1700, 1700, NOW_MS - 28 * DAY_MS, 40))
    service.dismiss(ctx.store, OPUS_ID)
    page = NudgesPage(ctx, now_ms=lambda: NOW_MS)
    qtbot.addWidget(page)
    page.refresh()
    assert page.cards == [] and page.empty.isVisibleTo(page)
    assert "1 dismissed nudge not shown" in page.empty.text() and "$5" not in page.empty.text()
    page.show_dismissed.setChecked(True)
    assert [c.nudge.id for c in page.cards] == [OPUS_ID] and not page.empty.isVisibleTo(page)


def test_the_examples_title_says_how_many_of_them_the_table_shows(qtbot, ctx):
    """"The latest of 5 examples" sat over three rows: it says "The latest 3 of 5 examples" now."""
    from tracker.gui.pages.nudges_page import EXAMPLES_SHOWN, examples_title

    page = _demo_page(qtbot, ctx)
    card = next(c for c in page.cards if c.examples is not None and len(c.nudge.examples) > EXAMPLES_SHOWN)
    assert card.examples.rowCount() == EXAMPLES_SHOWN
    assert card.examples_title.text().startswith(f"The latest {EXAMPLES_SHOWN} of {len(card.nudge.examples)} examples")
    assert examples_title(2, 2) == "The 2 examples (tokens per request):"
    assert examples_title(1, 1) == "The example (tokens per request):"
