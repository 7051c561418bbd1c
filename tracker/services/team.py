"""Team sharing: setting a team up, joining it, taking this member's protocol steps, history.

Opt-in: nothing of this member's usage leaves until the user turns sharing on
and names the team's folder (a synced team drive). Even then only masked
vectors leave (team_protocol.py): the team sees the sum of k or more members,
and nobody, whoever merges included, sees one member's figures.

* `create_team`: the founder's install makes a signing key (keyring) and the
  team's signed settings (k, deadline, families, categories, roster); the
  team key (a hash of the signing key) is what members pin when they join.
* `join`: a member's install makes its keys (keyring) and writes its public
  keys to the folder; `admit` (founder) signs a new roster that includes it,
  in effect from the next week.
* `share` / `share_if_due`: the steps due now for the last few weeks
  (contribute, sign the view, reveal shares). The tray calls `share_if_due`
  on every sync; each step is taken once, recorded with its exact file.
* A webhook, if set, receives each newly published week of the team report
  (aggregates of k or more members only), once.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from tracker.core.timeutil import UTC, from_ms, local_date, now_ms, to_ms
from tracker.services import team_crypto as tc
from tracker.services import team_files as tf
from tracker.services import team_keys
from tracker.services import team_protocol as tp
from tracker.services.context import AppContext
from tracker.services.team_render import slack_week_text, to_html, to_markdown, values_blocks
from tracker.services.team_summary import (
    Built,
    TeamSetupError,
    build_values,
    current_week,
    default_layout,
    install_id,
    last_complete_week,
    utc_stamp,
    week_label,
    week_start,
)
from tracker.services.team_vector import DEFAULT_COST_BUCKETS_USD, DEFAULT_FAMILIES, Layout
from tracker.sources import webhook
from tracker.storage import team as q

SHARE_SETTING = "team.share"
MEMBERSHIP_SETTING = "team.membership"
MERGE_FOLDER_SETTING = "team.merge_folder"  # the folder the Team page merges
WEBHOOK_FORMATS = ("json", "slack")
DEFAULT_K = 5
DEFAULT_DEADLINE_HOURS = 48
WEEKS_BACK = 5  # the weeks a member's steps look at: one missed for a month still catches up
STEPS = ("contribution", "view", "reveal-base", "reveal-groups")
_TEAM_KEY = re.compile(r"^[0-9a-f]{32}$")


@dataclass
class ShareSettings:
    opt_in: bool = False
    folder: str | None = None
    webhook_format: str = "json"
    webhook_url: str | None = field(default=None, repr=False)  # from keyring; never stored in settings
    team: str | None = None  # the pinned team key

    def as_dict(self) -> dict:
        return {"opt_in": self.opt_in, "folder": self.folder, "webhook_format": self.webhook_format,
                "webhook": webhook.host_of(self.webhook_url) if self.webhook_url else None,
                "team": self.team, "team_key": team_key_text(self.team) if self.team else None}


def load_settings(store) -> ShareSettings:
    raw = store.get_setting(SHARE_SETTING) or {}
    fmt = raw.get("webhook_format") if raw.get("webhook_format") in WEBHOOK_FORMATS else "json"
    membership = store.get_setting(MEMBERSHIP_SETTING) or {}
    team = membership.get("team") if isinstance(membership, dict) and _TEAM_KEY.fullmatch(
        str(membership.get("team"))) else None
    return ShareSettings(opt_in=bool(raw.get("opt_in")), folder=raw.get("folder") or None, webhook_format=fmt,
                         webhook_url=team_keys.get(team_keys.WEBHOOK_URL, install_id(store)), team=team)


def save_settings(store, opt_in: bool | None = None, folder: str | None = ..., webhook_format: str | None = None,
                  webhook_url: str | None = ...) -> ShareSettings:
    """Change only what is given (`...` = leave as is; None/"" = clear). The webhook URL goes to keyring."""
    current = load_settings(store)
    if webhook_url is not ...:
        current.webhook_url = webhook.check_url(webhook_url) if webhook_url else None
        team_keys.put(team_keys.WEBHOOK_URL, current.webhook_url, install_id(store))
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


# -- team keys and identities ------------------------------------------------------------
def team_key_text(team: str) -> str:
    """The team key as people read it aloud: 8 groups of 4."""
    return " ".join(team[i:i + 4] for i in range(0, len(team), 4))


def parse_team_key(text: str) -> str:
    cleaned = re.sub(r"[\s-]", "", (text or "").lower())
    if not _TEAM_KEY.fullmatch(cleaned):
        raise ValueError("a team key is 32 hex digits (8 groups of 4), as `tracker summary team create` "
                         "printed it for whoever set up the team")
    return cleaned


def _stored_key(ctx: AppContext, name: str, create: bool, parse, make, to_text):
    """This install's key `name` from keyring (made and kept there first when `create`), or None."""
    install = install_id(ctx.store)
    text = team_keys.get(name, install)
    if text:
        try:
            return parse(text)
        except tc.CryptoError:
            raise TeamSetupError(f"the stored team {name.replace('-', ' ')} is damaged: set the team up or join "
                                 "it again") from None
    if not create:
        return None
    key = make()
    team_keys.put(name, to_text(key), install)
    return key


