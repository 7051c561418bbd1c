"""Secure aggregation of a team's weekly figures over a shared folder.

Nobody, the person who merges included, ever sees one member's figures: each
member writes only a masked vector, and what can be unmasked is the sum of k
or more members, once per week, after a deadline. The threat model and the
reasoning behind each step are in docs/team.md; in short, for week W and the
settings (roster of n members, k, deadline) that apply to it:

1. Contribute (after the member's week ends, before the deadline): the member
   adds to its vector x (team_vector.py) a self-mask per group, drawn fresh
   for the week, and for every other member j of the roster a pairwise mask
   from an X25519 secret they share (+ for the lower member id, - for the
   higher), so that pairwise masks cancel in any sum that holds both. It
   Shamir-splits each self-mask seed and each pairwise seed into n shares
   (any t = n // 2 + 1 recover it), seals one share of each to each member,
   and commits to every seed. The file is signed.
2. View (`VIEW_DELAY_HOURS` after the deadline, so that late-synced files are
   in): each member signs, once per week, the list of contributions it sees. The week goes ahead with the list that t members
   signed (two different lists cannot both win: a member signs only one).
3. Reveal the base (members whose view won): shares of the base self-mask of
   each member in the list, and shares of the pairwise seeds between each
   member in the list and each member outside it. The masks of the members
   who missed the week are thus removed without them, and their own vectors
   stay hidden behind self-masks whose shares are never revealed: a late file
   never unmasks anyone. Only t shares are needed: members who went quiet do
   not block the week.
4. Reveal the groups: once the base (counts, totals, cost histogram) is
   known, shares of the self-masks of each breakdown that stands on k or more
   members (team_vector.openable_groups). Smaller breakdowns stay masked.

A week is published when its base is unmasked; the list of members is the
one agreed in step 2, so merging again with another set of files gives the
same figures or nothing. Below k members nothing is unmasked at all.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone

from tracker.services import team_crypto as tc
from tracker.services import team_files as tf
from tracker.services.team_vector import BASE, Layout, openable_groups

HOUR_MS = 3_600_000
# Views are signed this long after the deadline: a contribution written just before it has time to
# reach every member's copy of the folder, so that members sign the same list.
VIEW_DELAY_HOURS = 6


class ProtocolError(ValueError):
    """A step that cannot be taken; the text says why."""


# -- settings ------------------------------------------------------------------------
def threshold(settings: dict) -> int:
    """Shares needed to recover a seed, and signatures needed to agree a view: a majority of the roster."""
    return len(settings["roster"]) // 2 + 1


def roster(settings: dict) -> dict[str, dict]:
    return {r["member"]: r for r in settings["roster"]}


def share_x(settings: dict) -> dict[str, int]:
    """Each member's Shamir point: its place in the (sorted) roster, from 1."""
    return {r["member"]: i + 1 for i, r in enumerate(settings["roster"])}


def week_end_utc(week: str) -> datetime:
    year, number = tf.parse_week(week)
    monday = date.fromisocalendar(year, number, 1)
    return datetime.combine(monday + timedelta(days=7), datetime.min.time(), timezone.utc)


def deadline_ms(settings: dict, week: str) -> int:
    """Contributions close this long after the week ends in UTC (members in every timezone are done)."""
    return int(week_end_utc(week).timestamp() * 1000) + settings["deadline_hours"] * HOUR_MS


def views_open_ms(settings: dict, week: str) -> int:
    return deadline_ms(settings, week) + VIEW_DELAY_HOURS * HOUR_MS


def stamp(at_ms: int) -> str:
    return datetime.fromtimestamp(at_ms / 1000, timezone.utc).strftime("%Y-%m-%dT%H:%MZ")


