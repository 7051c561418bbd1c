"""The tray menu snapshot (no tray needed), the icon, notifications and the tray controller."""

from __future__ import annotations


from tracker.core.timeutil import get_zone
from tracker.gui.icon import badge_text, draw_icon
from tracker.gui.menu_model import MenuEntry, SyncStatus, describe_progress, menu_entries, tooltip
from tracker.gui.notify import NotificationGate
from tracker.gui.theme import percent, usd
from tracker.services.overview import overview_snapshot


def _texts(entries: list[MenuEntry]) -> list[str]:
    return [e.label for e in entries if not e.separator]


def test_menu_from_demo_snapshot(demo_ctx):
    snap = overview_snapshot(demo_ctx.store, get_zone("UTC"))
    status = SyncStatus(last_sync_ms=snap.as_of_ms - 5 * 60_000, errors=["provider accounts: openai 'work': 401"])
    entries = menu_entries(snap, status, open_nudges=0, zone=get_zone("UTC"))
    texts = _texts(entries)
    assert texts[:6] == ["Spend", f"Today: {usd(snap.today_pico)}", f"Last 7 days: {usd(snap.week_pico)}",
                         f"Month to date: {usd(snap.month_pico)}",
                         f"Month-end forecast: about ${round(snap.forecast_pico / 10**12):,}",
                         f"Against last month: {percent(snap.change_vs_last_month)}"]
    assert "By source, this month" in texts and f"Claude Code: {usd(snap.sources[0].month_pico)}" in texts or \
        any(t.startswith("Claude Code: $") for t in texts)
    assert "Open nudges: 0" in texts
    assert "Last sync: 5 min ago" in texts
    assert "⚠ provider accounts: openai 'work': 401" in texts
    assert any(t.startswith("Unpriced requests (not $0): ") for t in texts)  # the demo has an unpriced model
    commands = [e.action for e in entries if e.action and e.action != "dashboard" or e.text == "Open dashboard"]
    assert commands == ["sync", "pause", "dashboard", "settings", "quit"]
    assert [e.text for e in entries if not e.separator][-5:] == [
        "Sync now", "Pause syncing", "Open dashboard", "Settings…", "Quit"]
    figures = [e for e in entries if not e.separator and not e.section][:-5]
    assert all(e.enabled and e.action == "dashboard" for e in figures)  # readable; a click opens the dashboard
    assert [e.text for e in entries if e.section] == ["Spend", "By source, this month", "Status"]


def test_a_source_a_plan_pays_for_is_listed_in_plan_not_left_out(demo_ctx, qtbot):
    """The demo's Claude Code runs under Claude Max: nothing paid as you go, but it is the user's most used
    agent: the menu and the Overview list it "in plan" instead of dropping it (or saying $0.00)."""
    from datetime import date, timedelta

    from tracker.gui.pages.overview import OverviewPage
    from tracker.gui.model import DashboardModel
    from tracker.services.demo import seed_demo_plans

    seed_demo_plans(demo_ctx.store, date.today() - timedelta(days=89), date.today())
    snap = overview_snapshot(demo_ctx.store, get_zone("UTC"))
    claude = next(f for f in snap.sources if f.source == "claude_code")
    assert claude.month_pico == 0 and claude.plan_covered_month_pico > 0
    texts = _texts(menu_entries(snap, SyncStatus(), open_nudges=0, zone=get_zone("UTC")))
    assert "Claude Code: in plan" in texts
    model = DashboardModel(demo_ctx)
    model.refresh()
    page = OverviewPage(model)
    qtbot.addWidget(page)
    page.refresh()
    rows = {page.sources.item(r, 0).text(): [page.sources.item(r, c).text() for c in range(1, 4)]
            for r in range(page.sources.rowCount())}
    assert rows["Claude Code"][2] == "in plan"
    assert rows["Codex CLI"][2].startswith("$")  # paid as you go: its money


def test_a_first_run_menu_offers_set_up_and_the_demo(ctx):
    snap = overview_snapshot(ctx.store, get_zone("UTC"))
    entries = menu_entries(snap, SyncStatus(), 0, get_zone("UTC"))
    assert [e.action for e in entries if e.action in ("settings", "demo")] == ["settings", "demo"]
    assert entries[0].text.startswith("No usage yet") and not entries[0].enabled
    assert not any(e.text == "Open nudges" for e in entries)


def test_menu_while_syncing_and_paused():
    status = SyncStatus(running=True, paused=True, progress="claude_code 3/10")
    entries = menu_entries(None, status, open_nudges=2)
    texts = _texts(entries)
    assert texts[0] == "Loading…"
    assert "Syncing… claude_code 3/10" in texts and "Open nudges: 2" in texts
    sync = next(e for e in entries if e.action == "sync")
    pause = next(e for e in entries if e.action == "pause")
    assert not sync.enabled and pause.checked is True


def test_progress_reports_read_as_text_and_percent():
    assert describe_progress({"stage": "logs", "files_done": 1, "files_total": 3, "bytes_done": 2000,
                              "bytes_total": 8000}) == ("agent logs (1/3 files)", 25)
    assert describe_progress({"stage": "logs", "files_done": 0, "files_total": 0, "bytes_done": 0,
                              "bytes_total": 0}) == ("agent logs (0/0 files)", None)
    assert describe_progress({"phase": "poll", "source": "anthropic", "chunk": 1, "chunks": 2}) == ("Anthropic (1/2)", 0)
    assert describe_progress({"phase": "poll", "source": "My OpenRouter key"}) == ("My OpenRouter key", None)
    assert describe_progress({"stage": "nudges"}) == ("nudges", None)
    assert describe_progress({}) == (None, None)


