"""Plan limit windows, their pace, 5-hour blocks, and when to tell the user.

Windows come from the data: Codex writes its windows into its logs (read by
the log import), Claude's come from Claude's usage endpoint when the user
agreed to let the tracker read Claude Code's login (`poll_claude`, asked once,
off by default). Where no window is reported, 5-hour blocks cut from the logs
(core.limits.blocks) show the burn rate and where the current block is heading
against the user's typical block.

The tray, the dashboard and `tracker limits` all read `limits_snapshot`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import tzinfo
from typing import Any

from tracker.core.limits import (
    BLOCK_MS, HOUR_MS, MINUTE_MS, RECENT_LOOKBACK_MS, Block, BlockOutlook, LimitReading, Pace, blocks, outlook, pace,
    window_label,
)
from tracker.core.money import format_usd
from tracker.core.timeutil import from_ms, now_ms
from tracker.net import HttpOptions, ProviderError, RateLimited
from tracker.services.choices import ChoiceSetting
from tracker.sources import claude_usage
from tracker.storage import Store
from tracker.storage import limits as lstore

log = logging.getLogger(__name__)

CLAUDE_CONSENT_SETTING = "limits.claude_login"  # True / False; absent: not asked yet
CLAUDE_STATUS_SETTING = "limits.claude_status"  # the last poll's outcome (never the login)
BADGE_SETTING = "tray.badge"  # "spend" (today's spend) or "limits" (the tightest window)
BADGE_MODES = ("spend", "limits")
ALERTED_SETTING = "limits.alerted"  # windows already announced at a threshold
ALERT_THRESHOLDS_PCT = (80, 95)
ALERTED_KEPT = 200  # announced keys remembered (older windows have long reset)
CLAUDE_POLL_MIN_S = 5 * 60  # the endpoint is asked at most this often
CLAUDE_RETRY_AFTER_FAILURE_S = 15 * 60  # after a 429 or a server problem
BLOCK_HISTORY_DAYS = 30  # completed blocks this far back set the typical block (cut from hourly sums)
# The running block is cut from this much of the latest requests, to the minute: blocks chain from the
# first request after a 5-hour gap, and a day holds that gap for anyone who sleeps.
ACTIVE_BLOCK_LOOKBACK_MS = 24 * HOUR_MS
CHART_HISTORY_DAYS = 14
AGENT_SOURCES = ("claude_code", "codex", "gemini_cli")
AGENT_LETTERS = {"claude_code": "C", "codex": "X", "gemini_cli": "G"}
AGENT_NAMES = {"claude_code": "Claude", "codex": "Codex", "gemini_cli": "Gemini"}


# -- settings -------------------------------------------------------------------------
def claude_consent(store: Store) -> bool | None:
    """True / False as the user answered; None when not asked yet."""
    value = store.get_setting(CLAUDE_CONSENT_SETTING)
    return value if isinstance(value, bool) else None


def set_claude_consent(store: Store, allowed: bool) -> None:
    store.set_setting(CLAUDE_CONSENT_SETTING, bool(allowed))
    if not allowed:
        store.set_setting(CLAUDE_STATUS_SETTING, None)


BADGE = ChoiceSetting(BADGE_SETTING, BADGE_MODES, "The tray badge shows")


def badge_mode(store: Store) -> str:
    return BADGE.get(store)


def set_badge_mode(store: Store, mode: str) -> None:
    BADGE.set(store, mode)


# -- reading Claude's windows ------------------------------------------------------------
@dataclass
class ClaudeStatus:
    consent: bool | None
    ok: bool | None = None  # None: nothing tried
    message: str = ""
    checked_ms: int | None = None
    polled: bool = False  # this call asked the endpoint
    readings: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {"consent": self.consent, "ok": self.ok, "message": self.message, "checked_ms": self.checked_ms,
                "polled": self.polled, "readings": self.readings}


def claude_status(store: Store) -> ClaudeStatus:
    stored = store.get_setting(CLAUDE_STATUS_SETTING) or {}
    consent = claude_consent(store)
    if consent is not True:
        text = ("Claude windows are off: allow reading Claude Code's login with `tracker limits --claude-login on` "
                "or in Settings, Subscription plans." if consent is False else
                "Claude windows need your consent to read Claude Code's login: `tracker limits --claude-login on` "
                "or Settings, Subscription plans.")
        return ClaudeStatus(consent, None, text)
    return ClaudeStatus(True, stored.get("ok"), stored.get("message", ""), stored.get("checked_ms"))


def poll_claude(store: Store, now: int | None = None, force: bool = False, options: HttpOptions | None = None,
                find_login=claude_usage.find_login) -> ClaudeStatus:
    """Read Claude's windows if the user agreed and it is due; never raises for a login or network problem.

    A login that failed (missing, expired, refused) is not tried again until it
    changes (the agent renewed it): no retry loop. A 429 or server problem waits
    CLAUDE_RETRY_AFTER_FAILURE_S. `force` (the user asked) skips the waits.
    """
    now = now_ms() if now is None else now
    if claude_consent(store) is not True:
        return claude_status(store)
    previous = store.get_setting(CLAUDE_STATUS_SETTING) or {}

    def save(ok: bool, message: str, login: str, blocked: bool = False, wait_s: int = 0,
             readings: int = 0, polled: bool = False) -> ClaudeStatus:
        store.set_setting(CLAUDE_STATUS_SETTING, {"ok": ok, "message": message, "checked_ms": now, "login": login,
                                                  "blocked": blocked, "next_ms": now + wait_s * 1000})
        return ClaudeStatus(True, ok, message, now, polled, readings)

    try:
        login = find_login()
    except claude_usage.LoginProblem as problem:
        return save(False, str(problem), problem.fingerprint, blocked=True)
    same_login = previous.get("login") == login.fingerprint
    if not force and same_login and (previous.get("blocked") or now < (previous.get("next_ms") or 0)):
        return ClaudeStatus(True, previous.get("ok"), previous.get("message", ""), previous.get("checked_ms"))
    if login.expires_at_ms is not None and login.expires_at_ms <= now:
        return save(False, f"Claude Code's login on this machine has expired: {claude_usage.RUN_AGENT}.",
                    login.fingerprint, blocked=True)
    try:
        readings, rejected = claude_usage.fetch_windows(login, now, options)
    except claude_usage.LoginRefused as refused:
        return save(False, str(refused), login.fingerprint, blocked=True, polled=True)
    except RateLimited:
        return save(False, "Claude's usage endpoint asked to slow down (HTTP 429); the tracker asks again in "
                    f"{CLAUDE_RETRY_AFTER_FAILURE_S // 60} minutes.", login.fingerprint,
                    wait_s=CLAUDE_RETRY_AFTER_FAILURE_S, polled=True)
    except ProviderError as exc:  # its text never holds the token (ours, redacted)
        return save(False, f"{exc} The tracker asks again in {CLAUDE_RETRY_AFTER_FAILURE_S // 60} minutes.",
                    login.fingerprint, wait_s=CLAUDE_RETRY_AFTER_FAILURE_S, polled=True)
    lstore.write_readings(store, readings)
    if rejected:
        log.warning("Claude usage: parts not read: %s", "; ".join(rejected))
    message = f"{len(readings)} Claude window(s) read" + (f"; not read: {'; '.join(rejected)}" if rejected else "")
    if not readings and not rejected:
        message = "Claude's usage endpoint reported no windows (no Claude plan on this login?)."
    ok = bool(readings) or not rejected  # an answer with nothing readable in it is a failure, said as such
    if not ok:
        message = f"Claude's usage endpoint sent an answer the tracker cannot read ({'; '.join(rejected)})."
    return save(ok, message, login.fingerprint, wait_s=CLAUDE_POLL_MIN_S if ok else CLAUDE_RETRY_AFTER_FAILURE_S,
                readings=len(readings), polled=True)


# -- the snapshot ------------------------------------------------------------------------
def local_time(ms: int, zone: tzinfo, now: int) -> str:
    """'16:40' today, 'Tue 09:00' within a week, '12 Dec 09:00' later (local time)."""
    moment = from_ms(ms).astimezone(zone)
    today = from_ms(now).astimezone(zone).date()
    days = (moment.date() - today).days
    if days == 0:
        return f"{moment:%H:%M}"
    if 0 < days < 7:
        return f"{moment:%a %H:%M}"
    return f"{moment:%d %b %H:%M}"


def duration_text(ms: int) -> str:
    """'45 min', '1 h 20', '2 d 3 h'."""
    minutes = max(0, ms) // MINUTE_MS
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours} h {minutes:02d}" if minutes else f"{hours} h"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours} h" if hours else f"{days} d"


def pct_text(value: float) -> str:
    return f"{value:.0f}%" if value >= 10 or value == int(value) else f"{value:.1f}%"


@dataclass
class WindowView:
    reading: LimitReading
    pace: Pace
    current: bool  # False: the window has reset since this reading (its figure is no longer true)

    @property
    def agent(self) -> str:
        return AGENT_NAMES.get(self.reading.source, self.reading.source)

    @property
    def label(self) -> str:
        return f"{self.agent} {window_label(self.reading.limit_id, self.reading.window_minutes)}"

    @property
    def meters_plan(self) -> bool:
        """A plan allowance (not the pay-per-use extra usage)."""
        return self.reading.limit_id != claude_usage.EXTRA_USAGE

    def pace_text(self, zone: tzinfo, now: int) -> str:
        r, p = self.reading, self.pace
        if not self.current:
            return f"reset at {local_time(r.resets_at_ms, zone, now)}; no reading since"
        resets = f"resets {local_time(r.resets_at_ms, zone, now)}" if r.resets_at_ms is not None else ""
        if p.full_already:
            return f"the limit is reached; {resets}" if resets else "the limit is reached"
        if p.reaches_full_ms is not None:
            before = f", {duration_text(r.resets_at_ms - p.reaches_full_ms)} before the reset" \
                if r.resets_at_ms is not None else ""
            return f"at this rate you reach 100% at {local_time(p.reaches_full_ms, zone, now)}{before}"
        if p.pct_at_reset is not None:
            return f"at this rate about {pct_text(p.pct_at_reset)} at the reset ({local_time(r.resets_at_ms, zone, now)})"
        return f"{resets}; too few readings for a pace" if resets else "too few readings for a pace"

    def as_dict(self, zone: tzinfo, now: int) -> dict[str, Any]:
        r, p = self.reading, self.pace
        return {
            "source": r.source, "limit_id": r.limit_id, "name": r.name, "label": self.label,
            "window_minutes": r.window_minutes, "used_percent": r.used_pct,
            "resets_at": _iso(r.resets_at_ms, zone), "observed_at": _iso(r.observed_ms, zone),
            "current": self.current, "detail": r.detail,
            "pace": {"rate_percent_per_hour": None if p.rate_pct_per_hour is None else round(p.rate_pct_per_hour, 2),
                     "basis": p.basis, "reaches_100_at": _iso(p.reaches_full_ms, zone),
                     "percent_at_reset": None if p.pct_at_reset is None else round(p.pct_at_reset, 1),
                     "text": self.pace_text(zone, now)},
        }


def _iso(ms: int | None, zone: tzinfo) -> str | None:
    return None if ms is None else from_ms(ms).astimezone(zone).isoformat(timespec="seconds")


@dataclass
class BlockView:
    source: str
    active: Block | None
    outlook: BlockOutlook
    last: Block | None  # the newest block (the active one, or the last completed)

    @property
    def agent(self) -> str:
        return AGENT_NAMES.get(self.source, self.source)

    def outlook_text(self, zone: tzinfo, now: int) -> str:
        """Where the running block is heading against the user's typical (90th percentile) block."""
        o = self.outlook
        if self.active is None:
            return "no block running"
        if o.reaches_typical_ms is not None:
            return (f"at this pace you reach your usual heavy block ({_tokens(o.typical_tokens)}) at "
                    f"{local_time(o.reaches_typical_ms, zone, now)}")
        if o.projected_tokens is not None and o.typical_tokens:
            return f"heading for {_tokens(o.projected_tokens)} (your usual heavy block: {_tokens(o.typical_tokens)})"
        return "too early to tell"

    def text(self, zone: tzinfo, now: int) -> str:
        if self.active is None:
            return f"{self.agent}: no block running"
        b = self.active
        head = (f"{self.agent} block since {local_time(b.start_ms, zone, now)}: {_tokens(b.tokens)} tokens, "
                f"{_usd(b.cost_pico)} at API prices, ends {local_time(b.end_ms, zone, now)}")
        outlook = self.outlook_text(zone, now)
        return head if outlook == "too early to tell" else f"{head}; {outlook}"

    def as_dict(self, zone: tzinfo, now: int) -> dict[str, Any]:
        def block(b: Block | None) -> dict | None:
            if b is None:
                return None
            rate = b.tokens_per_minute()
            per_hour = b.cost_per_hour_pico()
            return {"start": _iso(b.start_ms, zone), "end": _iso(b.end_ms, zone), "first_request": _iso(b.first_ms, zone),
                    "last_request": _iso(b.last_ms, zone), "tokens": b.tokens, "requests": b.requests,
                    "api_equivalent_cost_usd": format_usd(b.cost_pico), "unpriced_requests": b.unpriced_requests,
                    "burn_tokens_per_minute": None if rate is None else round(rate),
                    "api_equivalent_usd_per_hour": format_usd(per_hour)}

        o = self.outlook
        return {"source": self.source, "active": block(self.active), "last": block(self.last),
                "typical_tokens": o.typical_tokens, "typical_percentile": 90, "past_blocks": o.past_blocks,
                "reaches_typical_at": _iso(o.reaches_typical_ms, zone), "projected_tokens": o.projected_tokens,
                "text": self.text(zone, now)}