@dataclass
class TeamSettings:
    """The valid settings of one team (by its team key), by version."""

    team: str
    versions: dict[int, dict] = field(default_factory=dict)
    conflicts: list[int] = field(default_factory=list)

    @classmethod
    def from_docs(cls, team: str, docs: list[dict]) -> "TeamSettings":
        out = cls(team)
        for doc in docs:
            if doc["team"] != team:
                continue
            known = out.versions.get(doc["version"])
            if known is not None and tc.digest(known) != tc.digest(doc):
                out.conflicts.append(doc["version"])  # the founder signed two different version n
            out.versions.setdefault(doc["version"], doc)
        for version in out.conflicts:
            out.versions.pop(version, None)
        return out

    def latest(self) -> dict | None:
        return self.versions[max(self.versions)] if self.versions else None

    def for_week(self, week: str) -> dict | None:
        """The highest version in effect for `week`."""
        usable = [doc for doc in self.versions.values() if tf.parse_week(doc["effective_week"]) <= tf.parse_week(week)]
        return max(usable, key=lambda d: d["version"]) if usable else None


def teams_in(docs: list[dict]) -> list[str]:
    return sorted({d["team"] for d in docs})


def layout_id(layout: Layout) -> str:
    return hashlib.sha256(json.dumps(layout.groups()).encode()).hexdigest()[:16]


# -- a week's signed files --------------------------------------------------------------
def _head(settings: dict, week: str, member: str, created_at: str) -> dict:
    return {"team": settings["team"], "settings_version": settings["version"], "week": week, "member": member,
            "created_at": created_at}


def signed_by_roster(doc: dict, settings: dict) -> str | None:
    """Why `doc` does not belong to this week's protocol (None when it does)."""
    entry = roster(settings).get(doc["member"])
    if doc["team"] != settings["team"] or doc["settings_version"] != settings["version"]:
        return "made under other team settings"
    if entry is None:
        return "from a member who is not on the team's roster"
    if not tf.signature_ok(doc, tc.unb64(entry["sign_key"])):
        return "signature does not match the member's key (tampered, or forged)"
    return None


def _context(settings: dict, week: str, owner: str, kind: str, name: str) -> str:
    return f"{settings['team']}|{settings['version']}|{week}|{owner}|{kind}|{name}"


def _seal_info(settings: dict, week: str, sender: str, holder: str) -> str:
    return f"tracker team share|{settings['team']}|{settings['version']}|{week}|{sender}|{holder}"


def pair_seed(keys: tc.MemberKeys, other: dict, settings: dict, week: str) -> int:
    low, high = sorted((keys.member, other["member"]))
    secret = keys.agree(tc.unb64(other["mask_key"]))
    return tc.seed_from(secret, f"tracker team pair|{settings['team']}|{settings['version']}|{week}|{low}|{high}")


def _pair_stream(seed: int, settings: dict, week: str, length: int) -> list[int]:
    return tc.stream(seed, f"pair|{settings['team']}|{settings['version']}|{week}", length)


def _self_stream(seed: int, group: str, length: int) -> list[int]:
    return tc.stream(seed, f"self|{group}", length)


def make_contribution(settings: dict, keys: tc.MemberKeys, week: str, values: dict[str, dict[str, int]],
                      created_at: str) -> dict:
    """Step 1: the member's masked vector, sealed shares of its seeds, and commitments to them."""
    members = roster(settings)
    me = keys.member
    if me not in members:
        raise ProtocolError("this member is not on the team's roster for that week")
    layout = Layout.from_settings(settings)
    vector = layout.encode(values)
    others = [m for m in members if m != me]
    xs = share_x(settings)
    t = threshold(settings)
    pair_seeds = {j: pair_seed(keys, members[j], settings, week) for j in others}
    group_seeds = {g: tc.random_seed() for g in layout.group_names()}
    masked = list(vector)
    for group, (offset, length) in layout.spans().items():
        for i, m in enumerate(_self_stream(group_seeds[group], group, length)):
            masked[offset + i] += m
    for j, seed in pair_seeds.items():
        sign = 1 if me < j else -1
        for i, m in enumerate(_pair_stream(seed, settings, week, len(masked))):
            masked[i] += sign * m
    masked = [v % tc.MODULUS for v in masked]
    group_shares = {g: tc.split(seed, list(xs.values()), t) for g, seed in group_seeds.items()}
    pair_shares = {j: tc.split(seed, list(xs.values()), t) for j, seed in pair_seeds.items()}
    sealed = {}
    for holder, x in xs.items():
        plain = tc.pack([group_shares[g][x] for g in layout.group_names()] + [pair_shares[j][x] for j in others])
        key = tc.derive(keys.agree(tc.unb64(members[holder]["mask_key"])), _seal_info(settings, week, me, holder))
        sealed[holder] = tc.b64(tc.seal(key, plain, _seal_info(settings, week, me, holder)))
    doc = _head(settings, week, me, created_at) | {
        "schema": tf.CONTRIBUTION,
        "layout": layout_id(layout),
        "masked": tc.b64(tc.pack(masked)),
        "commitments": {
            "groups": {g: tc.commit(s, _context(settings, week, me, "group", g)) for g, s in group_seeds.items()},
            "pairs": {j: tc.commit(s, _context(settings, week, me, "pair", j)) for j, s in pair_seeds.items()},
        },
        "shares": sealed,
    }
    return tf.check_contribution(tf.signed(doc, keys.signer()))


