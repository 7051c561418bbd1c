"""A request as a log reader found it, as a plain tuple: the cheap form of records.UsageEvent.

A first import reads hundreds of thousands of requests; building a UsageEvent
and a Tokens for each, then pricing and turning them into store rows one
attribute at a time, cost more than finding them in the logs. The built-in
Claude Code and Codex readers therefore put plain tuples in
`ReadResult.rows` (tracker.sources.logfiles) instead of UsageEvents in
`ReadResult.events`; the importer prices them by their token counts
(Pricer.price_counts) and builds the store row in one step. It is the same
request as a UsageEvent with the same fields: `to_event` turns one into the
other, and the counting rules, pricing and keys are the same whichever form a
reader uses. A plug-in keeps returning UsageEvents (docs/agents/README.md);
this form is for readers that find millions of lines.

Positions, in this order (the UsageEvent fields of the same names):
key, ts_ms, model, provider (None: the source's PricingHints.provider), session,
project, cwd, git_branch, the six token counts (core.tokens.TOKEN_FIELDS order:
uncached input, cache read, cache write 5m, cache write 1h, output, reasoning),
tool_use (bool), service_tier, sidechain (bool or None), speed, units (dict or None).
Repeated texts (model, session, cwd, ...) should be one object per file
(`interned`): a row is pickled back from a parse worker, and pickle writes a
text it has seen once as a short reference.
"""

from __future__ import annotations

from tracker.core.records import UsageEvent
from tracker.core.tokens import Tokens

KEY, TS_MS, MODEL, PROVIDER, SESSION, PROJECT, CWD, GIT_BRANCH = range(8)
TOKENS = slice(8, 14)  # input, cache read, cache write 5m, cache write 1h, output, reasoning
TOOL_USE, SERVICE_TIER, SIDECHAIN, SPEED, UNITS = range(14, 19)
TOKEN_TOTAL = slice(8, 13)  # every class but reasoning, which is inside output: what "most tokens" compares
WIDTH = 19


def to_event(row: tuple, source: str) -> UsageEvent:
    """The UsageEvent this row stands for (what a reader returning events would have returned)."""
    return UsageEvent(
        source=source, key=row[KEY], ts_ms=row[TS_MS], model=row[MODEL], tokens=Tokens(*row[TOKENS]),
        provider=row[PROVIDER], session=row[SESSION], project=row[PROJECT], cwd=row[CWD],
        git_branch=row[GIT_BRANCH], tool_use=row[TOOL_USE], service_tier=row[SERVICE_TIER],
        sidechain=row[SIDECHAIN], speed=row[SPEED], units=row[UNITS],
    )


def with_tool_use(row: tuple) -> tuple:
    """The same row, using tools (one copy of a streamed response had the tool_use block)."""
    return row[:TOOL_USE] + (True,) + row[TOOL_USE + 1:]