def member_keys(ctx: AppContext, create: bool = False) -> tc.MemberKeys | None:
    return _stored_key(ctx, team_keys.MEMBER_KEY, create, tc.MemberKeys.from_text, tc.MemberKeys.generate,
                       tc.MemberKeys.to_text)


def founder_key(ctx: AppContext, create: bool = False) -> tc.SigningKey | None:
    return _stored_key(ctx, team_keys.FOUNDER_KEY, create, lambda text: tc.SigningKey(tc.unb64(text, tc.KEY_BYTES)),
                       tc.SigningKey.generate, lambda key: tc.b64(key.private))


def _folder(ctx: AppContext, folder: str | Path | None) -> Path:
    chosen = folder or load_settings(ctx.store).folder
    if not chosen:
        raise TeamSetupError("no team folder: set one with `tracker summary setup --folder DIR` (a folder your "
                             "team syncs, e.g. a shared drive)")
    path = Path(chosen).expanduser().resolve()
    if not path.is_dir():
        raise TeamSetupError(f"the folder {path} does not exist (is the team drive mounted?)")
    return path


def _pin(ctx: AppContext, team: str, folder: Path) -> None:
    ctx.store.set_setting(MEMBERSHIP_SETTING, {"team": team})
    if load_settings(ctx.store).folder != str(folder):
        save_settings(ctx.store, folder=str(folder))


def _write_key_doc(folder: Path, team: str, keys: tc.MemberKeys, at_ms: int) -> None:
    path = tf.key_path(folder, keys.member)
    if not path.exists():
        tf.write_file(path, tf.file_bytes(tf.make_key_doc(team, keys, utc_stamp(at_ms))))


def next_utc_week(at_ms: int) -> str:
    return week_label(local_date(at_ms, UTC) + timedelta(days=7))


def create_team(ctx: AppContext, folder: str | Path | None = None, k: int = DEFAULT_K,
                deadline_hours: int = DEFAULT_DEADLINE_HOURS, categories: tuple[str, ...] = (),
                families: tuple[str, ...] = DEFAULT_FAMILIES,
                cost_buckets_usd: tuple[int, ...] = DEFAULT_COST_BUCKETS_USD,
                effective_week: str | None = None, at_ms: int | None = None) -> dict:
    """Set up a team in `folder` with this install as its founder and first member; returns the settings."""
    at_ms = at_ms if at_ms is not None else now_ms()
    path = _folder(ctx, folder)
    existing = tp.teams_in(tf.read_folder(path).settings)
    if existing:
        raise TeamSetupError(f"{path} already holds the settings of team {team_key_text(existing[0])}: join it "
                             "(`tracker summary team join`), or choose an empty folder for a new team")
    founder = founder_key(ctx, create=True)
    keys = member_keys(ctx, create=True)
    try:
        settings = tf.make_settings(founder, 1, effective_week or current_week(UTC, at_ms), k, deadline_hours,
                                    families, tuple(categories), cost_buckets_usd,
                                    [tf.roster_entry((keys.sign_public, keys.mask_public))])
    except tf.TeamFileError as exc:
        raise ValueError(f"team settings not valid: {exc}") from None
    tf.write_file(tf.settings_path(path, 1), tf.file_bytes(settings))
    _write_key_doc(path, settings["team"], keys, at_ms)
    _pin(ctx, settings["team"], path)
    return settings