def contribution_problem(doc: dict, settings: dict) -> str | None:
    """Why a contribution cannot take part in its week (None when it can)."""
    why = signed_by_roster(doc, settings)
    if why:
        return why
    layout = Layout.from_settings(settings)
    if doc["layout"] != layout_id(layout):
        return "its vector has another layout than the team's settings"
    if len(tc.unb64(doc["masked"])) != layout.length * tc.ELEMENT_BYTES:
        return "its vector has the wrong length"
    members = set(roster(settings))
    if set(doc["shares"]) != members:
        return "it does not hold one sealed share for each member of the roster"
    if set(doc["commitments"]["groups"]) != set(layout.group_names()) or \
            set(doc["commitments"]["pairs"]) != members - {doc["member"]}:
        return "its commitments do not match the roster and layout"
    return None


def open_shares(settings: dict, keys: tc.MemberKeys, contribution: dict, week: str) -> tuple[dict, dict]:
    """This member's shares of a contribution's seeds: ({group: share}, {other member: share})."""
    members = roster(settings)
    sender, me = contribution["member"], keys.member
    key = tc.derive(keys.agree(tc.unb64(members[sender]["mask_key"])), _seal_info(settings, week, sender, me))
    values = tc.unpack(tc.unseal(key, tc.unb64(contribution["shares"][me]), _seal_info(settings, week, sender, me)))
    groups = Layout.from_settings(settings).group_names()
    others = [m for m in members if m != sender]
    if len(values) != len(groups) + len(others):
        raise tc.CryptoError("a sealed share has the wrong size")
    return dict(zip(groups, values[:len(groups)], strict=True)), dict(zip(others, values[len(groups):], strict=True))


def present(settings: dict, files: tf.WeekFiles) -> list[dict]:
    """The contributions that can take part: what a member signs in its view."""
    return [{"member": m, "contribution": tc.digest(doc)} for m, doc in sorted(files.contributions.items())
            if contribution_problem(doc, settings) is None]


def make_view(settings: dict, keys: tc.MemberKeys, week: str, seen: list[dict], created_at: str) -> dict:
    doc = _head(settings, week, keys.member, created_at) | {"schema": tf.VIEW, "present": seen}
    return tf.check_view(tf.signed(doc, keys.signer()))


def view_digest(seen: list[dict]) -> str:
    return hashlib.sha256(tc.canonical({"present": seen})).hexdigest()


def make_reveal(settings: dict, keys: tc.MemberKeys, week: str, files: tf.WeekFiles, stage: str, agreed: list[dict],
                groups: set[str], created_at: str) -> dict:
    """Steps 3 and 4: this member's shares for the agreed list (base) or the openable groups."""
    inside = [row["member"] for row in agreed]
    outside = [m for m in roster(settings) if m not in inside]
    shares_groups: dict[str, dict[str, str]] = {}
    shares_pairs: dict[str, dict[str, str]] = {}
    for owner in inside:
        try:
            mine_groups, mine_pairs = open_shares(settings, keys, files.contributions[owner], week)
        except tc.CryptoError:
            continue  # a share sealed wrongly (a member's doing): the others' shares may still do

        wanted = [BASE] if stage == "base" else sorted(groups)
        shares_groups[owner] = {g: f"{mine_groups[g]:x}" for g in wanted}
        if stage == "base" and outside:
            shares_pairs[owner] = {d: f"{mine_pairs[d]:x}" for d in outside}
    doc = _head(settings, week, keys.member, created_at) | {
        "schema": tf.REVEAL, "stage": stage, "view": view_digest(agreed), "groups": shares_groups,
        "pairs": shares_pairs}
    return tf.check_reveal(tf.signed(doc, keys.signer()))


