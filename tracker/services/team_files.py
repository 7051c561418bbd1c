"""The team folder's files: their names, exact shapes, signatures, reading and writing.

Every file is a signed JSON object; a file that is damaged, has a field
outside its shape, is signed by the wrong key, or sits under a name that does
not match its content is rejected whole and named with the reason. Nothing in
any of these files is a member's figure: contributions are masked vectors and
sealed shares, views are lists of who took part, reveals are shares of masks.

    FOLDER/settings-v0001.json                 the team's settings, signed by its founder
    FOLDER/keys/<member>.json                  a member's public keys (a request to join)
    FOLDER/weeks/2026-W47/contribution-<member>.json
    FOLDER/weeks/2026-W47/view-<member>.json
    FOLDER/weeks/2026-W47/reveal-base-<member>.json, reveal-groups-<member>.json
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from tracker.services import team_crypto as tc
from tracker.services.model_family import FAMILIES, OTHER
from tracker.services.team_vector import OTHER_CATEGORY, UNCATEGORISED

SETTINGS = "tracker.team-settings/1"
KEY = "tracker.team-key/1"
CONTRIBUTION = "tracker.team-contribution/1"
VIEW = "tracker.team-view/1"
REVEAL = "tracker.team-reveal/1"
OLD_SUMMARY_PREFIX = "tracker.team-summary/"
STAGES = ("base", "groups")
MAX_FILE_BYTES = 8_000_000
MAX_ROSTER = 500
MAX_CATEGORIES = 50
MAX_BUCKETS = 30
MAX_K = 1000
MAX_DEADLINE_HOURS = 14 * 24
FILE_MODE = 0o644  # read by the team's sync client; holds nothing that identifies a figure

_HEX = re.compile(r"^[0-9a-f]+$")
_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")
_STAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}Z$")
LABEL = re.compile(r"^[a-z0-9][a-z0-9._-]{0,39}$")
_NAMES = {
    "contribution": re.compile(r"^contribution-([0-9a-f]{32})\.json$"),
    "view": re.compile(r"^view-([0-9a-f]{32})\.json$"),
    "reveal-base": re.compile(r"^reveal-base-([0-9a-f]{32})\.json$"),
    "reveal-groups": re.compile(r"^reveal-groups-([0-9a-f]{32})\.json$"),
}


class TeamFileError(ValueError):
    """A team file that is not ours, is damaged or does not check out; the text says what is wrong."""


def _fail(where: str, problem: str):
    raise TeamFileError(f"{where}: {problem}")


# -- strict shape helpers ----------------------------------------------------------
def keys(obj: Any, where: str, required: tuple[str, ...]) -> dict:
    if not isinstance(obj, dict):
        _fail(where, f"expected an object, found {type(obj).__name__}")
    missing = [k for k in required if k not in obj]
    extra = sorted(map(str, set(obj) - set(required)))
    if missing:
        _fail(where, f"missing field(s) {', '.join(missing)}")
    if extra:
        _fail(where, f"unexpected field(s) {', '.join(extra[:5])}")
    return obj


def whole(value: Any, where: str, least: int = 0, most: int = 10**15) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not least <= value <= most:
        _fail(where, f"expected a whole number from {least} to {most}, found {value!r}"[:200])
    return value


def hexid(value: Any, where: str, length: int = tc.MEMBER_ID_HEX) -> str:
    if not isinstance(value, str) or len(value) != length or not _HEX.fullmatch(value):
        _fail(where, f"expected {length} hex digits")
    return value


def label(value: Any, where: str) -> str:
    if not isinstance(value, str) or not LABEL.fullmatch(value):
        _fail(where, "expected a short lower-case label")
    return value


def b64field(value: Any, where: str, length: int | None = None, most: int = MAX_FILE_BYTES) -> bytes:
    if not isinstance(value, str) or len(value) > most:
        _fail(where, "expected base64 text")
    try:
        return tc.unb64(value, length)
    except tc.CryptoError as exc:
        _fail(where, str(exc))


def parse_week(text: str) -> tuple[int, int]:
    match = _WEEK.fullmatch(text or "")
    if not match:
        raise ValueError(f"{text!r} is not an ISO week: use YYYY-Www, e.g. 2026-W47")
    year, week = int(match.group(1)), int(match.group(2))
    try:
        date.fromisocalendar(year, week, 1)  # 53 only in the years that have a 53rd week
    except ValueError:
        raise ValueError(f"{text!r} is not an ISO week: {year} has no week {week:02d}") from None
    return year, week


def week_field(value: Any, where: str = "week") -> str:
    try:
        parse_week(value if isinstance(value, str) else "")
    except ValueError as exc:
        _fail(where, str(exc))
    return value


def stamp_field(value: Any, where: str = "created_at") -> str:
    if not isinstance(value, str) or not _STAMP.fullmatch(value):
        _fail(where, "expected YYYY-MM-DDTHH:MMZ")
    return value


# -- signing -------------------------------------------------------------------------
def signed(doc: dict, signer: tc.SigningKey) -> dict:
    body = {k: v for k, v in doc.items() if k != "signature"}
    return body | {"signature": tc.b64(signer.sign(tc.canonical(body)))}


def signature_ok(doc: dict, sign_public: bytes) -> bool:
    body = {k: v for k, v in doc.items() if k != "signature"}
    try:
        signature = tc.unb64(doc["signature"], 64)
    except (tc.CryptoError, KeyError, TypeError):
        return False
    return tc.verify(sign_public, signature, tc.canonical(body))


# -- settings ---------------------------------------------------------------------------
def roster_entry(member_keys_public: tuple[bytes, bytes]) -> dict:
    sign_public, mask_public = member_keys_public
    return {"member": tc.member_id(sign_public, mask_public), "sign_key": tc.b64(sign_public),
            "mask_key": tc.b64(mask_public)}


def make_settings(founder: tc.SigningKey, version: int, effective_week: str, k: int, deadline_hours: int,
                  families: tuple[str, ...], categories: tuple[str, ...], cost_buckets_usd: tuple[int, ...],
                  roster: list[dict]) -> dict:
    doc = {
        "schema": SETTINGS, "team": tc.key_fingerprint(founder.public), "founder_key": tc.b64(founder.public),
        "version": version, "effective_week": effective_week, "k": k, "deadline_hours": deadline_hours,
        "families": list(families), "categories": list(categories), "cost_buckets_usd": list(cost_buckets_usd),
        "roster": sorted(roster, key=lambda r: r["member"]),
    }
    return check_settings(signed(doc, founder))


def check_settings(doc: Any) -> dict:
    keys(doc, "settings", ("schema", "team", "founder_key", "version", "effective_week", "k", "deadline_hours",
                           "families", "categories", "cost_buckets_usd", "roster", "signature"))
    founder = b64field(doc["founder_key"], "founder_key", 32)
    if hexid(doc["team"], "team") != tc.key_fingerprint(founder):
        _fail("team", "is not the fingerprint of founder_key")
    if not signature_ok(doc, founder):
        _fail("signature", "not signed by the team's founder key (tampered, or forged)")
    whole(doc["version"], "version", 1, 10**6)
    week_field(doc["effective_week"], "effective_week")
    whole(doc["k"], "k", 2, MAX_K)
    whole(doc["deadline_hours"], "deadline_hours", 1, MAX_DEADLINE_HOURS)
    families = doc["families"]
    if (not isinstance(families, list) or not families or families[-1] != OTHER
            or len(set(map(str, families))) != len(families)
            or any(not isinstance(f, str) or f not in FAMILIES for f in families)):
        _fail("families", f"expected distinct known model families ending with {OTHER!r}")
    categories = doc["categories"]
    if not isinstance(categories, list) or len(categories) > MAX_CATEGORIES:
        _fail("categories", f"expected a list of at most {MAX_CATEGORIES} labels")
    for i, c in enumerate(categories):
        if label(c, f"categories[{i}]") in (OTHER_CATEGORY, UNCATEGORISED):
            _fail(f"categories[{i}]", f"{c!r} is always there; list the team's own categories")
    if len(set(categories)) != len(categories):
        _fail("categories", "a category appears twice")
    buckets = doc["cost_buckets_usd"]
    if (not isinstance(buckets, list) or not 1 <= len(buckets) <= MAX_BUCKETS
            or any(not isinstance(b, int) or isinstance(b, bool) or b < 1 or b > 10**9 for b in buckets)
            or buckets != sorted(set(buckets))):
        _fail("cost_buckets_usd", f"expected 1 to {MAX_BUCKETS} ascending whole dollar amounts")
    roster = doc["roster"]
    if not isinstance(roster, list) or len(roster) > MAX_ROSTER:
        _fail("roster", f"expected a list of at most {MAX_ROSTER} members")
    seen = []
    for i, entry in enumerate(roster):
        keys(entry, f"roster[{i}]", ("member", "sign_key", "mask_key"))
        sign_public = b64field(entry["sign_key"], f"roster[{i}].sign_key", 32)
        mask_public = b64field(entry["mask_key"], f"roster[{i}].mask_key", 32)
        if hexid(entry["member"], f"roster[{i}].member") != tc.member_id(sign_public, mask_public):
            _fail(f"roster[{i}].member", "is not the hash of its keys")
        seen.append(entry["member"])
    if seen != sorted(set(seen)):
        _fail("roster", "members must be distinct and sorted")
    return doc


# -- a member's public keys -------------------------------------------------------------------
def make_key_doc(team: str, member: tc.MemberKeys, created_at: str) -> dict:
    doc = {"schema": KEY, "team": team, "member": member.member, "sign_key": tc.b64(member.sign_public),
           "mask_key": tc.b64(member.mask_public), "created_at": created_at}
    return check_key_doc(signed(doc, member.signer()))


def check_key_doc(doc: Any) -> dict:
    keys(doc, "key", ("schema", "team", "member", "sign_key", "mask_key", "created_at", "signature"))
    hexid(doc["team"], "team")
    sign_public = b64field(doc["sign_key"], "sign_key", 32)
    mask_public = b64field(doc["mask_key"], "mask_key", 32)
    if hexid(doc["member"], "member") != tc.member_id(sign_public, mask_public):
        _fail("member", "is not the hash of its keys")
    stamp_field(doc["created_at"])
    if not signature_ok(doc, sign_public):
        _fail("signature", "not signed by the member's own key")
    return doc


# -- the week's files (shape only: signatures need the roster, see team_protocol) ---------------
_WEEK_HEAD = ("schema", "team", "settings_version", "week", "member", "created_at")


def _week_head(doc: dict) -> None:
    hexid(doc["team"], "team")
    whole(doc["settings_version"], "settings_version", 1, 10**6)
    week_field(doc["week"])
    hexid(doc["member"], "member")
    stamp_field(doc["created_at"])


def check_contribution(doc: Any) -> dict:
    keys(doc, "contribution", (*_WEEK_HEAD, "layout", "masked", "commitments", "shares", "signature"))
    _week_head(doc)
    hexid(doc["layout"], "layout", 16)
    masked = b64field(doc["masked"], "masked")
    if not masked or len(masked) % tc.ELEMENT_BYTES:
        _fail("masked", "not a whole number of vector elements")
    commitments = keys(doc["commitments"], "commitments", ("groups", "pairs"))
    for part in ("groups", "pairs"):
        if not isinstance(commitments[part], dict) or len(commitments[part]) > 10_000:
            _fail(f"commitments.{part}", "expected an object")
        for name, value in commitments[part].items():
            if part == "pairs":
                hexid(name, f"commitments.pairs key {name!r}"[:80])
            elif not isinstance(name, str) or len(name) > 60:
                _fail("commitments.groups", "bad group name")
            hexid(value, f"commitments.{part}.{name}"[:80])
    shares = doc["shares"]
    if not isinstance(shares, dict) or not shares or len(shares) > MAX_ROSTER:
        _fail("shares", "expected one sealed share per member")
    for holder, sealed in shares.items():
        hexid(holder, "shares key")
        b64field(sealed, f"shares.{holder}", most=100_000)
    return doc


def check_view(doc: Any) -> dict:
    keys(doc, "view", (*_WEEK_HEAD, "present", "signature"))
    _week_head(doc)
    present = doc["present"]
    if not isinstance(present, list) or len(present) > MAX_ROSTER:
        _fail("present", "expected a list")
    members = []
    for i, row in enumerate(present):
        keys(row, f"present[{i}]", ("member", "contribution"))
        members.append(hexid(row["member"], f"present[{i}].member"))
        hexid(row["contribution"], f"present[{i}].contribution", 64)
    if members != sorted(set(members)):
        _fail("present", "members must be distinct and sorted")
    return doc


def check_reveal(doc: Any) -> dict:
    keys(doc, "reveal", (*_WEEK_HEAD, "stage", "view", "groups", "pairs", "signature"))
    _week_head(doc)
    if doc["stage"] not in STAGES:
        _fail("stage", f"expected one of {', '.join(STAGES)}")
    hexid(doc["view"], "view", 64)
    for part in ("groups", "pairs"):
        table = doc[part]
        if not isinstance(table, dict) or len(table) > MAX_ROSTER:
            _fail(part, "expected an object per member")
        for owner, inner in table.items():
            hexid(owner, f"{part} key")
            if not isinstance(inner, dict) or len(inner) > 10_000:
                _fail(f"{part}.{owner}", "expected an object")
            for name, share in inner.items():
                if part == "pairs":
                    hexid(name, f"pairs.{owner} key")
                elif not isinstance(name, str) or len(name) > 60:
                    _fail(f"groups.{owner}", "bad group name")
                if not isinstance(share, str) or len(share) > 40 or not _HEX.fullmatch(share):
                    _fail(f"{part}.{owner}.{name}"[:80], "expected a hex share")
                if int(share, 16) >= tc.FIELD:
                    _fail(f"{part}.{owner}.{name}"[:80], "share outside the field")
    if doc["stage"] == "groups" and doc["pairs"]:
        _fail("pairs", "only the base stage reveals pair seeds")
    return doc


_CHECKS: dict[str, tuple[str, Callable[[Any], dict]]] = {
    SETTINGS: ("settings", check_settings), KEY: ("key", check_key_doc), CONTRIBUTION: ("contribution", check_contribution),
    VIEW: ("view", check_view), REVEAL: ("reveal", check_reveal),
}


def check_any(doc: Any) -> tuple[str, dict]:
    """(kind, doc) for any team file; TeamFileError with a sentence otherwise."""
    if not isinstance(doc, dict):
        _fail("file", "not a JSON object, so not a tracker team file")
    schema = doc.get("schema")
    if isinstance(schema, str) and schema.startswith(OLD_SUMMARY_PREFIX):
        _fail("file", "a plaintext summary from an older tracker: summaries now leave only masked, so it is "
                      "never merged; delete it from the folder")
    if not isinstance(schema, str) or schema not in _CHECKS:  # a list is unhashable
        _fail("file", f"not a tracker team file (schema {str(schema)[:60]!r})")
    kind, check = _CHECKS[schema]
    return kind, check(doc)


# -- the folder -----------------------------------------------------------------------------
def settings_path(folder: Path, version: int) -> Path:
    return folder / f"settings-v{version:04d}.json"


def key_path(folder: Path, member: str) -> Path:
    return folder / "keys" / f"{member}.json"


def week_path(folder: Path, week: str, step: str, member: str) -> Path:
    return folder / "weeks" / week / f"{step}-{member}.json"


@dataclass
class WeekFiles:
    contributions: dict[str, dict] = field(default_factory=dict)
    views: dict[str, dict] = field(default_factory=dict)
    reveals: dict[str, dict[str, dict]] = field(default_factory=lambda: {s: {} for s in STAGES})

    def members(self) -> set[str]:
        return set(self.contributions)


@dataclass
class Folder:
    settings: list[dict] = field(default_factory=list)
    key_docs: dict[str, dict] = field(default_factory=dict)
    weeks: dict[str, WeekFiles] = field(default_factory=dict)
    problems: list[dict] = field(default_factory=list)
    files_read: int = 0

    def reject(self, name: str, error: str) -> None:
        self.problems.append({"file": name, "error": error})


def read_json(path: Path) -> Any:
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            _fail("file", f"too large for a team file ({size} bytes)")
        raw = path.read_bytes()
    except OSError as exc:
        _fail("file", f"cannot be read ({exc.strerror or type(exc).__name__})")
    try:
        return json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        _fail("file", f"damaged or not JSON ({type(exc).__name__} at {getattr(exc, 'pos', getattr(exc, 'start', '?'))})")
    except RecursionError:
        _fail("file", "damaged or not JSON (nested too deeply)")


def read_file(path: Path) -> tuple[str, dict]:
    """One team file, fully checked for shape (and for settings and keys, signature)."""
    return check_any(read_json(path))


def _place(kind: str, doc: dict, rel: Path) -> str | None:
    """Why a valid document does not belong under its file name (None when it does)."""
    parts = rel.parts
    if kind == "settings":
        return None if parts == (f"settings-v{doc['version']:04d}.json",) else "a settings file under another name"
    if kind == "key":
        return None if parts == ("keys", f"{doc['member']}.json") else "a member's key under another name"
    if len(parts) != 3 or parts[0] != "weeks" or parts[1] != doc["week"]:
        return f"a file of week {doc['week']} outside weeks/{doc['week']}/"
    step = "reveal-" + doc["stage"] if kind == "reveal" else kind
    match = _NAMES[step].fullmatch(parts[2])
    return None if match and match.group(1) == doc["member"] else f"a {step} of another member or name"


def read_folder(folder: Path, weeks: set[str] | None = None) -> Folder:
    """Every team file in `folder` (only these weeks' files when `weeks` is given), checked."""
    folder = Path(folder)
    if not folder.is_dir():
        raise ValueError(f"{folder} is not a folder: give the folder your team shares its files in")
    out = Folder()
    if weeks is None:
        paths = folder.rglob("*.json")
    else:  # a member's step reads a few weeks, not a year of them
        paths = [*folder.glob("*.json"), *folder.glob("keys/*.json"),
                 *(p for w in sorted(weeks) for p in folder.glob(f"weeks/{w}/*.json"))]
    for path in sorted(p for p in paths if p.is_file()):
        rel = path.relative_to(folder)
        name = str(rel)
        out.files_read += 1
        try:
            kind, doc = read_file(path)
        except TeamFileError as exc:
            out.reject(name, str(exc))
            continue
        misplaced = _place(kind, doc, rel)
        if misplaced:
            out.reject(name, f"file: {misplaced}; not used")
            continue
        if kind == "settings":
            out.settings.append(doc)
        elif kind == "key":
            out.key_docs[doc["member"]] = doc
        else:
            week = out.weeks.setdefault(doc["week"], WeekFiles())
            if kind == "contribution":
                week.contributions[doc["member"]] = doc
            elif kind == "view":
                week.views[doc["member"]] = doc
            else:
                week.reveals[doc["stage"]][doc["member"]] = doc
    return out


def file_bytes(doc: dict) -> bytes:
    return (json.dumps(doc, indent=1, ensure_ascii=True) + "\n").encode()


def write_file(path: Path, body: bytes, durable: bool = True) -> Path:
    """Atomic (readers never see half a file), readable by the team's sync client; `durable`: on disk
    before it is renamed into place (the demo's throwaway folder skips that)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    fd = os.open(tmp, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, FILE_MODE)
    try:
        os.write(fd, body)
        if durable:
            os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)
    return path