@dataclass
class Joined:
    team: str
    member: str
    on_roster: bool


def join(ctx: AppContext, team_key: str, folder: str | Path | None = None, at_ms: int | None = None) -> Joined:
    """Pin the team whose founder gave `team_key`, and ask to join by writing this member's public keys."""
    at_ms = at_ms if at_ms is not None else now_ms()
    team = parse_team_key(team_key)
    path = _folder(ctx, folder)
    settings = tp.TeamSettings.from_docs(team, tf.read_folder(path).settings).latest()
    if settings is None:
        raise TeamSetupError(f"{path} holds no settings signed with the team key {team_key_text(team)}: check the "
                             "key with whoever set up the team, and that the folder is the team's")
    keys = member_keys(ctx, create=True)
    _write_key_doc(path, team, keys, at_ms)
    _pin(ctx, team, path)
    return Joined(team, keys.member, keys.member in tp.roster(settings))


def _team_settings(ctx: AppContext, path: Path, contents: tf.Folder | None = None) -> tp.TeamSettings:
    team = load_settings(ctx.store).team
    if team is None:
        raise TeamSetupError("this install is in no team yet: `tracker summary team create` sets one up, "
                             "`tracker summary team join --team-key KEY` joins one")
    contents = contents or tf.read_folder(path)
    return tp.TeamSettings.from_docs(team, contents.settings)


def admit(ctx: AppContext, members: list[str] | None = None, remove: tuple[str, ...] = (), k: int | None = None,
          deadline_hours: int | None = None, categories: tuple[str, ...] | None = None,
          effective_week: str | None = None, at_ms: int | None = None) -> dict:
    """Founder: sign a new version of the settings (members who asked to join, removals, k ...)."""
    at_ms = at_ms if at_ms is not None else now_ms()
    path = _folder(ctx, None)
    contents = tf.read_folder(path)
    team_settings = _team_settings(ctx, path, contents)
    latest = team_settings.latest()
    founder = founder_key(ctx)
    if latest is None:
        raise TeamSetupError("no settings of this team in the folder")
    if founder is None or tc.key_fingerprint(founder.public) != latest["team"]:
        raise TeamSetupError("only the install that set the team up holds its founder key and can change its settings")
    pending = {m: d for m, d in contents.key_docs.items() if d["team"] == latest["team"]}
    roster = {r["member"]: r for r in latest["roster"]}
    wanted = list(pending) if members is None else members
    for member in wanted:
        doc = pending.get(member)
        if doc is None and member not in roster:
            raise ValueError(f"no request to join from member {member} in the folder")
        if doc is not None:
            roster[member] = {"member": member, "sign_key": doc["sign_key"], "mask_key": doc["mask_key"]}
    for member in remove:
        if roster.pop(member, None) is None:
            raise ValueError(f"member {member} is not on the roster")
    settings = tf.make_settings(
        founder, max(team_settings.versions) + 1, effective_week or next_utc_week(at_ms),
        k if k is not None else latest["k"],
        deadline_hours if deadline_hours is not None else latest["deadline_hours"], tuple(latest["families"]),
        tuple(categories) if categories is not None else tuple(latest["categories"]),
        tuple(latest["cost_buckets_usd"]), list(roster.values()))
    tf.write_file(tf.settings_path(path, settings["version"]), tf.file_bytes(settings))
    return settings