# -- a week's state and figures --------------------------------------------------------------
COLLECTING = "collecting"  # before the deadline
UNDER_K = "under_k"  # fewer than k members on the roster, or in the agreed list
AGREEING = "agreeing"  # waiting for t members to sign the same list
CONFLICT = "conflict"  # two lists signed by t members each: nothing is revealed
MISSING = "missing"  # a contribution of the agreed list is not in the folder (or was changed)
UNMASKING = "unmasking"  # waiting for t members to reveal their shares
DAMAGED = "damaged"  # the unmasked sums do not check out
PUBLISHED = "published"


@dataclass
class WeekResult:
    week: str
    status: str
    detail: str
    settings: dict
    contributed: int = 0
    agreed: list[dict] | None = None
    base: dict[str, int] | None = None
    groups: dict[str, dict[str, int]] = field(default_factory=dict)
    openable: set[str] = field(default_factory=set)
    rejected: dict[str, str] = field(default_factory=dict)  # member file -> why it was left out

    @property
    def members(self) -> int:
        return len(self.agreed or ())

    @property
    def pending_groups(self) -> set[str]:
        return self.openable - set(self.groups)


def may_reveal(result: WeekResult, my_view: dict | None, stage: str) -> bool:
    """A member reveals shares only for the list it signed itself, once t members signed it too, with k or
    more members on it and every one of their contributions at hand; the groups only once the base is open."""
    if my_view is None or result.agreed is None or view_digest(result.agreed) != view_digest(my_view["present"]):
        return False
    return result.status == PUBLISHED if stage == "groups" else result.status in (UNMASKING, PUBLISHED)


def agreed_view(settings: dict, files: tf.WeekFiles, rejected: dict[str, str]) -> tuple[list[dict] | None, str, str]:
    """(the agreed list or None, status, detail) from the signed views."""
    signers: dict[str, set[str]] = defaultdict(set)
    lists: dict[str, list[dict]] = {}
    for member, doc in files.views.items():
        why = signed_by_roster(doc, settings)
        if why:
            rejected[f"view-{member}"] = why
            continue
        key = view_digest(doc["present"])
        signers[key].add(member)
        lists[key] = doc["present"]
    t = threshold(settings)
    winners = [key for key, who in signers.items() if len(who) >= t]
    if len(winners) > 1:
        return None, CONFLICT, "members signed different lists of who took part; nothing is unmasked"
    if not winners:
        best = max((len(who) for who in signers.values()), default=0)
        return None, AGREEING, f"waiting for {t} members to sign the same list of who took part ({best} so far)"
    return lists[winners[0]], PUBLISHED, ""


def _recover_all(settings: dict, week: str, reveals: dict[str, dict], agreed: list[dict], contributions: dict,
                 part: str, names: dict[str, list[str]], rejected: dict[str, str]) -> dict[tuple[str, str], int] | None:
    """Seeds {(owner, name): seed} from the revealed shares; None while any is short of t good shares."""
    xs = share_x(settings)
    digest = view_digest(agreed)
    shares: dict[tuple[str, str], dict[int, int]] = defaultdict(dict)
    for member, doc in reveals.items():
        why = signed_by_roster(doc, settings) or ("revealed for another list" if doc["view"] != digest else None)
        if why:
            rejected[f"reveal-{doc['stage']}-{member}"] = why
            continue
        for owner, inner in doc[part].items():
            for name, share in inner.items():
                shares[(owner, name)][xs[member]] = int(share, 16)
    t = threshold(settings)
    kind = "group" if part == "groups" else "pair"
    seeds = {}
    for owner, wanted in names.items():
        for name in wanted:
            commitment = contributions[owner]["commitments"][part][name]
            seed = tc.recover(shares.get((owner, name), {}), t, commitment, _context(settings, week, owner, kind, name))
            if seed is None:
                return None
            seeds[(owner, name)] = seed
    return seeds


