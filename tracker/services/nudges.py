"""Nudges toward cheaper models for simple work, with the user's own evidence.

A passive tracker cannot route requests, but it can show where a cheaper rung
of the same model family would very likely have done, and what it would have
saved. Everything here is read from metadata (token counts, the tool-use
flag, time, project); prompt text is never stored, so it is never read.

Simple-task detection (thresholds are settings `nudges.<name>`, defaults in
brackets; see docs/nudges.md):

* A request from an agent log or a per-request source (`events`) is simple
  when all hold: output tokens <= `max_output_tokens` [600]; the tool-use
  flag is false (unknown counts as not simple); reasoning tokens <=
  `max_reasoning_tokens` [200]; fresh input, i.e. uncached input plus cache
  writes, <= `max_fresh_input_tokens` [2000]. Cache reads do not count: a
  short question in a long session re-reads its context cheaply.
* Simplicity is judged per session, because an agent's model is chosen per
  session: a session is simple when every request in it is. The closing
  answer of a tool-using turn has no tool use and a short output, but the
  session it ends is agentic work that the cheaper model may not do. A
  request without a session is its own session. Counts, shares and savings
  are taken over the requests of simple sessions.
* Provider buckets (OpenAI/Anthropic usage reports) have no per-request
  detail. Where a bucket gives a request count, its rows are summed per
  source, model and local day, and the day counts as simple when the average
  per request passes the same output, reasoning and fresh-input thresholds
  (there is no tool-use flag in buckets). All of that day's requests then
  count as simple.

Counterfactual savings: each simple request's (or simple bucket's) tokens are
priced with `Pricer.price` on the model used and on each cheaper rung of its
ladder (services/ladders.py), at the request's own date. Requests where
either side has no known price are skipped and counted, never valued at $0.
The suggestion is the closest rung that saves money. Savings over the look-
back window [`lookback_days`, 28] become weekly savings by dividing by the
weeks the model was in use within the window (at least one week).

A nudge is shown only when weekly savings >= `min_weekly_savings_usd` [5]
AND simple sessions are at least `min_simple_share_percent` [20] percent of
that model's sessions from that source in the window (for buckets: simple
requests of its requests).

Follow-through: after "I switched" (or a detected shift: in the last
`shift_days` [7] the premium model's simple requests fell to at most half
their earlier weekly rate while the cheaper model's simple requests rose by at
least half of that fall) realised weekly savings are an estimate normalised
per simple request: (the premium model's cost per simple request before the
switch - the cheaper model's cost per simple request after it) x the simple
requests a week that moved to the cheaper model. Less work after a switch
moves nothing and saves nothing. It is shown beside the estimate made at the
time of the switch, with its basis. For `SETTLING_DAYS` after a switch, no new
nudge is raised on the model switched to.

Money is integer picodollars throughout. Every nudge is an estimate; whether
the cheaper model's answers are good enough is the user's call.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import tzinfo
from decimal import Decimal
from fractions import Fraction
from typing import Any

from tracker.core.money import format_usd
from tracker.core.timeutil import from_ms, local_date, now_ms
from tracker.core.tokens import Tokens
from tracker.pricing import Pricer
from tracker.services.ingest import bucket_tier_prompt
from tracker.services.ladders import Ladders, load_ladders
from tracker.services.simple_tasks import (  # noqa: F401  (re-exported for callers of this service)
    SETTING_PREFIX, NudgeSettings, is_simple, is_simple_average, load_settings, set_setting,
)
from tracker.storage import Store
from tracker.storage import nudge_queries as q

DAY_MS = 86_400_000
WEEK_MS = 7 * DAY_MS
STATUSES = ("open", "dismissed", "snoozed", "switched")
# After a switch, no new nudge on the model switched to for this long: its use has just changed
# (the simple work that moved to it would at once read as "simple work on a premium model").
SETTLING_DAYS = 14
DISCLAIMER = (
    "An estimate from your token counts and list prices at each request's date. "
    "Whether the cheaper model's answers are good enough is your call."
)


# -- results ----------------------------------------------------------------
@dataclass
class FollowThrough:
    """What a switch saved, as an estimate with its basis.

    Realised weekly savings = (premium cost per simple request before the switch
    - cheaper model's cost per simple request after it) x the simple requests a
    week that moved to the cheaper model (its weekly simple requests after, less
    those it already had before). Doing less after the switch moves nothing, so
    it saves nothing; the weekly costs before/after are kept for reference.
    """

    switched_at_ms: int
    switched_by: str  # user | detected
    estimated_weekly_pico: int | None
    before_simple_per_week: Fraction
    after_simple_per_week: Fraction | None
    before_weekly_pico: int  # simple requests on the premium model, per week
    after_weekly_pico: int | None
    cheaper_before_weekly_pico: int  # simple requests on the suggested model, per week
    cheaper_after_weekly_pico: int | None
    realised_weekly_pico: int | None  # None until a day has passed since the switch
    premium_per_request_pico: Fraction | None = None  # premium cost per simple request before the switch
    cheaper_per_request_pico: Fraction | None = None  # cheaper cost per simple request after it
    moved_per_week: Fraction | None = None  # simple requests a week that moved to the cheaper model
    basis: str = ""

    def as_dict(self, zone: tzinfo) -> dict[str, Any]:
        def rate(value: Fraction | None) -> float | None:  # a count per week, not money
            return None if value is None else round(float(value), 1)

        def per_request(value: Fraction | None) -> str | None:
            return None if value is None else format_usd(int(value))

        return {
            "switched_at": from_ms(self.switched_at_ms).astimezone(zone).isoformat(timespec="seconds"),
            "switched_by": self.switched_by,
            "estimated_weekly_savings_usd": format_usd(self.estimated_weekly_pico),
            "realised_weekly_savings_usd": format_usd(self.realised_weekly_pico),
            "realised_basis": self.basis,
            "simple_requests_per_week_before": rate(self.before_simple_per_week),
            "simple_requests_per_week_after": rate(self.after_simple_per_week),
            "moved_simple_requests_per_week": rate(self.moved_per_week),
            "premium_cost_per_simple_request_before_usd": per_request(self.premium_per_request_pico),
            "cheaper_cost_per_simple_request_after_usd": per_request(self.cheaper_per_request_pico),
            "premium_simple_cost_per_week_before_usd": format_usd(self.before_weekly_pico),
            "premium_simple_cost_per_week_after_usd": format_usd(self.after_weekly_pico),
            "cheaper_simple_cost_per_week_before_usd": format_usd(self.cheaper_before_weekly_pico),
            "cheaper_simple_cost_per_week_after_usd": format_usd(self.cheaper_after_weekly_pico),
        }


@dataclass
class Nudge:
    id: str
    source: str
    model: str
    suggested_model: str
    family: str
    since_ms: int
    until_ms: int
    requests: int
    simple_requests: int
    unpriced_simple_requests: int
    basis: str  # "per session" | "daily average per request"
    examples: list[dict]
    simple_cost_pico: int  # simple requests on `model`, over the window (priced part)
    counterfactual_cost_pico: int  # the same requests on `suggested_model`
    weekly_savings_pico: int
    alternatives: list[tuple[str, int]] = field(default_factory=list)  # (cheaper rung, weekly savings pico)
    how_to_switch: str = ""
    status: str = "open"
    snoozed_until_ms: int | None = None
    notified: bool = False
    follow_through: FollowThrough | None = None
    sessions: int = 0  # sessions (or lone requests) on the model; 0 for provider buckets
    simple_sessions: int = 0

    @property
    def share(self) -> Fraction:
        """Simple sessions of all sessions; for provider buckets (no sessions), simple requests of all."""
        if self.sessions:
            return Fraction(self.simple_sessions, self.sessions)
        return Fraction(self.simple_requests, self.requests) if self.requests else Fraction(0)

    @property
    def savings_pico(self) -> int:
        return self.simple_cost_pico - self.counterfactual_cost_pico

    def as_dict(self, zone: tzinfo) -> dict[str, Any]:
        return {
            "id": self.id,
            "source": self.source,
            "model": self.model,
            "suggested_model": self.suggested_model,
            "family": self.family,
            "status": self.status,
            "snoozed_until": None if self.snoozed_until_ms is None
            else from_ms(self.snoozed_until_ms).astimezone(zone).isoformat(timespec="seconds"),
            "notified": self.notified,
            "evidence": {
                "since": local_date(self.since_ms, zone).isoformat(),
                "until": local_date(self.until_ms - 1, zone).isoformat(),
                "basis": self.basis,
                "requests": self.requests,
                "simple_requests": self.simple_requests,
                "sessions": self.sessions,
                "simple_sessions": self.simple_sessions,
                "simple_share": f"{float(self.share):.4f}",
                "unpriced_simple_requests": self.unpriced_simple_requests,
                "examples": self.examples,
            },
            "simple_cost_usd": format_usd(self.simple_cost_pico),
            "counterfactual_cost_usd": format_usd(self.counterfactual_cost_pico),
            "savings_usd": format_usd(self.savings_pico),
            "estimated_weekly_savings_usd": format_usd(self.weekly_savings_pico),
            "alternatives": [{"model": m, "estimated_weekly_savings_usd": format_usd(p)} for m, p in self.alternatives],
            "how_to_switch": self.how_to_switch,
            "note": DISCLAIMER,
            "follow_through": None if self.follow_through is None else self.follow_through.as_dict(zone),
        }


@dataclass
class Analysis:
    nudges: list[Nudge]
    warnings: list[str]
    settings: NudgeSettings
    # (source, model) -> simple requests that could not be priced on one side
    skipped_unpriced: dict[str, int] = field(default_factory=dict)
    # (source, model, until ms): models just switched to, not judged before their use settles
    settling: list[tuple[str, str, int]] = field(default_factory=list)

    def hidden(self) -> dict[str, list[Nudge]]:
        """Dismissed and snoozed nudges, which the default lists leave out (they say so)."""
        return {status: [n for n in self.nudges if n.status == status] for status in ("dismissed", "snoozed")}


# -- how to switch ----------------------------------------------------------
def how_to_switch(source: str, model: str, suggested: str) -> str:
    keep = f"Keep {model} for long, tool-heavy work; use {suggested} for short questions and small edits."
    if source == "claude_code":
        return (f"Claude Code: type `/model {suggested}` in a session, start it with "
                f"`claude --model {suggested}`, or set ANTHROPIC_MODEL={suggested}. {keep}")
    if source == "codex":
        return (f"Codex CLI: start it with `codex -m {suggested}` (or `--model {suggested}`), or set "
                f'`model = "{suggested}"` in ~/.codex/config.toml. {keep}')
    if source == "gemini_cli":
        return f"Gemini CLI: start it with `gemini -m {suggested}` (or `--model {suggested}`). {keep}"
    return (f"API: change the `model` parameter from \"{model}\" to \"{suggested}\" in the calls that do "
            f"this short work (see the example projects). {keep}")


# -- scanning usage ---------------------------------------------------------
@dataclass(slots=True)
class _Item:
    """One request (event) or one provider bucket row, with its simplicity decided.

    `unit` is the grain simplicity is judged at: a request's session (the agent
    chooses the model per session, so advice about single requests inside an
    agentic session cannot be followed), the request itself when it has no
    session, or a bucket's source, model and local day.
    """

    source: str
    model: str
    provider: str | None
    ts_ms: int
    project: str | None
    tokens: Tokens
    requests: int
    service_tier: str | None
    batch: bool
    simple: bool
    from_bucket: bool
    tool_use: bool | None = None
    unit: tuple = ()
    sessions: frozenset = frozenset()  # agentic sessions' work on a model: the sessions it sums


def _scan(store: Store, settings: NudgeSettings, zone: tzinfo, start_ms: int, end_ms: int,
          cuts: Sequence[int] = ()) -> list[_Item]:
    """The items of [start_ms, end_ms): requests, provider buckets, and the work of agentic sessions.

    A session is simple when every request in it is: the closing answer of a tool-using turn has no
    tool use and a short output, but the session it ends is agentic work. Agentic sessions are only
    counted (their requests and when they were made), so where the sessions rollup is live they are
    read from it, as one item per model and stretch of time between `cuts` (the bounds of every span
    the analysis tallies: the same tallies as one item per request), one item per model and stretch
    for all of them (with the sessions it sums); simple sessions and requests without a session are
    read request by request (they are priced, and shown as examples).
    """
    thresholds = {"max_output": settings.max_output_tokens, "max_reasoning": settings.max_reasoning_tokens,
                  "max_fresh": settings.max_fresh_input_tokens}
    parts = q.session_parts(store, start_ms, end_ms, cuts, thresholds)
    if parts is None:
        items = _request_items(q.iter_events(store, start_ms, end_ms), settings)
    else:
        items = _request_items(q.unit_requests(store, start_ms, end_ms, parts.simple), settings)
        items += [_Item(w.source, w.model, None, w.first_ms, None, Tokens(), w.requests, None, False, False, False,
                        None, ("sessions", w.source), w.sessions) for w in parts.agentic]
    return items + _bucket_items(store, settings, zone, start_ms, end_ms)


def _request_items(requests: Iterable[q.EventUsage], settings: NudgeSettings) -> list[_Item]:
    """One item per request, simple when its whole unit is (its session, or itself without one)."""
    items: list[_Item] = []
    agentic: set[tuple] = set()
    for e in requests:
        unit = ("session", e.source, e.session) if e.session else ("request", e.source, e.rowid)
        simple = is_simple(e.tokens, e.tool_use, settings)
        if not simple:
            agentic.add(unit)
        if not e.model:
            continue
        items.append(_Item(
            e.source, e.model, e.provider, e.ts_ms, e.project, e.tokens, e.requests, e.service_tier, False,
            simple, False, e.tool_use, unit,
        ))
    for item in items:
        item.simple = item.unit not in agentic
    return items


def _bucket_items(store: Store, settings: NudgeSettings, zone: tzinfo, start_ms: int, end_ms: int) -> list[_Item]:
    """Provider buckets, simple or not per source, model and local day (from the average request)."""
    items: list[_Item] = []
    days: dict[tuple, list[q.BucketUsage]] = defaultdict(list)
    for b in q.iter_token_buckets(store, start_ms, end_ms):
        days[(b.source, b.model, local_date(b.start_s * 1000, zone))].append(b)
    for day_key, rows in days.items():
        total = Tokens()
        for b in rows:
            total = total + b.tokens
        simple = is_simple_average(total, sum(b.requests for b in rows), settings)
        for b in rows:
            items.append(_Item(
                b.source, b.model, b.provider, b.start_s * 1000, b.project, b.tokens, b.requests,
                b.service_tier, b.batch, simple, True, None, ("day", *day_key),
            ))
    return items


def _price(pricer: Pricer, item: _Item, model: str) -> int | None:
    # a bucket sums a day's requests: its long-context tier is a request's, as at ingest (a day's
    # million prompt tokens priced as one request crossed the tier and doubled the savings)
    tier_prompt = bucket_tier_prompt(item.tokens, item.requests, None) if item.from_bucket else None
    return pricer.price(item.tokens, model, item.provider, item.ts_ms, item.service_tier, item.requests,
                        item.batch, tier_prompt_tokens=tier_prompt).cost_pico


def _example(item: _Item, zone: tzinfo) -> dict:
    t = item.tokens
    n = item.requests if item.from_bucket else 1
    example = {
        "time": from_ms(item.ts_ms).astimezone(zone).isoformat(timespec="seconds"),
        "project": item.project,
        "requests": item.requests,
        "input_tokens": t.input_tokens // n,
        "cache_read_tokens": t.cache_read_tokens // n,
        "cache_write_tokens": t.cache_write_tokens // n,
        "output_tokens": t.output_tokens // n,
        "reasoning_tokens": t.reasoning_tokens // n,
    }
    if item.from_bucket:
        example["per_request_average"] = True
    else:
        example["tool_use"] = item.tool_use
    return example


def _per_week(amount: int, span_ms: int) -> int:
    """An amount over `span_ms` as a weekly figure (exact integer, rounded down)."""
    return amount * WEEK_MS // max(span_ms, 1)


def _span_ms(first_ms: int | None, end_ms: int, start_ms: int) -> int:
    """The part of [start, end) the model was in use: from its first use, at least a week."""
    begin = max(start_ms, first_ms if first_ms is not None else start_ms)
    return max(end_ms - begin, min(WEEK_MS, end_ms - start_ms))


@dataclass
class _Tally:
    requests: int = 0
    simple_requests: int = 0
    first_ms: int | None = None
    simple_items: list[_Item] = field(default_factory=list)
    units: set = field(default_factory=set)  # sessions (or lone requests) that used the model
    simple_units: set = field(default_factory=set)
    agentic_sessions: set = field(default_factory=set)  # of items that sum agentic sessions (one source)

    @property
    def sessions(self) -> int:
        return sum(1 for u in self.units if u[0] != "day") + len(self.agentic_sessions)

    @property
    def simple_sessions(self) -> int:
        return sum(1 for u in self.simple_units if u[0] != "day")


def _tally(items: Iterable[_Item], start_ms: int, end_ms: int) -> dict[tuple[str, str], _Tally]:
    tallies: dict[tuple[str, str], _Tally] = defaultdict(_Tally)
    for item in items:
        if not (start_ms <= item.ts_ms < end_ms):
            continue
        t = tallies[(item.source, item.model)]
        t.requests += item.requests
        t.first_ms = item.ts_ms if t.first_ms is None else min(t.first_ms, item.ts_ms)
        if item.sessions:
            t.agentic_sessions |= item.sessions
        else:
            t.units.add(item.unit)
        if item.simple:
            t.simple_requests += item.requests
            t.simple_items.append(item)
            t.simple_units.add(item.unit)
    return tallies


def _simple_cost(pricer: Pricer, items: Iterable[_Item], model: str) -> tuple[int, int]:
    """(cost of the simple items on `model`, simple requests that had no price)."""
    total, unpriced = 0, 0
    for item in items:
        cost = _price(pricer, item, model)
        if cost is None:
            unpriced += item.requests
        else:
            total += cost
    return total, unpriced


def nudge_id(source: str, model: str, suggested: str) -> str:
    return f"{source}|{model}|{suggested}"


def _parse_id(nudge_id_text: str) -> tuple[str, str, str]:
    parts = nudge_id_text.split("|") if isinstance(nudge_id_text, str) else []
    if len(parts) != 3 or not all(parts):
        raise ValueError(f"{nudge_id_text!r} is not a nudge id: copy one from `tracker nudges` (source|model|suggested)")
    return parts[0], parts[1], parts[2]


# -- the analysis -----------------------------------------------------------
def _candidate(pricer: Pricer, ladders: Ladders, source: str, model: str, tally: _Tally, since_ms: int,
               until_ms: int, settings: NudgeSettings, zone: tzinfo, skipped: dict[str, int]) -> Nudge | None:
    """The best cheaper rung for one source and model, with its evidence (no thresholds applied)."""
    match = ladders.lookup(model)
    if match is None or not match.cheaper or not tally.simple_items:
        return None
    span = _span_ms(tally.first_ms, until_ms, since_ms)
    actual_costs = [_price(pricer, item, item.model) for item in tally.simple_items]
    options = []
    for rung in match.cheaper:
        if rung == model.lower():
            continue
        actual = counter = unpriced = 0
        for item, a in zip(tally.simple_items, actual_costs):
            c = _price(pricer, item, rung)
            if a is None or c is None:
                unpriced += item.requests
                continue
            actual += a
            counter += c
        if unpriced:
            skipped[f"{source}|{model}->{rung}"] = unpriced
        if actual - counter > 0:
            options.append((rung, actual, counter, unpriced))
    if not options:
        return None
    rung, actual, counter, unpriced = options[0]  # the closest cheaper rung that saves money
    recent = sorted(tally.simple_items, key=lambda i: i.ts_ms, reverse=True)[: settings.examples]
    return Nudge(
        id=nudge_id(source, model, rung),
        source=source,
        model=model,
        suggested_model=rung,
        family=match.family,
        since_ms=since_ms,
        until_ms=until_ms,
        requests=tally.requests,
        simple_requests=tally.simple_requests,
        unpriced_simple_requests=unpriced,
        basis="daily average per request" if all(i.from_bucket for i in tally.simple_items) else "per session",
        examples=[_example(i, zone) for i in recent],
        simple_cost_pico=actual,
        counterfactual_cost_pico=counter,
        weekly_savings_pico=_per_week(actual - counter, span),
        alternatives=[(r, _per_week(a - c, span)) for r, a, c, _ in options[1:]],
        how_to_switch=how_to_switch(source, model, rung),
        sessions=tally.sessions,
        simple_sessions=tally.simple_sessions,
    )


def _passes(nudge: Nudge, settings: NudgeSettings) -> bool:
    share_ok = Decimal(nudge.share.numerator) * 100 >= settings.min_simple_share_percent * nudge.share.denominator
    return share_ok and nudge.requests > 0 and nudge.weekly_savings_pico >= settings.min_weekly_savings_pico


def _follow_through(pricer: Pricer, items: list[_Item], state: dict, settings: NudgeSettings,
                    now: int) -> FollowThrough:
    switched_at = state["switched_at_ms"]
    source, model, suggested = state["source"], state["model"], state["suggested_model"]
    lookback = settings.lookback_days * DAY_MS
    before = _tally(items, switched_at - lookback, switched_at)
    after = _tally(items, switched_at, now)
    prem_b, cheap_b = before.get((source, model), _Tally()), before.get((source, suggested), _Tally())
    prem_a, cheap_a = after.get((source, model), _Tally()), after.get((source, suggested), _Tally())
    span_b = _span_ms(prem_b.first_ms, switched_at, switched_at - lookback)
    prem_cost_b = _simple_cost(pricer, prem_b.simple_items, model)[0]
    before_w = _per_week(prem_cost_b, span_b)
    cheap_before_w = _per_week(_simple_cost(pricer, cheap_b.simple_items, suggested)[0], span_b)
    span_a = now - switched_at
    result = FollowThrough(
        switched_at_ms=switched_at,
        switched_by=state.get("switched_by") or "user",
        estimated_weekly_pico=state.get("estimated_weekly_pico"),
        before_simple_per_week=Fraction(prem_b.simple_requests * WEEK_MS, span_b),
        after_simple_per_week=None,
        before_weekly_pico=before_w,
        after_weekly_pico=None,
        cheaper_before_weekly_pico=cheap_before_w,
        cheaper_after_weekly_pico=None,
        realised_weekly_pico=None,
        premium_per_request_pico=Fraction(prem_cost_b, prem_b.simple_requests) if prem_b.simple_requests else None,
        basis="measured after a day of usage since the switch",
    )
    if span_a < DAY_MS:  # a weekly figure from less than a day would mostly be noise
        return result
    cheap_cost_a = _simple_cost(pricer, cheap_a.simple_items, suggested)[0]
    cheap_after_w = _per_week(cheap_cost_a, span_a)
    result.after_simple_per_week = Fraction(prem_a.simple_requests * WEEK_MS, span_a)
    result.after_weekly_pico = _per_week(_simple_cost(pricer, prem_a.simple_items, model)[0], span_a)
    result.cheaper_after_weekly_pico = cheap_after_w
    cheap_rate_b = Fraction(cheap_b.simple_requests * WEEK_MS, span_b)
    cheap_rate_a = Fraction(cheap_a.simple_requests * WEEK_MS, span_a)
    result.moved_per_week = max(Fraction(0), cheap_rate_a - cheap_rate_b)
    if cheap_a.simple_requests:
        result.cheaper_per_request_pico = Fraction(cheap_cost_a, cheap_a.simple_requests)
    if result.premium_per_request_pico is None:
        result.realised_weekly_pico = 0
        result.basis = f"no simple requests on {model} before the switch to compare with"
    elif not result.moved_per_week:
        result.realised_weekly_pico = 0
        result.basis = f"no more simple requests on {suggested} than before the switch: nothing moved"
    else:
        per_request = result.premium_per_request_pico - result.cheaper_per_request_pico
        result.realised_weekly_pico = math.floor(per_request * result.moved_per_week)
        result.basis = (f"(${format_usd(int(result.premium_per_request_pico), 4)} per simple request on {model} "
                        f"before - ${format_usd(int(result.cheaper_per_request_pico), 4)} on {suggested} after) "
                        f"x {float(result.moved_per_week):.1f} simple requests a week moved to {suggested}")
    return result


def _shifted(items: list[_Item], source: str, model: str, suggested: str, settings: NudgeSettings,
             now: int) -> bool:
    """Did simple work move from `model` to `suggested` in the last `shift_days`?"""
    recent_start = now - settings.shift_days * DAY_MS
    base_start = recent_start - settings.lookback_days * DAY_MS
    base = _tally(items, base_start, recent_start)
    recent = _tally(items, recent_start, now)
    base_span = _span_ms(base.get((source, model), _Tally()).first_ms, recent_start, base_start)
    recent_span = now - recent_start

    def rate(tallies, key, span) -> Fraction:
        return Fraction(tallies.get(key, _Tally()).simple_requests * WEEK_MS, span)

    prem_before, prem_after = rate(base, (source, model), base_span), rate(recent, (source, model), recent_span)
    cheap_before = rate(base, (source, suggested), base_span)
    cheap_after = rate(recent, (source, suggested), recent_span)
    fall = prem_before - prem_after
    return prem_before > 0 and prem_after * 2 <= prem_before and (cheap_after - cheap_before) * 2 >= fall


def analyse(store: Store, pricer: Pricer, zone: tzinfo, now: int | None = None,
            ladders: Ladders | None = None) -> Analysis:
    """Every nudge worth showing now, plus switched ones with their follow-through.

    Records a detected shift (status switched, by "detected") for nudges the
    user has been shown; otherwise only reads.
    """
    now = now if now is not None else now_ms()
    warnings: list[str] = []
    settings = load_settings(store, warnings)
    if ladders is None:
        from tracker.paths import get_paths

        ladders = load_ladders(get_paths().config_dir)
    warnings.extend(ladders.warnings)
    states = q.nudge_states(store)
    lookback = settings.lookback_days * DAY_MS
    since = now - lookback
    earliest = min([since - settings.shift_days * DAY_MS]
                   + [s["switched_at_ms"] - lookback for s in states.values() if s["status"] == "switched"
                      and s["switched_at_ms"] is not None])
    # every span tallied below starts or ends at one of these (besides `earliest` and `now`)
    recent_start = now - settings.shift_days * DAY_MS
    cuts = [since, recent_start, recent_start - lookback]
    cuts += [at + shift for s in states.values() if s["status"] == "switched" and (at := s["switched_at_ms"]) is not None
             for shift in (0, -lookback)]
    # The evidence from one snapshot: a sync committing meanwhile cannot tear it. (The state
    # write below stays outside, so it never upgrades a read snapshot that a commit made stale.)
    with store.read_snapshot():
        items = _scan(store, settings, zone, earliest, now, cuts)
    tallies = _tally(items, since, now)
    skipped: dict[str, int] = {}
    found: dict[str, Nudge] = {}
    for (source, model), tally in sorted(tallies.items()):
        nudge = _candidate(pricer, ladders, source, model, tally, since, now, settings, zone, skipped)
        if nudge is not None and (_passes(nudge, settings) or nudge.id in states):
            found[nudge.id] = nudge
    detected = []
    for nudge_key, nudge in found.items():
        state = states.get(nudge_key)
        if (state is not None and state["status"] in ("open", "snoozed")
                and _shifted(items, nudge.source, nudge.model, nudge.suggested_model, settings, now)):
            switched_at = now - settings.shift_days * DAY_MS
            state = dict(state, status="switched", switched_by="detected", switched_at_ms=switched_at,
                         estimated_weekly_pico=_estimate_before(pricer, ladders, items, nudge, switched_at,
                                                                settings, zone))
            detected.append(state)
            states[nudge_key] = state
    if detected:
        q.save_nudge_states(store, detected)
    settling = _settling(states, now)
    for nudge_key in [key for key, n in found.items()
                      if key not in states and (n.source, n.model.lower()) in settling]:
        del found[nudge_key]  # just switched to: its own use has to settle before it is judged
    for state in states.values():
        if state["status"] == "switched" and state["id"] not in found:
            # the switch worked: the nudge no longer qualifies, but its follow-through is shown
            found[state["id"]] = _stub(state, since, now)
    nudges: list[Nudge] = []
    for nudge_key, nudge in found.items():
        state = states.get(nudge_key)
        _apply_state(nudge, state, now)
        if nudge.status != "switched" and not _passes(nudge, settings):
            continue  # kept above only to check for a shift; below the thresholds now
        if nudge.status == "switched" and state and state.get("switched_at_ms") is not None:
            nudge.follow_through = _follow_through(pricer, items, state, settings, now)
        nudges.append(nudge)
    nudges.sort(key=lambda n: (STATUSES.index(n.status), -n.weekly_savings_pico, n.id))
    for key, count in sorted(skipped.items()):
        warnings.append(f"{count} simple request(s) for {key} were skipped: no known price on one side")
    return Analysis(nudges, warnings, settings, skipped,
                    [(source, model, until) for (source, model), until in sorted(settling.items())])


def _settling(states: dict[str, dict], now: int) -> dict[tuple[str, str], int]:
    """(source, model) the user switched to within SETTLING_DAYS -> when its settling period ends."""
    found: dict[tuple[str, str], int] = {}
    for state in states.values():
        at = state.get("switched_at_ms")
        if state["status"] == "switched" and at is not None and now < at + SETTLING_DAYS * DAY_MS:
            key = (state["source"], state["suggested_model"].lower())
            found[key] = max(found.get(key, 0), at + SETTLING_DAYS * DAY_MS)
    return found


def _estimate_before(pricer: Pricer, ladders: Ladders, items: list[_Item], nudge: Nudge, switched_at: int,
                     settings: NudgeSettings, zone: tzinfo) -> int:
    """The weekly estimate the evidence before a detected switch gave (the current one is diluted by it)."""
    start = switched_at - settings.lookback_days * DAY_MS
    tally = _tally(items, start, switched_at).get((nudge.source, nudge.model))
    if tally is not None:
        before = _candidate(pricer, ladders, nudge.source, nudge.model, tally, start, switched_at, settings, zone, {})
        if before is not None and before.suggested_model == nudge.suggested_model:
            return before.weekly_savings_pico
    return nudge.weekly_savings_pico


def _stub(state: dict, since: int, now: int) -> Nudge:
    return Nudge(
        id=state["id"], source=state["source"], model=state["model"], suggested_model=state["suggested_model"],
        family="", since_ms=since, until_ms=now, requests=0, simple_requests=0, unpriced_simple_requests=0,
        basis="per request", examples=[], simple_cost_pico=0, counterfactual_cost_pico=0,
        weekly_savings_pico=state.get("estimated_weekly_pico") or 0,
        how_to_switch=how_to_switch(state["source"], state["model"], state["suggested_model"]),
    )


def _apply_state(nudge: Nudge, state: dict | None, now: int) -> None:
    if state is None:
        return
    nudge.notified = bool(state["notified"])
    status = state["status"]
    if status == "snoozed":
        until = state.get("snoozed_until_ms")
        if until is not None and until > now:
            nudge.snoozed_until_ms = until
        else:
            status = "open"  # the snooze is over
    nudge.status = status if status in STATUSES else "open"


def compute_nudges(store: Store, pricer: Pricer, zone: tzinfo, now: int | None = None,
                   ladders: Ladders | None = None) -> list[Nudge]:
    return analyse(store, pricer, zone, now, ladders).nudges


def open_nudges(store: Store, pricer: Pricer, zone: tzinfo, now: int | None = None,
                ladders: Ladders | None = None) -> list[Nudge]:
    """Nudges the user has not dismissed, snoozed (still) or acted on: the tray's count."""
    return [n for n in compute_nudges(store, pricer, zone, now, ladders) if n.status == "open"]