# -- status ---------------------------------------------------------------------------------
def status(ctx: AppContext, at_ms: int | None = None) -> dict:
    """The team as this install sees it: key, settings, roster, pending requests, the last weeks."""
    at_ms = at_ms if at_ms is not None else now_ms()
    share_settings = load_settings(ctx.store)
    keys = member_keys(ctx)
    out = {"team": share_settings.team, "team_key": team_key_text(share_settings.team) if share_settings.team else None,
           "member": keys.member if keys else None, "folder": share_settings.folder, "opt_in": share_settings.opt_in,
           "founder": False, "settings": None, "pending_joins": [], "weeks": [], "problem": None}
    if not share_settings.team:
        return out
    try:
        path = _folder(ctx, None)
        contents = tf.read_folder(path, weeks=set(_weeks(ctx, at_ms)))  # not a year of weeks on every refresh
        team_settings = _team_settings(ctx, path, contents)
    except (TeamSetupError, ValueError) as exc:
        out["problem"] = str(exc)
        return out
    latest = team_settings.latest()
    founder = founder_key(ctx)
    out["founder"] = bool(founder and latest and tc.key_fingerprint(founder.public) == latest["team"])
    if latest is None:
        out["problem"] = "the folder holds no settings of this team"
        return out
    out["settings"] = {"version": latest["version"], "effective_week": latest["effective_week"], "k": latest["k"],
                       "deadline_hours": latest["deadline_hours"], "roster": [r["member"] for r in latest["roster"]],
                       "categories": latest["categories"], "threshold": tp.threshold(latest)}
    out["on_roster"] = bool(keys and keys.member in tp.roster(latest))
    out["pending_joins"] = sorted(m for m, d in contents.key_docs.items()
                                  if d["team"] == latest["team"] and m not in tp.roster(latest))
    for week in _weeks(ctx, at_ms):
        settings = team_settings.for_week(week)
        if settings is None:
            continue
        result = tp.week_result(settings, week, contents.weeks.get(week, tf.WeekFiles()), at_ms)
        out["weeks"].append({"week": week, "status": result.status, "detail": result.detail})
    return out


def _weeks(ctx: AppContext, at_ms: int) -> list[str]:
    last = week_start(last_complete_week(ctx.zone(), at_ms))
    return [week_label(last - timedelta(days=7 * i)) for i in reversed(range(WEEKS_BACK))]


# -- preview ---------------------------------------------------------------------------------
def summary(ctx: AppContext, week: str | None = None, at_ms: int | None = None) -> Built:
    """This member's figures for `week` in its team's layout (the default one before joining a team)."""
    layout = default_layout(ctx.store)
    team = load_settings(ctx.store).team
    if team:
        try:
            path = _folder(ctx, None)
            settings = tp.TeamSettings.from_docs(team, tf.read_folder(path, weeks=set()).settings).for_week(
                week or last_complete_week(ctx.zone(), at_ms))
            layout = Layout.from_settings(settings) if settings else layout
        except (TeamSetupError, ValueError):
            pass
    return build_values(ctx.store, ctx.pricer, ctx.zone(), layout, week, at_ms)


def recorded_contribution(ctx: AppContext, week: str) -> str | None:
    team = load_settings(ctx.store).team
    return q.protocol_steps(ctx.store, team).get((week, "contribution")) if team else None


def preview(built: Built, fmt: str = "markdown", sent: str | None = None) -> str:
    """What the mask hides, readable, then (once shared) the exact file that left."""
    blocks = values_blocks(built.readable, built.notes, sent)
    return to_html(blocks) if fmt == "html" else to_markdown(blocks)


# -- sharing -------------------------------------------------------------------------------
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


def _readiness(ctx: AppContext, settings: ShareSettings) -> str | None:
    if not settings.opt_in:
        return "sharing is off: turn it on with `tracker summary setup --opt-in` or on the Team page"
    if not settings.folder:
        return "no team folder: set one with `tracker summary setup --folder DIR` first"
    if not settings.team:
        return ("this install is in no team yet: `tracker summary team create` sets one up, "
                "`tracker summary team join --team-key KEY` joins one")
    return None


