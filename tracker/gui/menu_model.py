"""What the tray menu says, built from a snapshot: plain Python so tests need no tray."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from datetime import tzinfo as TzInfo

from tracker.core.timeutil import from_ms
from tracker.core.wording import counted
from tracker.gui.theme import percent, usd
from tracker.services.limits import LimitsSnapshot, badge_text, pct_text
from tracker.services.overview import OverviewSnapshot
from tracker.services.plans import multiple

SOURCE_LABELS = {
    "claude_code": "Claude Code", "codex": "Codex CLI", "gemini_cli": "Gemini CLI", "openai": "OpenAI",
    "anthropic": "Anthropic", "openrouter": "OpenRouter", "deepseek": "DeepSeek",
}


def source_label(source: str) -> str:
    return SOURCE_LABELS.get(source, source)


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


SEPARATOR = MenuEntry("", separator=True)


def when_text(ms: int | None, zone: TzInfo | None, now_ms: int) -> str:
    if ms is None:
        return "never"
    minutes = max(0, (now_ms - ms) // 60_000)
    if minutes < 1:
        return "just now"
    if minutes < 60:
        return f"{minutes} min ago"
    return datetime.strftime(from_ms(ms).astimezone(zone), "%H:%M %d %b")


def _info(text: str) -> MenuEntry:
    # Figures are enabled (readable, not greyed out) and open the dashboard when clicked.
    return MenuEntry(text, "dashboard")


def plan_value_line(s: OverviewSnapshot) -> str | None:
    """'Plans this month: $200, covered $1,240 at API prices (6.2x)', when plans cover usage this month."""
    if not s.plan_fees_month_pico and not s.plan_covered_month_pico:
        return None
    times = multiple(s.plan_covered_month_pico, s.plan_fees_month_pico)
    return (f"Plans this month: {usd(s.plan_fees_month_pico)}, covered {usd(s.plan_covered_month_pico)} "
            f"at API prices" + (f" ({times}x so far)" if times is not None else ""))


def limit_entries(limits: LimitsSnapshot | None, zone: TzInfo | None, now_ms: int) -> list[MenuEntry]:
    """Each plan window (used %, reset, pace), the blocks of agents no window meters, a Claude login problem."""
    if limits is None:
        return []
    entries = [_info(f"{w.label}: {pct_text(w.reading.used_pct)} used · {w.pace_text(zone, now_ms)}")
               for w in limits.windows]
    entries += [_info(b.text(zone, now_ms)) for b in limits.unmetered_blocks()]
    claude = limits.claude
    if claude is not None and claude.consent and claude.ok is False:
        entries.append(_info(f"⚠ Claude windows: {claude.message}"))
    return [SEPARATOR, *entries] if entries else []


def menu_entries(snapshot: OverviewSnapshot | None, status: SyncStatus, open_nudges: int,
                 zone: TzInfo | None = None, now_ms: int | None = None,
                 limits: LimitsSnapshot | None = None, demo: bool = False) -> list[MenuEntry]:
    now_ms = now_ms if now_ms is not None else (snapshot.as_of_ms if snapshot else 0)
    entries: list[MenuEntry] = []
    if demo:
        entries += [MenuEntry("Demo data (generated)", enabled=False), SEPARATOR]
    if snapshot is None:
        entries.append(MenuEntry("Loading…", enabled=False))
    else:
        s = snapshot
        entries.append(_info(f"Today: {usd(s.today_pico)}"))
        entries.append(_info(f"Last 7 days: {usd(s.week_pico)}"))
        entries.append(_info(
            f"Month to date: {usd(s.month_pico)} (forecast {usd(s.forecast_pico)}, "
            f"{usd(s.forecast_low_pico)}–{usd(s.forecast_high_pico)})"))
        entries.append(_info(f"Change vs last month: {percent(s.change_vs_last_month)}"))
        plans = plan_value_line(s)
        if plans:
            entries.append(_info(plans))
        if s.warning:
            entries.append(_info(f"⚠ Spending high: {s.warning_reason}"))
        if s.unpriced_month:
            entries.append(_info(f"Unpriced this month: {counted(s.unpriced_month, 'request')} (not counted as $0)"))
        if s.sources:
            entries.append(SEPARATOR)
            for src in s.sources:
                entries.append(_info(
                    f"{source_label(src.source)}: today {usd(src.today_pico)}, month {usd(src.month_pico)}"))
    entries += limit_entries(limits, zone, now_ms)
    entries.append(SEPARATOR)
    entries.append(_info(f"Open nudges: {open_nudges}"))
    if status.running:
        entries.append(_info(f"Syncing… {status.progress or ''}".rstrip()))
    else:
        entries.append(_info(f"Last sync: {when_text(status.last_sync_ms, zone, now_ms)}"))
    for error in status.errors:
        entries.append(_info(f"⚠ {error}"))
    entries.append(SEPARATOR)
    entries.append(MenuEntry("Sync now", "sync", enabled=not status.running))
    entries.append(MenuEntry("Pause syncing", "pause", checked=status.paused))
    entries.append(MenuEntry("Open dashboard", "dashboard"))
    entries.append(MenuEntry("Settings…", "settings"))
    if demo:
        entries.append(MenuEntry("Back to my data", "leave-demo"))
    elif snapshot is not None and not snapshot.has_data:
        entries.append(MenuEntry("Try the demo", "demo"))
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