def _tokens(n: int | None) -> str:
    if n is None:
        return "?"
    for unit, size in (("B", 10**9), ("M", 10**6), ("k", 10**3)):
        if n >= size:
            return f"{n / size:.1f}{unit}"
    return str(n)


def _usd(pico: int | None) -> str:
    from tracker.core.money import format_usd_short

    return format_usd_short(pico)



@dataclass
class LimitsSnapshot:
    as_of_ms: int
    windows: list[WindowView] = field(default_factory=list)
    blocks: list[BlockView] = field(default_factory=list)
    claude: ClaudeStatus | None = None

    def tightest(self) -> WindowView | None:
        """The current plan window closest to its limit."""
        live = [w for w in self.windows if w.current and w.meters_plan]
        return max(live, key=lambda w: w.reading.used_pct) if live else None

    def sources_with_windows(self) -> set[str]:
        return {w.reading.source for w in self.windows if w.current}

    def unmetered_blocks(self) -> list[BlockView]:
        """Blocks of the agents no current window meters (where a block is the best guide)."""
        metered = self.sources_with_windows()
        return [b for b in self.blocks if b.source not in metered and b.active is not None]


def limits_snapshot(store: Store, now: int | None = None, block_sources: tuple[str, ...] = AGENT_SOURCES
                    ) -> LimitsSnapshot:
    now = now_ms() if now is None else now
    snap = LimitsSnapshot(now, claude=claude_status(store))
    latest = lstore.latest_readings(store)
    recent = lstore.readings_between(store, now - RECENT_LOOKBACK_MS - HOUR_MS, now + 1)
    for reading in latest:
        history = [r for r in recent if r.source == reading.source and r.limit_id == reading.limit_id
                   and r.account == reading.account and r.observed_ms < reading.observed_ms]
        current = reading.resets_at_ms is None or reading.resets_at_ms > now
        snap.windows.append(WindowView(reading, pace(reading, history), current))
    snap.windows.sort(key=lambda w: (not w.current, -w.reading.used_pct, w.label))
    # The running block from the last day's requests to the minute; the typical block from the month's
    # blocks cut from hourly sums (the rollup: a few hundred rows, not a month of events).
    recent = lstore.usage_by_minute(store, now - ACTIVE_BLOCK_LOOKBACK_MS, now + 1, block_sources)
    month = lstore.usage_by_hour(store, now - BLOCK_HISTORY_DAYS * 86_400_000, now + 1, block_sources)
    for source in block_sources:
        found = blocks(recent[source])
        active = found[-1] if found and found[-1].active(now) else None
        cut_ms = active.start_ms if active is not None else now
        past = [b for b in blocks(month[source]) if b.end_ms <= cut_ms]
        last = found[-1] if found else (past[-1] if past else None)
        if last is None:
            continue
        snap.blocks.append(BlockView(source, active, outlook(active, past, now), last))
    return snap