class _Steps:
    """This member's protocol steps over a few weeks of one folder read (one tick of the tray)."""

    def __init__(self, ctx: AppContext, path: Path, team: str, keys: tc.MemberKeys, at_ms: int, weeks: list[str]):
        self.ctx, self.path, self.team, self.keys, self.at_ms, self.weeks = ctx, path, team, keys, at_ms, weeks
        self.contents = tf.read_folder(path, weeks=set(weeks))
        self.settings = tp.TeamSettings.from_docs(team, self.contents.settings)
        self.recorded = q.protocol_steps(ctx.store, team)
        self.sent: list[Sent] = []

    def _take(self, week: str, step: str, settings: dict, make) -> dict | None:
        """Write this member's `step` for `week`, made once (kept with its exact bytes) and re-written if lost."""
        payload = self.recorded.get((week, step))
        if payload is None:
            doc = make()
            if doc is None:
                return None
            payload = q.record_step(self.ctx.store, self.team, week, step, settings["version"],
                                    tf.file_bytes(doc).decode(), self.at_ms)
            self.recorded[(week, step)] = payload
        doc = json.loads(payload)
        stage_step = f"reveal-{doc['stage']}" if step.startswith("reveal") else step
        path = tf.week_path(self.path, week, stage_step, self.keys.member)
        if path.exists() and path.read_bytes() == payload.encode():
            return doc
        try:
            tf.write_file(path, payload.encode())
            result = Sent("folder", str(self.path), True, f"{week} {step} written")
        except OSError as exc:
            result = Sent("folder", str(self.path), False,
                          f"could not write to {self.path} ({exc.strerror or type(exc).__name__})")
        q.record_share(self.ctx.store, week, "folder", str(self.path), result.ok, result.detail, payload,
                       hashlib.sha256(payload.encode()).hexdigest(), self.at_ms)
        self.sent.append(result)
        return doc

    def week(self, week: str) -> tp.WeekResult | None:
        mine = self.recorded.get((week, "contribution"))
        settings = (self.settings.versions.get(json.loads(mine)["settings_version"]) if mine
                    else self.settings.for_week(week))
        if settings is None or self.keys.member not in tp.roster(settings) or len(settings["roster"]) < settings["k"]:
            return None
        files = self.contents.weeks.setdefault(week, tf.WeekFiles())
        deadline = tp.deadline_ms(settings, week)
        stamp = utc_stamp(self.at_ms)
        me = self.keys.member

        def contribution():
            if self.at_ms >= deadline:
                return None  # missed: the others recover this member's masks; a late file never unmasks it
            built = build_values(self.ctx.store, self.ctx.pricer, self.ctx.zone(), Layout.from_settings(settings),
                                 week, self.at_ms)
            return tp.make_contribution(settings, self.keys, week, built.values, stamp)

        doc = self._take(week, "contribution", settings, contribution)
        if doc is not None:
            files.contributions[me] = doc
        if self.at_ms < tp.views_open_ms(settings, week):
            return None if self.at_ms < deadline else tp.week_result(settings, week, files, self.at_ms)
        seen = tp.present(settings, files)
        view = self._take(week, "view", settings,  # nothing to agree on: no view (a late file may still come)
                          lambda: tp.make_view(settings, self.keys, week, seen, stamp) if seen else None)
        if view is None:
            return tp.week_result(settings, week, files, self.at_ms)
        files.views[me] = view
        result = tp.week_result(settings, week, files, self.at_ms)
        if not tp.may_reveal(result, view, "base"):
            return result
        files.reveals["base"][me] = self._take(week, "reveal-base", settings, lambda: tp.make_reveal(
            settings, self.keys, week, files, "base", result.agreed, set(), stamp))
        result = tp.week_result(settings, week, files, self.at_ms)
        if not tp.may_reveal(result, view, "groups"):
            return result
        files.reveals["groups"][me] = self._take(week, "reveal-groups", settings, lambda: tp.make_reveal(
            settings, self.keys, week, files, "groups", result.agreed, result.openable, stamp))
        return tp.week_result(settings, week, files, self.at_ms)