def week_result(settings: dict, week: str, files: tf.WeekFiles, now_ms: int) -> WeekResult:
    """Where week `week` stands, and its unmasked figures once published."""
    k, t = settings["k"], threshold(settings)
    result = WeekResult(week, COLLECTING, "", settings)
    seen = present(settings, files)
    result.contributed = len(seen)
    for member, doc in files.contributions.items():
        why = contribution_problem(doc, settings)
        if why:
            result.rejected[f"contribution-{member}"] = why
    if len(settings["roster"]) < k:
        result.status, result.detail = UNDER_K, f"fewer than {k} members"
        return result
    if now_ms < deadline_ms(settings, week):
        result.detail = f"{len(seen)} of {len(settings['roster'])} members have contributed; the week closes at " \
                        f"{stamp(deadline_ms(settings, week))}"
        return result
    agreed, status, detail = agreed_view(settings, files, result.rejected)
    if agreed is None:
        result.status, result.detail = status, detail
        return result
    result.agreed = agreed
    if len(agreed) < k:
        result.status, result.detail = UNDER_K, f"fewer than {k} members"
        return result
    contributions = {}
    for row in agreed:
        doc = files.contributions.get(row["member"])
        if doc is None or tc.digest(doc) != row["contribution"]:
            result.status = MISSING
            result.detail = ("a contribution of the agreed list is missing or was changed: the week is published "
                             "only from the members agreed, so it is not merged with another set")
            return result
        contributions[row["member"]] = doc
    inside = list(contributions)
    outside = [m for m in roster(settings) if m not in contributions]
    base_seeds = _recover_all(settings, week, files.reveals["base"], agreed, contributions, "groups",
                              {o: [BASE] for o in inside}, result.rejected)
    pair_seeds = _recover_all(settings, week, files.reveals["base"], agreed, contributions, "pairs",
                              {o: outside for o in inside}, result.rejected)
    if base_seeds is None or pair_seeds is None:
        result.status = UNMASKING
        result.detail = f"waiting for {t} members to reveal their shares ({len(files.reveals['base'])} so far)"
        return result
    layout = Layout.from_settings(settings)
    spans = layout.spans()
    total = [0] * layout.length
    for doc in contributions.values():
        for i, v in enumerate(tc.unpack(tc.unb64(doc["masked"]))):
            total[i] += v
    for (owner, dropped), seed in pair_seeds.items():
        sign = 1 if owner < dropped else -1
        for i, m in enumerate(_pair_stream(seed, settings, week, layout.length)):
            total[i] -= sign * m
    _unmask(total, spans, base_seeds)
    base = layout.decode([v % tc.MODULUS for v in total], {BASE})[BASE]
    histogram = sum(v for name, v in base.items() if name.startswith("hist."))
    if base["members"] != len(inside) or histogram != len(inside):
        result.status, result.detail = DAMAGED, "the unmasked sums do not check out (a malformed vector); not published"
        return result
    result.status, result.base = PUBLISHED, base
    result.openable = openable_groups(layout, base, k)
    group_seeds = _recover_all(settings, week, files.reveals["groups"], agreed, contributions, "groups",
                               {o: sorted(result.openable) for o in inside}, result.rejected)
    if group_seeds is not None:
        _unmask(total, spans, group_seeds)
        result.groups = layout.decode([v % tc.MODULUS for v in total], result.openable)
    return result


def _unmask(total: list[int], spans: dict[str, tuple[int, int]], seeds: dict[tuple[str, str], int]) -> None:
    for (_owner, group), seed in seeds.items():
        offset, length = spans[group]
        for i, m in enumerate(_self_stream(seed, group, length)):
            total[offset + i] -= m