def window_history(store: Store, now: int | None = None, days: int = CHART_HISTORY_DAYS
                   ) -> dict[tuple[str, str], list[LimitReading]]:
    """Readings of every window over the last `days`, oldest first, per (source, limit id): the Limits chart."""
    now = now_ms() if now is None else now
    series: dict[tuple[str, str], list[LimitReading]] = {}
    for r in lstore.readings_between(store, now - days * 86_400_000, now + 1):
        series.setdefault((r.source, r.limit_id), []).append(r)
    return series


def limits_report(store: Store, zone: tzinfo, now: int | None = None, history_days: int = 0) -> dict[str, Any]:
    """`tracker limits --json`: every window (latest reading, reset, pace), blocks, the Claude login's status."""
    now = now_ms() if now is None else now
    snap = limits_snapshot(store, now)
    doc: dict[str, Any] = {
        "as_of": _iso(now, zone), "timezone": getattr(zone, "key", None) or str(zone),
        "windows": [w.as_dict(zone, now) for w in snap.windows],
        "blocks": [b.as_dict(zone, now) for b in snap.blocks],
        "claude_login": snap.claude.as_dict() if snap.claude else None,
    }
    tightest = snap.tightest()
    doc["tightest"] = None if tightest is None else {"source": tightest.reading.source,
                                                     "limit_id": tightest.reading.limit_id,
                                                     "used_percent": tightest.reading.used_pct}
    if history_days:
        series = window_history(store, now, history_days)
        for w in doc["windows"]:
            w["history"] = [{"observed_at": _iso(r.observed_ms, zone), "used_percent": r.used_pct,
                             "resets_at": _iso(r.resets_at_ms, zone)}
                            for r in series.get((w["source"], w["limit_id"]), [])]
    return doc