def test_tooltip_and_badge(demo_ctx):
    snap = overview_snapshot(demo_ctx.store, get_zone("UTC"))
    assert tooltip(snap, SyncStatus()).startswith(f"Tracker — today {usd(snap.today_pico)}")
    assert "Sync problem: boom" in tooltip(snap, SyncStatus(errors=["boom"]))
    pico = 10**12
    assert [badge_text(p) for p in (None, 0, 42 * pico // 100, 746 * pico // 100, 79 * pico, 412 * pico, 1234 * pico,
                                    12_500 * pico)] == ["?", "$0", "<$1", "$7", "$79", "$412", "$1k", "$13k"]


def test_icon_is_drawn(qapp):
    icon = draw_icon(5 * 10**12, warning=True)
    image = icon.pixmap(64, 64).toImage()
    assert not icon.isNull()
    assert image.pixelColor(32, 60).name() == "#e67700"  # the warning colour


def test_notification_gate_rate_limits():
    now = [0.0]
    gate = NotificationGate(min_interval_s=3600, clock=lambda: now[0])
    assert gate.should_notify("spend", "high")
    assert not gate.should_notify("spend", "high")  # no change, no repeat
    assert not gate.should_notify("spend", None)
    assert not gate.should_notify("spend", "high")  # changed again, but within the hour
    now[0] = 4000
    assert not gate.should_notify("spend", "high")  # same state as last seen
    assert gate.should_notify("spend", "higher")
    assert gate.should_notify("errors", "x")  # kinds are independent


def test_tray_controller_rebuilds_menu_and_emits_actions(qtbot, demo_ctx):
    from tracker.gui.model import DashboardModel
    from tracker.gui.tray import TrayController

    model = DashboardModel(demo_ctx)
    model.refresh()
    tray = TrayController(model)
    tray.menu.aboutToShow.emit()
    texts = [a.text().replace("\t", ": ") for a in tray.menu.actions() if not a.isSeparator() or a.text()]
    assert texts == _texts(menu_entries(model.snapshot, model.status, len(model.nudges), model.zone(),
                                        now_ms=model.limits.as_of_ms, limits=model.limits, demo=model.demo))
    assert tray.tray.toolTip().startswith("Tracker — today")
    pause = next(a for a in tray.menu.actions() if a.data() == "pause")
    with qtbot.waitSignal(tray.actionTriggered) as blocker:
        pause.trigger()
    assert blocker.args == ["pause"]
    # a failing source changes the menu the next time it opens
    model.on_sync_failed("sync failed: disk full")
    tray.menu.aboutToShow.emit()
    assert "⚠ sync failed: disk full" in [a.text() for a in tray.menu.actions()]
    tray.menu.deleteLater()


def test_tray_announces_each_new_nudge_once(qtbot, demo_ctx, monkeypatch):
    from tracker.gui.model import DashboardModel
    from tracker.gui.tray import TrayController
    from tracker.services.status import open_nudges

    model = DashboardModel(demo_ctx)
    model.refresh()
    assert model.nudges, "the demo data has nudges"
    assert "Open nudges: %d" % len(model.nudges) in [e.label for e in menu_entries(
        model.snapshot, model.status, len(model.nudges), get_zone("UTC"))]
    from PySide6.QtWidgets import QSystemTrayIcon

    shown = []
    monkeypatch.setattr(QSystemTrayIcon, "showMessage", lambda self, title, text, *a: shown.append((title, text)))
    tray = TrayController(model)
    tray.update_state()
    nudge_messages = [s for s in shown if "cheaper model" in s[0]]
    assert len(nudge_messages) == 1 and "a week" in nudge_messages[0][1]
    # announced nudges are remembered in the database: a new session does not repeat them
    assert all(n.notified for n in open_nudges(demo_ctx))
    model.refresh()
    tray.update_state()
    assert len([s for s in shown if "cheaper model" in s[0]]) == 1
    tray.menu.deleteLater()


def test_every_agent_is_named_as_its_plug_in_names_it(ctx):
    """The tray, the Overview and the Usage page labelled sources from a table of seven: "kimi_cli",
    "copilot_cli", "grok_build" (14 of the 20 agents) showed as stored. Each is its plug-in's name now, an
    installed plug-in's too; a provider's is its service's; a kind no plug-in declares stays as it is."""
    from datetime import datetime, time

    from tracker.core.records import UsageEvent
    from tracker.core.timeutil import UTC, to_ms
    from tracker.core.tokens import Tokens
    from tracker.gui.menu_model import source_label
    from tracker.services.ingest import ingest
    from tracker.services.source_names import source_names
    from tracker.sources import registry

    for kind, source in registry.sources().items():
        assert source_label(kind) == source.name, kind
    assert source_label("kimi_cli") == "Kimi CLI" and source_label("grok_build") == "Grok Build CLI"
    assert source_label("openrouter") == "OpenRouter" and source_label("gone_agent") == "gone_agent"
    assert {"kimi_cli", "copilot_cli"} <= {kind for kind, name in source_names().items() if "cli" in name.lower()}

    today = datetime.now(UTC).date()  # (its first instant: in this month and past on any day)
    ingest(ctx.store, ctx.pricer, events=[UsageEvent(
        source="kimi_cli", key="k1", ts_ms=to_ms(datetime.combine(today, time(0), UTC)),
        model="kimi-k2", tokens=Tokens(input_tokens=10, output_tokens=10), provider="moonshotai")])
    snap = overview_snapshot(ctx.store, get_zone("UTC"))
    texts = _texts(menu_entries(snap, SyncStatus(), open_nudges=0, zone=get_zone("UTC")))
    assert any(t.startswith("Kimi CLI: ") for t in texts) and not any("kimi_cli" in t for t in texts)