def pending_notifications(store: Store, pricer: Pricer, zone: tzinfo, now: int | None = None,
                          ladders: Ladders | None = None) -> list[Nudge]:
    """Open nudges never notified: the tray shows each at most once, then calls mark_notified."""
    return [n for n in open_nudges(store, pricer, zone, now, ladders) if not n.notified]


# -- actions ----------------------------------------------------------------
def _state_for(store: Store, nudge_key: str) -> dict:
    source, model, suggested = _parse_id(nudge_key)
    return q.nudge_states(store).get(nudge_key) or {
        "id": nudge_key, "source": source, "model": model, "suggested_model": suggested, "status": "open",
        "notified": 0,
    }


def dismiss(store: Store, nudge_key: str) -> None:
    q.save_nudge_states(store, [dict(_state_for(store, nudge_key), status="dismissed", snoozed_until_ms=None)])


def snooze(store: Store, nudge_key: str, days: int, now: int | None = None) -> int:
    """Hide the nudge for `days` days; returns the time (UTC ms) it comes back."""
    if not isinstance(days, int) or isinstance(days, bool) or days < 1:
        raise ValueError(f"snooze needs a whole number of days of at least 1, got {days!r}")
    until = (now if now is not None else now_ms()) + days * DAY_MS
    q.save_nudge_states(store, [dict(_state_for(store, nudge_key), status="snoozed", snoozed_until_ms=until)])
    return until