def share(ctx: AppContext, week: str | None = None, at_ms: int | None = None, force: bool = False,
          only_due: bool = False) -> ShareOutcome:
    """Take the protocol steps due now for the last weeks (or only `week`); post newly published weeks.

    `force` and `only_due` are kept for callers of the earlier API: every step is taken once and
    is idempotent, so there is nothing to force, and everything done is due.
    """
    at_ms = at_ms if at_ms is not None else now_ms()
    settings = load_settings(ctx.store)
    outcome = ShareOutcome(week or last_complete_week(ctx.zone(), at_ms))
    outcome.reason = _readiness(ctx, settings)
    if outcome.reason:
        return outcome
    keys = member_keys(ctx)
    if keys is None:
        outcome.reason = "this install's team keys are missing from the keyring: join the team again"
        return outcome
    try:
        path = _folder(ctx, settings.folder)
        weeks = [week] if week else _weeks(ctx, at_ms)
        steps = _Steps(ctx, path, settings.team, keys, at_ms, weeks)
    except TeamSetupError as exc:
        outcome.sent.append(Sent("folder", settings.folder, False, str(exc)))
        q.record_share(ctx.store, outcome.week, "folder", settings.folder, False, str(exc), "", "", at_ms)
        return outcome
    if steps.settings.latest() is None:
        outcome.reason = "the team folder holds no settings of this team (is it the team's folder?)"
        return outcome
    if steps.settings.latest() is not None and keys.member not in tp.roster(steps.settings.latest()):
        _write_key_doc(path, settings.team, keys, at_ms)  # a request to join that went missing is made again
    results = [r for r in (steps.week(w) for w in weeks) if r is not None]
    outcome.sent.extend(steps.sent)
    if settings.webhook_url:
        outcome.sent.extend(_post_published(ctx, settings, results, at_ms))
    return outcome


def _post_published(ctx: AppContext, settings: ShareSettings, results: list[tp.WeekResult], at_ms: int) -> list[Sent]:
    """Each newly published week's team report, once, to the webhook (aggregates only)."""
    from tracker.services.team_merge import report_from_results

    dest = f"webhook:{webhook.host_of(settings.webhook_url)}"
    sent = []
    for result in results:
        if result.status != tp.PUBLISHED or result.pending_groups or q.shared_ok(ctx.store, result.week, "webhook", dest):
            continue
        report = report_from_results(result.settings, [result], [], 0)
        body = (json.dumps({"text": slack_week_text(report)}) if settings.webhook_format == "slack"
                else json.dumps(report, indent=2)).encode()
        posted = webhook.post_json(settings.webhook_url, body)
        q.record_share(ctx.store, result.week, "webhook", dest, posted.ok, posted.detail, body.decode(),
                       hashlib.sha256(body).hexdigest(), at_ms)
        sent.append(Sent("webhook", dest, posted.ok, posted.detail))
    return sent


def share_if_due(ctx: AppContext, now: int | datetime | None = None) -> ShareOutcome:
    """The tray's trigger: this member's steps that are due, if opted in; otherwise nothing.

    Cheap when nothing is due (a settings read, a read of the last weeks' files),
    so the tray may call it on every poll. `now`: epoch ms or an aware datetime.
    """
    if isinstance(now, datetime):
        now = to_ms(now)
    return share(ctx, None, now)


def history(ctx: AppContext, limit: int = 200) -> list[dict]:
    zone = ctx.zone()
    return [row | {"sent_at": from_ms(row["sent_ms"]).astimezone(zone).isoformat(timespec="seconds")}
            for row in q.shares(ctx.store, limit)]


def sent_payload(ctx: AppContext, share_id: int) -> str | None:
    return q.share_payload(ctx.store, share_id)
