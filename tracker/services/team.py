"""Team sharing: settings, sharing a week's summary, the weekly trigger, history.

Opt-in: nothing leaves until the user turns sharing on and names a
destination (a folder such as a synced team drive, a webhook, or both). Every
attempt is recorded with the exact payload, so "what was sent when" has an
answer. The tray calls `share_if_due(ctx, now)` on its timer; it shares the
last complete ISO week once per destination, and after a failure waits
`RETRY_AFTER_S` before trying again.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from tracker.core.timeutil import from_ms, now_ms, to_ms
from tracker.services import team_keys
from tracker.services.context import AppContext
from tracker.services.team_render import slack_text, summary_blocks, to_html, to_markdown
from tracker.services.team_summary import (
    Built,
    TeamSetupError,
    build_summary,
    last_complete_week,
    require_secret,
    to_json_bytes,
)
from tracker.sources import webhook
from tracker.storage import team as q

SHARE_SETTING = "team.share"
WEBHOOK_FORMATS = ("json", "slack")
RETRY_AFTER_S = 3600
SUMMARY_FILE_MODE = 0o644  # meant to be read by the team's sync client; holds aggregates only


@dataclass
class ShareSettings:
    opt_in: bool = False
    folder: str | None = None
    webhook_format: str = "json"
    webhook_url: str | None = field(default=None, repr=False)  # from keyring; never stored in settings

    def as_dict(self) -> dict:
        return {"opt_in": self.opt_in, "folder": self.folder, "webhook_format": self.webhook_format,
                "webhook": webhook.host_of(self.webhook_url) if self.webhook_url else None,
                "team_secret_set": bool(team_keys.get(team_keys.TEAM_SECRET))}


def load_settings(store) -> ShareSettings:
    raw = store.get_setting(SHARE_SETTING) or {}
    fmt = raw.get("webhook_format") if raw.get("webhook_format") in WEBHOOK_FORMATS else "json"
    return ShareSettings(opt_in=bool(raw.get("opt_in")), folder=raw.get("folder") or None, webhook_format=fmt,
                         webhook_url=team_keys.get(team_keys.WEBHOOK_URL))


def save_settings(store, opt_in: bool | None = None, folder: str | None = ..., webhook_format: str | None = None,
                  webhook_url: str | None = ..., team_secret: str | None = None) -> ShareSettings:
    """Change only what is given (`...` = leave as is; None/"" = clear). Secrets go to keyring."""
    current = load_settings(store)
    if team_secret is not None:
        team_keys.put(team_keys.TEAM_SECRET, team_keys.check_secret(team_secret))
    if webhook_url is not ...:
        current.webhook_url = webhook.check_url(webhook_url) if webhook_url else None
        team_keys.put(team_keys.WEBHOOK_URL, current.webhook_url)
    if opt_in is not None:
        current.opt_in = opt_in
    if folder is not ...:
        current.folder = str(Path(folder).expanduser().resolve()) if folder else None
    if webhook_format is not None:
        if webhook_format not in WEBHOOK_FORMATS:
            raise ValueError(f"webhook format must be one of {', '.join(WEBHOOK_FORMATS)}")
        current.webhook_format = webhook_format
    store.set_setting(SHARE_SETTING, {"opt_in": current.opt_in, "folder": current.folder,
                                      "webhook_format": current.webhook_format})
    return current


# -- preview -------------------------------------------------------------------
def summary(ctx: AppContext, week: str | None = None, at_ms: int | None = None) -> Built:
    return build_summary(ctx.store, ctx.pricer, ctx.zone(), week, at_ms)


def preview(built: Built, fmt: str = "markdown") -> str:
    """What will leave, readable, ending with the exact bytes (CLI and GUI use this)."""
    blocks = summary_blocks(built.doc, built.notes, to_json_bytes(built.doc))
    return to_html(blocks) if fmt == "html" else to_markdown(blocks)


# -- sharing -------------------------------------------------------------------
@dataclass
class Sent:
    kind: str  # folder | webhook
    destination: str
    ok: bool
    detail: str
    skipped: bool = False


@dataclass
class ShareOutcome:
    week: str | None
    sent: list[Sent] = field(default_factory=list)
    reason: str | None = None  # why nothing was attempted

    @property
    def ok(self) -> bool:
        return self.reason is None and all(s.ok for s in self.sent)

    def as_dict(self) -> dict:
        return {"week": self.week, "ok": self.ok, "reason": self.reason,
                "sent": [s.__dict__ for s in self.sent]}


def summary_filename(doc: dict) -> str:
    return f"tracker-summary-{doc['week']}-{doc['member'][:16]}.json"


def _write_folder(folder: str, doc: dict, body: bytes) -> str:
    target_dir = Path(folder)
    if not target_dir.is_dir():
        raise OSError(f"the folder {folder} does not exist (is the team drive mounted?)")
    target = target_dir / summary_filename(doc)
    tmp = target.with_name(f".{target.name}.tmp")
    fd = os.open(tmp, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, SUMMARY_FILE_MODE)
    try:
        os.write(fd, body)
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, target)  # readers never see a half-written file
    return str(target)


def _webhook_body(doc: dict, fmt: str, json_bytes: bytes) -> bytes:
    if fmt == "slack":
        return json.dumps({"text": slack_text(doc)}).encode()
    return json_bytes


def _destinations(settings: ShareSettings) -> list[tuple[str, str]]:
    found = []
    if settings.folder:
        found.append(("folder", settings.folder))
    if settings.webhook_url:
        found.append(("webhook", f"webhook:{webhook.host_of(settings.webhook_url)}"))
    return found


def share(ctx: AppContext, week: str | None = None, at_ms: int | None = None, force: bool = False,
          only_due: bool = False) -> ShareOutcome:
    """Send `week`'s summary (default: the last complete week) to every configured destination."""
    at_ms = at_ms if at_ms is not None else now_ms()
    settings = load_settings(ctx.store)
    week = week or last_complete_week(ctx.zone(), at_ms)
    outcome = ShareOutcome(week)
    if not settings.opt_in:
        outcome.reason = "sharing is off: turn it on with `tracker summary setup --opt-in` or on the Team page"
        return outcome
    destinations = _destinations(settings)
    if not destinations:
        outcome.reason = "no destination: set a folder (--folder) and/or a webhook (--webhook) first"
        return outcome
    try:
        require_secret()
    except TeamSetupError as exc:
        outcome.reason = str(exc)
        return outcome
    pending = []
    for kind, dest in destinations:
        if not force and q.shared_ok(ctx.store, week, kind, dest):
            outcome.sent.append(Sent(kind, dest, True, "already shared", skipped=True))
            continue
        last = q.last_attempt_ms(ctx.store, week, kind, dest)
        if only_due and last is not None and at_ms - last < RETRY_AFTER_S * 1000:
            outcome.sent.append(Sent(kind, dest, False, "failed recently; will retry later", skipped=True))
            continue
        pending.append((kind, dest))
    if not pending:
        return outcome
    built = build_summary(ctx.store, ctx.pricer, ctx.zone(), week, at_ms)
    body = to_json_bytes(built.doc)
    digest = hashlib.sha256(body).hexdigest()
    for kind, dest in pending:
        if kind == "folder":
            try:
                where = _write_folder(dest, built.doc, body)
                result = Sent(kind, dest, True, f"written to {where}")
            except OSError as exc:
                result = Sent(kind, dest, False, str(exc) if "does not exist" in str(exc)
                              else f"could not write to {dest} ({exc.strerror or type(exc).__name__})")
        else:
            posted = webhook.post_json(settings.webhook_url, _webhook_body(built.doc, settings.webhook_format, body))
            result = Sent(kind, dest, posted.ok, posted.detail)
        q.record_share(ctx.store, week, kind, dest, result.ok, result.detail, body.decode(), digest, at_ms)
        outcome.sent.append(result)
    return outcome


def share_if_due(ctx: AppContext, now: int | datetime | None = None) -> ShareOutcome:
    """The tray's weekly trigger: share the last complete week once, if opted in; otherwise do nothing.

    Cheap when nothing is due (a settings read and one query per destination),
    so the tray may call it on every poll. `now`: epoch ms or an aware datetime.
    """
    if isinstance(now, datetime):
        now = to_ms(now)
    return share(ctx, None, now, force=False, only_due=True)


def history(ctx: AppContext, limit: int = 200) -> list[dict]:
    zone = ctx.zone()
    return [row | {"sent_at": from_ms(row["sent_ms"]).astimezone(zone).isoformat(timespec="seconds")}
            for row in q.shares(ctx.store, limit)]


def sent_payload(ctx: AppContext, share_id: int) -> str | None:
    return q.share_payload(ctx.store, share_id)
