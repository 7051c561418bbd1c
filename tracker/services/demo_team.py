"""A demo team of seven for the Team page, run through the real protocol.

The demo user is one member; six more are made from the demo user's own weekly
figures, scaled (one stops using a model family, so the report pools a rare
row). Every step is the real one (team_protocol.py): signed settings, masked
contributions with sealed shares, views, reveals. One member misses one week,
so its masks are recovered without it. The members' keys live only in memory
while the folder is made: nobody could unmask a member of the demo either.

The demo's sync (services.status.demo_sync, the GUI's) makes the folder
again once a day; the command line never needs it.
"""

from __future__ import annotations

import shutil
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from tracker.pricing import Pricer
from tracker.services import team_crypto as tc
from tracker.services import team_files as tf
from tracker.services import team_protocol as tp
from tracker.services.team import MERGE_FOLDER_SETTING
from tracker.services.team_summary import build_values, utc_stamp, week_label
from tracker.services.team_vector import BASE, DEFAULT_COST_BUCKETS_USD, DEFAULT_FAMILIES, Layout, family_group
from tracker.storage import Store

DEMO_TEAM_FOLDER = "demo-team"
DEMO_TEAM_SETTING = "demo.team_through"  # the day the demo team's folder was made for
DEMO_TEAM_WEEKS = 6
# The six other members' weekly figures as fractions of the demo user's.
SCALES = ((2, 5), (7, 10), (13, 10), (9, 10), (21, 10), (11, 20))
# members (index into SCALES) who use no model of a family: three without deepseek-chat leave it
# to four members, so the report pools it with the least used family of five or more
DROPS_FAMILY = {2: "deepseek-chat", 3: "deepseek-chat", 4: "deepseek-chat", 5: "gemini-pro"}
MISSES_WEEK = (3, 2)  # this member misses the week this many weeks before the last
_COUNTS = ("members", "roi_available", "nudges_available")


def _scaled(values: dict, num: int, den: int, layout: Layout, dropped: str | None) -> dict:
    """Another member's values: every amount scaled, indicators kept, the histogram moved to its bucket."""
    out = {}
    for group, fields in values.items():
        if dropped and group == family_group(dropped):
            continue
        out[group] = {name: v if name in _COUNTS or name.startswith(("family_used.", "category_used.", "hist."))
                      or name == "with_value" else v * num // den for name, v in fields.items()}
    base = out[BASE]
    if dropped:
        base[f"family_used.{dropped}"] = 0
        for name, value in values.get(family_group(dropped), {}).items():  # its usage leaves the totals too
            base[name] -= value * num // den
    for name in [n for n in base if n.startswith("hist.")]:
        del base[name]
    base[f"hist.{layout.bucket_of(base['cost_pico'])}"] = 1
    return out


def seed_demo_team(store: Store, pricer: Pricer, end_day: date, folder: Path | None = None) -> Path:
    """Make the demo team's folder for the weeks before `end_day` and point the Team page at it."""
    folder = folder or store.path.parent / DEMO_TEAM_FOLDER
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    founder = tc.SigningKey.generate()
    members = [tc.MemberKeys.generate() for _ in range(len(SCALES) + 1)]
    last_monday = end_day - timedelta(days=end_day.weekday() + 7)
    weeks = [week_label(last_monday - timedelta(days=7 * i)) for i in reversed(range(DEMO_TEAM_WEEKS))]
    settings = tf.make_settings(founder, 1, weeks[0], 5, 48, DEFAULT_FAMILIES, (), DEFAULT_COST_BUCKETS_USD,
                                [tf.roster_entry((m.sign_public, m.mask_public)) for m in members])
    tf.write_file(tf.settings_path(folder, 1), tf.file_bytes(settings), durable=False)
    layout = Layout.from_settings(settings)
    for back, week in enumerate(reversed(weeks)):
        monday = last_monday - timedelta(days=7 * back)
        contribute_ms = int(datetime.combine(monday + timedelta(days=7), datetime.min.time(), timezone.utc)
                            .timestamp() * 1000) + 3_600_000
        after_ms = tp.views_open_ms(settings, week) + 3_600_000
        own = build_values(store, pricer, timezone.utc, layout, week, contribute_ms).values
        all_values = [own] + [_scaled(own, num, den, layout, DROPS_FAMILY.get(i)) for i, (num, den) in enumerate(SCALES)]
        files = tf.WeekFiles()
        for i, (keys, values) in enumerate(zip(members, all_values, strict=True)):
            if (i - 1, back) != MISSES_WEEK:
                files.contributions[keys.member] = tp.make_contribution(settings, keys, week, values,
                                                                        utc_stamp(contribute_ms))
        seen = tp.present(settings, files)
        for keys in members:
            files.views[keys.member] = tp.make_view(settings, keys, week, seen, utc_stamp(after_ms))
        for stage in ("base", "groups"):
            result = tp.week_result(settings, week, files, after_ms)
            for keys in members:
                if tp.may_reveal(result, files.views[keys.member], stage):
                    files.reveals[stage][keys.member] = tp.make_reveal(
                        settings, keys, week, files, stage, result.agreed, result.openable, utc_stamp(after_ms))
        for kind, table in (("contribution", files.contributions), ("view", files.views),
                            ("reveal-base", files.reveals["base"]), ("reveal-groups", files.reveals["groups"])):
            for member, doc in table.items():
                tf.write_file(tf.week_path(folder, week, kind, member), tf.file_bytes(doc), durable=False)
    store.set_setting(MERGE_FOLDER_SETTING, str(folder))
    return folder


def ensure_demo_team(store: Store, pricer: Pricer, end_day: date | None = None) -> Path | None:
    """The demo team's folder, made once a day (None when today's is there)."""
    end_day = end_day or datetime.now(timezone.utc).date()
    folder = store.path.parent / DEMO_TEAM_FOLDER
    if store.get_setting(DEMO_TEAM_SETTING) == end_day.isoformat() and folder.is_dir():
        return None
    seed_demo_team(store, pricer, end_day, folder)
    store.set_setting(DEMO_TEAM_SETTING, end_day.isoformat())
    return folder