def badge_text(window: WindowView | None) -> str | None:
    """'C 42%' for the tray badge (the agent's letter and the window's percent used)."""
    if window is None:
        return None
    return f"{AGENT_LETTERS.get(window.reading.source, '?')} {min(999, round(window.reading.used_pct))}%"


# -- notifications ------------------------------------------------------------------------
@dataclass(frozen=True)
class LimitAlert:
    key: str
    threshold_pct: int
    title: str
    text: str


def _alert_key(w: WindowView, threshold: int) -> str:
    r = w.reading
    occurrence = r.resets_at_ms if r.resets_at_ms is not None else r.observed_ms // BLOCK_MS
    return f"{r.source}|{r.account}|{r.limit_id}|{occurrence}|{threshold}"


def due_alerts(store: Store, snap: LimitsSnapshot, zone: tzinfo) -> list[LimitAlert]:
    """Windows that crossed 80% or 95% and were not announced at that level in this run of the window.

    One alert per window (the highest level crossed); `mark_alerted` records it
    and the lower levels, so each level is announced once per window.
    """
    done = set(store.get_setting(ALERTED_SETTING) or [])
    alerts = []
    for w in snap.windows:
        if not w.current or not w.meters_plan:
            continue
        crossed = [t for t in ALERT_THRESHOLDS_PCT if w.reading.used_pct >= t]
        if not crossed or _alert_key(w, crossed[-1]) in done:
            continue
        level = crossed[-1]
        alerts.append(LimitAlert(
            _alert_key(w, level), level, f"{w.label} limit at {pct_text(w.reading.used_pct)}",
            f"{w.pace_text(zone, snap.as_of_ms)}.",
        ))
    return alerts


def mark_alerted(store: Store, alerts: list[LimitAlert]) -> None:
    if not alerts:
        return
    done = list(store.get_setting(ALERTED_SETTING) or [])
    for alert in alerts:
        base = alert.key.rsplit("|", 1)[0]
        for t in ALERT_THRESHOLDS_PCT:
            if t <= alert.threshold_pct and f"{base}|{t}" not in done:
                done.append(f"{base}|{t}")
    store.set_setting(ALERTED_SETTING, done[-ALERTED_KEPT:])



def chart_series(history: dict[tuple[str, str], list[LimitReading]]) -> list[tuple[str, list[float], list[float],
                                                                                  list[bool]]]:
    """(label, x in epoch seconds, percent used, True where a new run of the window starts) per window,
    plan allowances first, for the Limits chart."""
    series = []
    for (source, limit_id), readings in sorted(history.items(), key=lambda kv: (kv[0][1] == "extra_usage", kv[0])):
        if not readings:
            continue
        view = WindowView(readings[-1], Pace(None, ""), True)
        breaks = [True] + [not r.same_occurrence(p) for p, r in zip(readings, readings[1:])]
        series.append((view.label, [r.observed_ms / 1000 for r in readings], [r.used_pct for r in readings], breaks))
    return series
