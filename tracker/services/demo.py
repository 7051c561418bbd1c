"""A generated, realistic demo dataset (90 days by default), seeded.

It serves `tracker --demo`, the tests and the screenshots: several agents and
provider accounts, premium and cheap models, projects with a weekday rhythm, a
spend jump in the last fortnight, simple requests on premium models (nudge
material), and a provider that billed what was estimated. `ensure_demo` (the
demo universe) adds a Claude Max plan paying for the Claude Code usage, and
Codex and Claude plan windows (demo_limits). Everything goes
through the same ingest path as real data, so prices are real and frozen.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from tracker.core.money import usd_to_pico
from tracker.core.records import BilledLine, Cursor, UsageBucket, UsageEvent
from tracker.core.timeutil import UTC, to_ms
from tracker.core.tokens import Tokens
from tracker.pricing import Pricer
from tracker.services.ingest import ingest
from tracker.storage import Store

DEMO_SEED = 20261128
DEMO_DAYS = 90
DEMO_DAY_END = timedelta(hours=19)  # a demo day's requests run from 08:00 to 19:00 UTC
SESSION_REQUESTS = 18  # requests per demo session

# (source, provider, model, share of requests, profile)
AGENT_MODELS = [
    ("claude_code", "anthropic", "claude-sonnet-4-5", 0.42, "agent"),
    ("claude_code", "anthropic", "claude-opus-4-5", 0.14, "agent"),
    ("claude_code", "anthropic", "claude-haiku-4-5", 0.08, "light"),
    ("codex", "openai", "gpt-5-codex", 0.22, "agent"),
    ("codex", "openai", "gpt-5-mini", 0.04, "light"),
    ("gemini_cli", "google", "gemini-2.5-pro", 0.07, "agent"),
    ("gemini_cli", "google", "gemini-2.5-flash", 0.03, "light"),
]
PROJECTS = [
    ("acme-webshop", "/home/demo/work/acme-webshop", "main"),
    ("acme-webshop", "/home/demo/work/acme-webshop", "feature/checkout"),
    ("globex-etl", "/home/demo/clients/globex-etl", "main"),
    ("tracker", "/home/demo/src/tracker", "main"),
    ("dotfiles", "/home/demo/dotfiles", "master"),
]
PROJECT_WEIGHTS = [0.3, 0.12, 0.28, 0.22, 0.08]


@dataclass
class DemoSummary:
    events: int
    buckets: int
    billed: int
    first_day: date
    last_day: date


def _request_tokens(rng: random.Random, profile: str, simple: bool) -> tuple[Tokens, bool]:
    if simple:
        # small fresh input, short answer, no tools: a cheaper model would do
        return Tokens(
            input_tokens=rng.randint(40, 900),
            cache_read_tokens=rng.randint(0, 6000),
            output_tokens=rng.randint(20, 350),
        ), False
    if profile == "light":
        return Tokens(
            input_tokens=rng.randint(100, 3000),
            cache_read_tokens=rng.randint(2000, 30000),
            cache_write_5m_tokens=rng.randint(0, 2000),
            output_tokens=rng.randint(100, 1500),
        ), rng.random() < 0.5
    output = rng.randint(150, 4000)
    reasoning = rng.randint(0, output // 2) if rng.random() < 0.5 else 0
    return Tokens(
        input_tokens=rng.randint(5, 4000),
        cache_read_tokens=rng.randint(15000, 160000),
        cache_write_5m_tokens=rng.randint(200, 9000),
        cache_write_1h_tokens=rng.randint(0, 3000) if rng.random() < 0.2 else 0,
        output_tokens=output,
        reasoning_tokens=reasoning,
    ), rng.random() < 0.8


def generate(
    store: Store,
    pricer: Pricer,
    end_day: date | None = None,
    days: int = DEMO_DAYS,
    seed: int = DEMO_SEED,
    scale: float = 1.0,
    now: datetime | None = None,
    session_requests: int = SESSION_REQUESTS,
) -> DemoSummary:
    """Fill `store` with demo usage for the `days` days ending `end_day` (UTC), none after `now`.

    `scale` multiplies the requests per day; `session_requests` sets how many make a session (a
    heavier user mostly runs longer sessions, not only more of them: benchmarks scale both).
    """
    rng = random.Random(seed)
    now = now or datetime.now(UTC)
    end_day = end_day or now.date()
    first = end_day - timedelta(days=days - 1)

    def so_far(moment: datetime) -> datetime:
        """Today's requests squeezed into the hours already past: a demo never shows usage from later today."""
        if moment <= now or moment.date() != now.date():
            return moment
        day_start = datetime.combine(moment.date(), time(0), UTC)
        return day_start + (moment - day_start) * ((now - day_start) / DEMO_DAY_END)
    total_events = 0
    total_buckets = 0
    total_billed = 0
    for offset in range(days):
        day = first + timedelta(days=offset)
        weekday = day.weekday()
        # weekday rhythm, a slow upward trend, and a jump in the last 14 days
        base = 55 if weekday < 5 else 12
        trend = 1.0 + offset / days * 0.4
        jump = 1.7 if offset >= days - 14 else 1.0
        n_requests = max(0, int(rng.gauss(base * trend * jump * scale, base * 0.2 * scale)))
        events: list[UsageEvent] = []
        session_id = None
        for i in range(n_requests):
            if i % session_requests == 0:
                session_id = f"demo-{day.isoformat()}-{i // session_requests}"
                project, cwd, branch = rng.choices(PROJECTS, PROJECT_WEIGHTS)[0]
            source, provider, model, _, profile = rng.choices(AGENT_MODELS, [m[3] for m in AGENT_MODELS])[0]
            simple = model.startswith("claude-opus") and rng.random() < 0.45 or rng.random() < 0.08
            tokens, tools = _request_tokens(rng, profile, simple)
            moment = so_far(datetime.combine(day, time(8, 0), UTC) + timedelta(seconds=rng.randint(0, 11 * 3600)))
            events.append(
                UsageEvent(
                    source=source,
                    key=f"{session_id}:{i}",
                    ts_ms=to_ms(moment),
                    model=model,
                    tokens=tokens,
                    provider=provider,
                    session=f"{source}:{session_id}",
                    project=project,
                    cwd=cwd,
                    git_branch=branch,
                    tool_use=tools,
                    origin="demo",
                )
            )
        # one OpenRouter request stream with costs the provider reported
        for j in range(rng.randint(0, 6)):
            moment = so_far(datetime.combine(day, time(14, 0), UTC) + timedelta(minutes=7 * j))
            events.append(
                UsageEvent(
                    source="openrouter", account="personal", key=f"gen-demo-{day.isoformat()}-{j}",
                    ts_ms=to_ms(moment), model="deepseek/deepseek-chat",
                    tokens=Tokens(input_tokens=rng.randint(500, 6000), output_tokens=rng.randint(100, 900)),
                    provider="openrouter", reported_cost_pico=usd_to_pico(f"0.00{rng.randint(10, 99)}"),
                )
            )
        # one unknown model, so the demo shows unpriced usage honestly; counted from
        # the last day, so that "this month" always holds some (today does)
        if (days - 1 - offset) % 9 == 0:
            events.append(
                UsageEvent(
                    source="codex", key=f"demo-unpriced-{day.isoformat()}",
                    ts_ms=to_ms(so_far(datetime.combine(day, time(0, 5), UTC))),
                    model="internal-preview-model", tokens=Tokens(input_tokens=1200, output_tokens=300),
                    session=f"codex:demo-unpriced-{day.isoformat()}", project="tracker", provider=None,
                )
            )
        # An OpenAI organisation account: daily buckets and what it billed.
        start_s = int(datetime.combine(day, time(0), UTC).timestamp())
        buckets = []
        billed = []
        for model, project_id, mean in (("gpt-4.1", "proj_support_bot", 900), ("gpt-4.1-mini", "proj_support_bot", 4000)):
            requests = max(0, int(rng.gauss(mean * (1.2 if weekday < 5 else 0.6), mean * 0.1)))
            tokens = Tokens(
                input_tokens=requests * rng.randint(700, 900),
                cache_read_tokens=requests * rng.randint(100, 300),
                output_tokens=requests * rng.randint(150, 250),
            )
            bucket = UsageBucket(
                source="openai", account="org-main", kind="completions", start_s=start_s, width_s=86400,
                model=model, tokens=tokens, requests=requests, project_id=project_id, provider="openai",
            )
            buckets.append(bucket)
        result = ingest(store, pricer, events=events, buckets=buckets)
        for bucket in buckets:
            if bucket.cost_pico is not None:
                # billed within a few tenths of a percent of the estimate, as in life
                amount = bucket.cost_pico * (1000 + rng.randint(-3, 3)) // 1000
                billed.append(
                    BilledLine(
                        source="openai", account="org-main", day=day.isoformat(),
                        line_item=f"{bucket.model}, all", amount_pico=amount, project_id=bucket.project_id,
                        model=bucket.model,
                    )
                )
        store.write_batch(billed=billed, cursors=[Cursor("demo", "generated-through", {"day": day.isoformat()})])
        total_events += result.events_written
        total_buckets += result.buckets_written
        total_billed += len(billed)
    seed_demo_value(store, first, end_day)
    return DemoSummary(total_events, total_buckets, total_billed, first, end_day)