def mark_switched(store: Store, nudge_key: str, estimated_weekly_pico: int | None = None,
                  now: int | None = None) -> None:
    """The user says they switched; measure from now. Pass the nudge's current estimate to keep it."""
    q.save_nudge_states(store, [dict(
        _state_for(store, nudge_key), status="switched", switched_by="user",
        switched_at_ms=now if now is not None else now_ms(), estimated_weekly_pico=estimated_weekly_pico,
        snoozed_until_ms=None,
    )])


def reopen(store: Store, nudge_key: str) -> None:
    q.save_nudge_states(store, [dict(_state_for(store, nudge_key), status="open", snoozed_until_ms=None,
                                     switched_at_ms=None, switched_by=None)])


def mark_notified(store: Store, nudges: Iterable[Nudge | str]) -> None:
    states = q.nudge_states(store)
    rows = []
    for n in nudges:
        key = n.id if isinstance(n, Nudge) else n
        rows.append(dict(states.get(key) or _state_for(store, key), notified=1))
    if rows:
        q.save_nudge_states(store, rows)


def switch_with_estimate(store: Store, pricer: Pricer, zone: tzinfo, nudge_key: str, now: int | None = None,
                         ladders: Ladders | None = None) -> Nudge | None:
    """"I switched" from the CLI or page: keeps the current weekly estimate beside the switch."""
    current = {n.id: n for n in compute_nudges(store, pricer, zone, now, ladders)}
    nudge = current.get(nudge_key)
    mark_switched(store, nudge_key, nudge.weekly_savings_pico if nudge else None, now)
    return nudge


def to_json_doc(analysis: Analysis, zone: tzinfo, now: int | None = None) -> dict[str, Any]:
    from tracker.core.timeutil import zone_name

    return {
        "generated_at": from_ms(now if now is not None else now_ms()).astimezone(zone).isoformat(timespec="seconds"),
        "timezone": zone_name(zone),
        "settings": analysis.settings.as_dict(),
        "note": DISCLAIMER,
        "nudges": [n.as_dict(zone) for n in analysis.nudges],
        "settling": [{"source": source, "model": model,
                      "until": from_ms(until).astimezone(zone).isoformat(timespec="seconds")}
                     for source, model, until in analysis.settling],
        "warnings": analysis.warnings,
    }
