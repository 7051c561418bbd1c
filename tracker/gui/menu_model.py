"""What the tray menu says, built from a snapshot: plain Python so tests need no tray."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from datetime import tzinfo as TzInfo

from tracker.core.timeutil import from_ms
from tracker.gui.theme import paid_or_in_plan, percent, usd
from tracker.services.limits import LimitsSnapshot, badge_text, pct_text
from tracker.services.overview import OverviewSnapshot
from tracker.services.plans import multiple
from tracker.services.source_names import source_name


def source_label(source: str) -> str:
    """A source kind as a person reads it ("Kimi CLI", not "kimi_cli"): services.source_names."""
    return source_name(source)


@dataclass
class SyncStatus:
    """What the GUI knows about background sync."""

    last_sync_ms: int | None = None
    running: bool = False
    paused: bool = False
    progress: str | None = None
    percent: int | None = None  # how far the sync is, when its report says (None: a busy bar)
    errors: list[str] = field(default_factory=list)  # one line each, as the tray menu shows them
    problems: list = field(default_factory=list)  # services.status.Problem: with what to do, for the banner


_MIB = 1024 * 1024


def describe_progress(info: dict) -> tuple[str | None, int | None]:
    """(text, percent) of one progress report of a sync: the log import's bytes and files, a poll's chunks."""
    if info.get("stage") == "logs":
        done, total = info.get("bytes_done") or 0, info.get("bytes_total") or 0
        files = f"{info.get('files_done', 0):,}/{info.get('files_total', 0):,} files"
        if total >= _MIB:
            return f"agent logs, {done // _MIB:,}/{total // _MIB:,} MiB ({files})", min(100, 100 * done // total)
        return f"agent logs ({files})", (100 * done // total if total else None)
    if info.get("phase") == "poll":
        chunk, chunks = info.get("chunk"), info.get("chunks")
        name = source_label(str(info.get("source") or info.get("kind") or "accounts"))
        if isinstance(chunk, int) and isinstance(chunks, int) and chunks > 0:
            since = f" from {info['from']}" if info.get("from") else ""
            return f"{name}{since} ({chunk}/{chunks})", 100 * (chunk - 1) // chunks
        return name, None
    label = info.get("source") or info.get("stage")
    return (source_label(str(label)) if label else None), None


@dataclass(frozen=True)
class MenuEntry:
    text: str
    action: str | None = None  # sync, pause, dashboard, settings, demo, leave-demo, quit; None = information
    enabled: bool = True
    checked: bool | None = None
    separator: bool = False
    section: bool = False  # a header over the entries that follow ("Spend", "Limits", ...)
    figure: str = ""  # shown right-aligned beside the text (a menu's shortcut column)

    @property
    def label(self) -> str:
        """The text with its figure, as one line (tests, tooltips, screen readers)."""
        return f"{self.text}: {self.figure}" if self.figure else self.text


SEPARATOR = MenuEntry("", separator=True)


def section(title: str) -> MenuEntry:
    return MenuEntry(title, section=True, enabled=False)


def when_text(ms: int | None, zone: TzInfo | None, now_ms: int) -> str:
    if ms is None:
        return "never"
    minutes = max(0, (now_ms - ms) // 60_000)
    if minutes < 1:
        return "just now"
    if minutes < 60:
        return f"{minutes} min ago"
    return datetime.strftime(from_ms(ms).astimezone(zone), "%H:%M %d %b")


def last_sync(status: SyncStatus, zone: TzInfo | None, now_ms: int, demo: bool = False) -> tuple[str, str]:
    """("Last sync", when) for the tray menu and the dashboard's top bar. Over the demo, before any sync of it
    ran, nothing was synced: "Last sync: never" read like a fault to look into."""
    if demo and status.last_sync_ms is None:
        return "Demo data", "not synced"
    return "Last sync", when_text(status.last_sync_ms, zone, now_ms)


def _info(text: str, figure: str = "") -> MenuEntry:
    # Figures are enabled (readable, not greyed out) and open the dashboard when clicked.
    return MenuEntry(text, "dashboard", figure=figure)


DETAIL = "    "  # a line that explains the one above it


def compact_tokens(n: int) -> str:
    """1,234,567 -> '1.2M', 372,849 -> '373k'."""
    if n >= 1_000_000:
        return f"{n / 1_000_000:.1f}M"
    return f"{n / 1000:.0f}k" if n >= 1000 else f"{n:,}"


def whole_usd(pico: int) -> str:
    """$351: for figures whose cents are false precision (a forecast, a plan's worth)."""
    return f"${round(pico / 10**12):,}"


def about_usd(pico: int) -> str:
    return f"about {whole_usd(pico)}"


def plan_value_line(s: OverviewSnapshot) -> str | None:
    """'Plans this month: $200, covered $1,240 at API prices (6.2x)', when plans cover usage this month."""
    if not s.plan_fees_month_pico and not s.plan_covered_month_pico:
        return None
    times = multiple(s.plan_covered_month_pico, s.plan_fees_month_pico)
    return (f"Plans this month: {usd(s.plan_fees_month_pico)}, covered {usd(s.plan_covered_month_pico)} "
            f"at API prices" + (f" ({times}x so far)" if times is not None else ""))


def spend_entries(s: OverviewSnapshot) -> list[MenuEntry]:
    """Today, the week, the month and where it is heading; figures in a column, rounded where exactness is false."""
    entries = [section("Spend"),
               _info("Today" + (" (running high)" if s.warning else ""), usd(s.today_pico)),
               _info("Last 7 days", usd(s.week_pico)),
               _info("Month to date", usd(s.month_pico)),
               _info("Month-end forecast", about_usd(s.forecast_pico)),
               _info("Against last month", percent(s.change_vs_last_month))]
    if plan_value_line(s):
        times = multiple(s.plan_covered_month_pico, s.plan_fees_month_pico)
        entries.append(_info("Plans this month", f"{whole_usd(s.plan_fees_month_pico)} for "
                                                 f"{whole_usd(s.plan_covered_month_pico)} of usage"
                                                 + (f" ({times}x)" if times is not None else "")))
    if s.unpriced_month:
        entries.append(_info("Unpriced requests (not $0)", f"{s.unpriced_month:,}"))
    if s.sources:
        entries.append(section("By source, this month"))
        entries += [_info(source_label(src.source), paid_or_in_plan(src.month_pico, src.plan_covered_month_pico))
                    for src in s.sources]
    return entries


def limit_entries(limits: LimitsSnapshot | None, zone: TzInfo | None, now_ms: int) -> list[MenuEntry]:
    """Each plan window (used %, reset, pace), the blocks of agents no window meters, a Claude login problem."""
    if limits is None:
        return []
    entries = []
    for w in limits.windows:  # the figure in the column, the pace on a line of its own (menus are narrow)
        entries += [_info(w.label, f"{pct_text(w.reading.used_pct)} used"), _info(DETAIL + w.pace_text(zone, now_ms))]
    for b in limits.unmetered_blocks():
        if b.active is None:
            continue
        entries.append(_info(f"{b.agent} 5-hour block", f"{compact_tokens(b.active.tokens)} tokens"))
        outlook = b.outlook_text(zone, now_ms)
        if outlook != "too early to tell":
            entries.append(_info(DETAIL + outlook))
    claude = limits.claude
    if claude is not None and claude.consent and claude.ok is False:
        entries.append(_info(f"⚠ Claude windows: {claude.message}"))
    return [section("Plan limits"), *entries] if entries else []


def menu_entries(snapshot: OverviewSnapshot | None, status: SyncStatus, open_nudges: int,
                 zone: TzInfo | None = None, now_ms: int | None = None,
                 limits: LimitsSnapshot | None = None, demo: bool = False) -> list[MenuEntry]:
    now_ms = now_ms if now_ms is not None else (snapshot.as_of_ms if snapshot else 0)
    entries: list[MenuEntry] = []
    if demo:
        entries.append(MenuEntry("Demo data (generated)", enabled=False))
    # nothing to show yet (no usage, no plan): what to do instead of a column of $0.00
    first_run = snapshot is not None and not snapshot.has_data and not plan_value_line(snapshot) and not demo
    if snapshot is None:
        entries.append(MenuEntry("Loading…", enabled=False))
    elif first_run:
        entries.append(MenuEntry("No usage yet: no agent logs found, no account set up", enabled=False))
    else:
        entries += spend_entries(snapshot)
    entries += limit_entries(limits, zone, now_ms)
    entries.append(section("Status"))
    if not first_run:
        entries.append(_info("Open nudges", f"{open_nudges}"))
    if status.running:
        entries.append(_info(f"Syncing… {status.progress or ''}".rstrip()))
    else:
        entries.append(_info(*last_sync(status, zone, now_ms, demo)))
    for error in status.errors:
        entries.append(_info(f"⚠ {error}"))
    entries.append(SEPARATOR)
    if first_run:
        entries.append(MenuEntry("Set up…", "settings"))
        entries.append(MenuEntry("Try the demo", "demo"))
        entries.append(SEPARATOR)
    entries.append(MenuEntry("Sync now", "sync", enabled=not status.running))
    entries.append(MenuEntry("Pause syncing", "pause", checked=status.paused))
    entries.append(MenuEntry("Open dashboard", "dashboard"))
    if not first_run:
        entries.append(MenuEntry("Settings…", "settings"))
    if demo:
        entries.append(MenuEntry("Back to my data", "leave-demo"))
    entries.append(SEPARATOR)
    entries.append(MenuEntry("Quit", "quit"))
    return entries


def tray_badge(snapshot: OverviewSnapshot | None, limits: LimitsSnapshot | None, mode: str) -> str | None:
    """The badge's text when it shows the tightest plan window ("C 42%"); None: today's spend."""
    if mode != "limits" or limits is None:
        return None
    return badge_text(limits.tightest())


LIMIT_WARNING_PCT = 80  # the window badge turns amber from here (the first notification's level)


def limit_warning(limits: LimitsSnapshot | None) -> bool:
    tightest = limits.tightest() if limits is not None else None
    return tightest is not None and tightest.reading.used_pct >= LIMIT_WARNING_PCT


def tooltip(snapshot: OverviewSnapshot | None, status: SyncStatus, limits: LimitsSnapshot | None = None) -> str:
    if snapshot is None:
        return "Tracker: loading"
    lines = [f"Tracker — today {usd(snapshot.today_pico)}",
             f"7 days {usd(snapshot.week_pico)} · month {usd(snapshot.month_pico)} "
             f"(forecast {usd(snapshot.forecast_pico)})"]
    tightest = limits.tightest() if limits is not None else None
    if tightest is not None:
        lines.append(f"{tightest.label}: {pct_text(tightest.reading.used_pct)} used")
    if snapshot.warning:
        lines.append(f"Spending high: {snapshot.warning_reason}")
    if status.errors:
        lines.append(f"Sync problem: {status.errors[0]}")
    elif status.paused:
        lines.append("Syncing paused")
    return "\n".join(lines)