def ensure_demo(store: Store, pricer: Pricer, end_day: date | None = None) -> DemoSummary | None:
    """Generate the demo data once per demo folder (refreshed when it is a day old)."""
    end_day = end_day or datetime.now(UTC).date()
    done = store.get_cursor("demo", "generated-through")
    if done and done.get("day") == end_day.isoformat():
        return None
    if done:
        # extend the existing demo to today rather than regenerating it
        last = date.fromisoformat(done["day"])
        missing = (end_day - last).days
        if missing <= 0:
            return None
        summary = generate(store, pricer, end_day=end_day, days=min(missing, DEMO_DAYS), seed=DEMO_SEED + missing)
    else:
        summary = generate(store, pricer, end_day=end_day)
    seed_demo_plans(store, end_day - timedelta(days=DEMO_DAYS - 1), end_day)
    seed_demo_invoice(store)
    return summary


def seed_demo_invoice(store: Store) -> None:
    """The demo's seller profile, client terms and one issued sample invoice (once; the CLI and the page)."""
    from tracker.core.timeutil import get_zone
    from tracker.services.invoices import ensure_demo_profile

    ensure_demo_profile(store, get_zone(store.get_setting("timezone")))


def seed_demo_plans(store: Store, first: date, end_day: date) -> None:
    """The demo universe's subscription plan and plan windows (services.demo_limits; idempotent)."""
    from tracker.services.demo_limits import seed

    seed(store, first, end_day)


def seed_demo_value(store: Store, first: date | None = None, end_day: date | None = None) -> None:
    """Tags, rules and value entries for the demo (idempotent; extends with the data)."""
    from tracker.services.demo_value import seed

    seed(store, first, end_day)
