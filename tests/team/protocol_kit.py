"""A synthetic team at the protocol level: members with chosen weekly figures, files in memory or a folder.

The services' own functions do every step (team_protocol, team_files); only the members' figures are
made up here, so that an attack can be tried against figures known exactly.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from tracker.services import team_crypto as tc
from tracker.services import team_files as tf
from tracker.services import team_protocol as tp
from tracker.services.team_vector import (
    BASE,
    DEFAULT_COST_BUCKETS_USD,
    DEFAULT_FAMILIES,
    NUDGES,
    Layout,
    family_group,
    usage_flags,
)

WEEK = "2026-W47"
PICO = 10**12


@dataclass
class Member:
    keys: tc.MemberKeys
    cost_usd: int = 0
    families: dict[str, int] = field(default_factory=dict)  # family -> cost in USD

    @property
    def id(self) -> str:
        return self.keys.member


class Team:
    def __init__(self, costs: list[int], k: int = 5, families: list[dict[str, int]] | None = None):
        self.founder = tc.SigningKey.generate()
        self.members = []
        for i, cost in enumerate(costs):
            fams = families[i] if families else {"claude-sonnet": cost}
            self.members.append(Member(tc.MemberKeys.generate(), cost, fams))
        roster = [tf.roster_entry((m.keys.sign_public, m.keys.mask_public)) for m in self.members]
        self.settings = tf.make_settings(self.founder, 1, "2026-W40", k, 48, DEFAULT_FAMILIES, (),
                                         DEFAULT_COST_BUCKETS_USD, roster)
        self.layout = Layout.from_settings(self.settings)
        self.files = tf.WeekFiles()
        self.deadline = tp.deadline_ms(self.settings, WEEK)

    def values(self, m: Member) -> dict:
        base = {"members": 1, "cost_pico": m.cost_usd * PICO, "requests": 10,
                f"hist.{self.layout.bucket_of(m.cost_usd * PICO)}": 1,
                **usage_flags(self.layout.families, {f for f, c in m.families.items()}, "family"),
                "nudges_available": 1, **usage_flags(self.layout.categories, set(), "category")}
        out = {BASE: base, NUDGES: {"open": 1, "switched": 0, "realised_weekly_pico": m.cost_usd * PICO // 10}}
        for family, cost in m.families.items():
            out[family_group(family)] = {"cost_pico": cost * PICO, "requests": 10}
        return out

    def contribute(self, *who: int) -> None:
        for i in who:
            m = self.members[i]
            self.files.contributions[m.id] = tp.make_contribution(self.settings, m.keys, WEEK, self.values(m),
                                                                  "2026-11-23T10:00Z")

    def view(self, *who: int) -> None:
        seen = tp.present(self.settings, self.files)
        for i in who:
            m = self.members[i]
            self.files.views[m.id] = tp.make_view(self.settings, m.keys, WEEK, seen, "2026-11-25T01:00Z")

    def result(self, at_ms: int | None = None) -> tp.WeekResult:
        return tp.week_result(self.settings, WEEK, self.files, at_ms if at_ms is not None else self.deadline + 3600_000)

    def reveal(self, stage: str, *who: int) -> None:
        result = self.result()
        for i in who:
            m = self.members[i]
            if not tp.may_reveal(result, self.files.views.get(m.id), stage):
                continue  # as the member's app: nothing without the agreed list it signed itself
            self.files.reveals[stage][m.id] = tp.make_reveal(self.settings, m.keys, WEEK, self.files, stage,
                                                             result.agreed, result.openable, "2026-11-25T02:00Z")

    def publish(self, contributors: list[int], online: list[int] | None = None) -> tp.WeekResult:
        """Contributions, then views and both reveals by the `online` members (default: the contributors)."""
        online = contributors if online is None else online
        self.contribute(*contributors)
        self.view(*online)
        self.reveal("base", *online)
        self.reveal("groups", *online)
        return self.result()

    def write(self, folder: Path) -> Path:
        """The folder as the members' apps would have left it."""
        tf.write_file(tf.settings_path(folder, 1), tf.file_bytes(self.settings))
        for kind, table in (("contribution", self.files.contributions), ("view", self.files.views)):
            for member, doc in table.items():
                tf.write_file(tf.week_path(folder, WEEK, kind, member), tf.file_bytes(doc))
        for stage, table in self.files.reveals.items():
            for member, doc in table.items():
                tf.write_file(tf.week_path(folder, WEEK, f"reveal-{stage}", member), tf.file_bytes(doc))
        return folder


def attacker_unmask(settings: dict, week_files: tf.WeekFiles, member: str) -> dict[str, int]:
    """The best a reader of the folder can do for one member: take its masked vector and remove every
    mask whose seed can be rebuilt from any shares revealed in the folder (whatever list they were for).
    Returns the base group as decoded; equal to the member's figures only if the protocol leaked them."""
    from collections import defaultdict

    layout = Layout.from_settings(settings)
    doc = week_files.contributions[member]
    xs = tp.share_x(settings)
    shares: dict[tuple[str, str, str], dict[int, int]] = defaultdict(dict)
    for table in week_files.reveals.values():
        for holder, reveal in table.items():
            for part in ("groups", "pairs"):
                for owner, inner in reveal[part].items():
                    for name, share in inner.items():
                        shares[(owner, part, name)][xs[holder]] = int(share, 16)
    vector = tc.unpack(tc.unb64(doc["masked"]))
    spans = layout.spans()
    t = tp.threshold(settings)
    for group, (offset, length) in spans.items():
        seed = tc.recover(shares.get((member, "groups", group), {}), t, doc["commitments"]["groups"][group],
                          f"{settings['team']}|{settings['version']}|{WEEK}|{member}|group|{group}")
        if seed is not None:
            for i, m in enumerate(tc.stream(seed, f"self|{group}", length)):
                vector[offset + i] -= m
    for other in doc["commitments"]["pairs"]:
        # the seed of the pair may have been revealed from either side's sharing
        seed = None
        for owner, name in ((member, other), (other, member)):
            source = week_files.contributions.get(owner)
            if source is not None and seed is None:
                seed = tc.recover(shares.get((owner, "pairs", name), {}), t, source["commitments"]["pairs"][name],
                                  f"{settings['team']}|{settings['version']}|{WEEK}|{owner}|pair|{name}")
        if seed is not None:
            sign = 1 if member < other else -1
            for i, m in enumerate(tc.stream(seed, f"pair|{settings['team']}|{settings['version']}|{WEEK}",
                                            layout.length)):
                vector[i] -= sign * m
    return layout.decode([v % tc.MODULUS for v in vector], {BASE})[BASE]
