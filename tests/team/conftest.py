"""Fixtures for the team area: in-memory keyring, app contexts, planted private data."""

from __future__ import annotations

import os
from datetime import date, datetime, time, timedelta

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

# A fixed instant: Wednesday of ISO week 2026-W48; the last complete week is 2026-W47.
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=__import__("datetime").timezone.utc)
WEEK = "2026-W47"
WEEK_MONDAY = date(2026, 11, 16)
# W47's contributions close 48 h after it ends: Wednesday 2026-11-25 00:00 UTC; views from 06:00.
CONTRIBUTE_AT = datetime(2026, 11, 23, 10, 0, tzinfo=__import__("datetime").timezone.utc)
AFTER_DEADLINE = datetime(2026, 11, 25, 7, 0, tzinfo=__import__("datetime").timezone.utc)

# Private strings planted in the data: none may appear in anything that leaves.
CANARIES = {
    "project": "zebracanary-webshop",
    "cwd": "/home/alice.canary/clients/umbrellacorp-canary",
    "client_tag": "UmbrellaCanaryClient",
    "project_tag": "ProjectNightjarCanary",
    "email": "alice.canary@example.org",
    "api_key_id": "key_CANARYx9y8z7",
    "session": "sess-canary-4f1d2c",
    "account": "canary-org-account",
    "workspace": "wrkspc_canary_01",
    "fine_tune": "acmecanary-ft",
    "branch": "feature/canary-secret-branch",
}


@pytest.fixture(autouse=True)
def _team_keyring(memory_keyring):
    return memory_keyring


@pytest.fixture
def make_ctx(tmp_path):
    """make_ctx("a") -> an AppContext with its own TRACKER_HOME-like folder (UTC timezone)."""
    from tracker.paths import get_paths
    from tracker.services.context import open_context

    opened = []

    def make(name: str):
        ctx = open_context(get_paths(tmp_path / f"machine-{name}"))
        ctx.store.set_setting("timezone", "UTC")
        opened.append(ctx)
        return ctx

    yield make
    for ctx in opened:
        ctx.close()


def ms(day: date, hour: int = 10, minute: int = 0) -> int:
    from tracker.core.timeutil import UTC, to_ms

    return to_ms(datetime.combine(day, time(hour, minute), UTC))


def plant_usage(ctx, scale: int = 1, seed: int = 0) -> None:
    """Usage in WEEK with every kind of private name, priced through the normal ingest path."""
    from tracker.core.records import UsageBucket, UsageEvent
    from tracker.core.tokens import Tokens
    from tracker.services.ingest import ingest

    c = CANARIES
    events = []
    for i in range(6):
        day = WEEK_MONDAY + timedelta(days=i % 5)
        events.append(UsageEvent(
            source="claude_code", key=f"{c['session']}:{seed}:{i}", ts_ms=ms(day, 9 + i), model="claude-sonnet-4-5",
            tokens=Tokens(input_tokens=1000 * scale, cache_read_tokens=200_000 * scale,
                          cache_write_5m_tokens=5000 * scale, output_tokens=3000 * scale),
            provider="anthropic", session=c["session"], project=c["project"], cwd=c["cwd"],
            git_branch=c["branch"] + "/" + c["email"], tool_use=True,
        ))
    events.append(UsageEvent(
        source="openrouter", account=c["account"], key=f"gen-{c['email']}-{seed}", ts_ms=ms(WEEK_MONDAY, 15),
        model=f"ft:gpt-4o-mini:{c['fine_tune']}:x:1", tokens=Tokens(input_tokens=5000, output_tokens=800),
        provider="openai", project=c["project"],
    ))
    buckets = [UsageBucket(
        source="openai", account=c["account"], kind="completions", start_s=ms(WEEK_MONDAY, 0) // 1000, width_s=86400,
        model="gpt-5-codex", tokens=Tokens(input_tokens=200_000 * scale, output_tokens=40_000 * scale),
        requests=50 * scale, project_id=f"proj_{c['project']}", api_key_id=c["api_key_id"],
        workspace_id=c["workspace"], provider="openai",
    )]
    ingest(ctx.store, ctx.pricer, events=events, buckets=buckets)


def plant_value(ctx) -> None:
    """Client and project tags (with team categories) and a money value entry."""
    from tracker.services import tagging, value

    c = CANARIES
    value.add_tag(ctx.store, c["client_tag"], "client", team_category="Consulting")
    value.add_tag(ctx.store, c["project_tag"], "project", team_category="product")
    tagging.add_rule(ctx.store, c["client_tag"], cwd_glob="*umbrellacorp*")
    tagging.add_rule(ctx.store, c["project_tag"], api_key_id=c["api_key_id"])
    value.add_value(ctx.store, tag=c["client_tag"], period=WEEK, amount="1234.56", currency="USD")


class TeamRun:
    """A team of real installs (separate homes, planted usage) sharing one folder through the services."""

    def __init__(self, drive, contexts, team_id):
        self.drive, self.contexts, self.team = drive, contexts, team_id

    def tick(self, at, who=None):
        from tracker.core.timeutil import to_ms
        from tracker.services import team

        at_ms = at if isinstance(at, int) else to_ms(at)
        return [team.share(self.contexts[i], at_ms=at_ms) for i in (range(len(self.contexts)) if who is None else who)]

    def run_week(self, contributors=None, online=None):
        """Contributions on Monday, then the steps after the deadline, three ticks (views, base, groups)."""
        from datetime import timedelta

        self.tick(CONTRIBUTE_AT, contributors)
        for hour in range(3):
            self.tick(AFTER_DEADLINE + timedelta(hours=hour), online)

    def merge(self, at=None, folder=None):
        from tracker.core.timeutil import to_ms
        from tracker.services.team_merge import merge_folder

        return merge_folder(folder or self.drive, self.team, to_ms(at or AFTER_DEADLINE) + 5 * 3600_000)

    def figures(self, i):
        """Member i's own exact values for WEEK (what the masks hide)."""
        from tracker.core.timeutil import to_ms
        from tracker.services import team

        return team.summary(self.contexts[i], WEEK, to_ms(CONTRIBUTE_AT)).values


@pytest.fixture
def real_team(make_ctx, tmp_path):
    """real_team(7) -> a TeamRun: member 0 set the team up, the others joined and were admitted."""
    from tracker.core.timeutil import to_ms
    from tracker.services import team

    def build(n, k=5, scale=lambda i: i + 1, categories=()):
        drive = tmp_path / "drive"
        drive.mkdir()
        contexts = []
        for i in range(n):
            ctx = make_ctx(f"member{i}")
            plant_usage(ctx, scale=scale(i), seed=i)
            team.save_settings(ctx.store, opt_in=True, folder=str(drive))
            contexts.append(ctx)
        at = to_ms(CONTRIBUTE_AT) - 7 * 86_400_000
        settings = team.create_team(contexts[0], k=k, categories=categories, effective_week="2026-W40", at_ms=at)
        for ctx in contexts[1:]:
            team.join(ctx, settings["team"], at_ms=at)
        if n > 1:
            team.admit(contexts[0], effective_week="2026-W40", at_ms=at)
        return TeamRun(drive, contexts, settings["team"])

    return build
