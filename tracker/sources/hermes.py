"""Hermes Agent's state.db: one UsageEvent per session, its running totals (docs/agents/hermes.md).

Where it is: the plug-in, tracker.sources.agents.hermes. `state.db` holds a
`sessions` table (hermes_state_common.SCHEMA_SQL): per session `id`, `model`,
`billing_provider`, `started_at` (epoch seconds, REAL), `cwd`, `git_branch` and
the running totals of the main agent loop's calls, `input_tokens` (without the
cached parts), `output_tokens` (reasoning inside), `cache_read_tokens`,
`cache_write_tokens`, `reasoning_tokens` (agent/usage_pricing.normalize_usage,
hermes_state_usage.update_token_counts). Hermes keeps no per-call counts: a
session is one event, dated at its start, replaced as its totals grow.
"""

from __future__ import annotations

from tracker.core.records import UsageEvent
from tracker.core.tokens import Tokens
from tracker.sources import foreign_db
from tracker.sources import logfiles as lf
from tracker.sources.agents.hermes import KIND

SKIP_NO_USAGE = "no_usage"  # a session without a model call (created, then nothing asked)
REQUIRED = frozenset({"id", "model", "started_at", "input_tokens", "output_tokens"})
_OPTIONAL = ("cache_read_tokens", "cache_write_tokens", "reasoning_tokens", "billing_provider", "cwd", "git_branch",
             "api_call_count")
# Hermes's provider slugs (hermes_cli provider registry, agent/usage_pricing.resolve_billing_route) as genai-prices
# spells them; a router or a self-hosted endpoint (nous, auto, custom, local) names no provider that sets the price
PROVIDERS = {"anthropic": "anthropic", "claude": "anthropic", "openai": "openai", "openai-api": "openai",
             "openai-codex": "openai", "openrouter": "openrouter", "gemini": "google", "google": "google",
             "google-gemini": "google", "google-ai-studio": "google", "google-vertex": "google", "vertex": "google",
             "vertex-ai": "google", "xai": "x-ai", "deepseek": "deepseek", "zai": "zai", "kimi-coding": "moonshotai",
             "moonshot": "moonshotai", "minimax": "minimax", "minimax-cn": "minimax", "bedrock": "aws",
             "copilot": "github-copilot", "fireworks": "fireworks", "groq": "groq", "mistral": "mistral"}


def parse(fh, start: int, limit: int, result: lf.ReadResult) -> None:
    with foreign_db.read_only(fh.name) as conn:
        columns = foreign_db.columns(conn, "sessions")
        if not REQUIRED <= columns:  # not Hermes's database, or a shape this reader does not know
            result.skipped[lf.UNKNOWN_KIND] += 1
            return
        optional = ", ".join(name if name in columns else "NULL" for name in _OPTIONAL)
        rows = conn.execute(f"SELECT id, model, started_at, input_tokens, output_tokens, {optional} "
                            "FROM sessions ORDER BY started_at, id").fetchall()
    for row in rows:
        result.lines_seen += 1
        event = _event(row, result.skipped)
        if event is not None:
            result.events.append(event)


def _event(row: tuple, skipped) -> UsageEvent | None:
    sid, model, started_at, inp, out, read, write, reasoning, provider, cwd, branch, calls = row
    if not isinstance(sid, str) or not sid:
        skipped[lf.UNKNOWN_KIND] += 1
        return None
    # the columns default to 0; NULL only where a column was added to an older row (read as 0)
    counts = [0 if v is None else lf.count(v) for v in (inp, read, write, out, reasoning)]
    if None in counts:
        skipped[lf.BAD_NUMBER] += 1
        return None
    inp, read, write, out, reasoning = counts
    if not (inp or read or write or out):
        skipped[SKIP_NO_USAGE] += 1
        return None
    model = model.strip() if isinstance(model, str) else None
    if not model:
        skipped[lf.MISSING_MODEL] += 1
        return None
    ts_ms = lf.epoch_or_text_ms(started_at)
    if ts_ms is None:
        skipped[lf.BAD_TIMESTAMP] += 1
        return None
    requests = lf.count(calls)
    slug = provider.strip().lower() if isinstance(provider, str) else ""
    return UsageEvent(
        source=KIND,
        key=sid,
        ts_ms=ts_ms,
        model=model,
        # output holds the reasoning (completion_tokens / Anthropic's output_tokens); a provider that counted
        # reasoning apart from a smaller output cannot have more of it than output
        tokens=Tokens(input_tokens=inp, cache_read_tokens=read, cache_write_5m_tokens=write, output_tokens=out,
                      reasoning_tokens=min(reasoning, out)),
        provider=PROVIDERS.get(slug, slug if slug in ("custom", "local") else None),
        session=sid,
        project=lf.project_of(cwd) if isinstance(cwd, str) else None,
        cwd=cwd if isinstance(cwd, str) and cwd else None,
        git_branch=branch if isinstance(branch, str) and branch else None,
        # the session's calls (api_call_count): its totals are tiered by the mean call; not recorded (an older
        # Hermes): 0, the base tier, as a session's total prompt crosses every long-context tier no call may have
        requests=requests or 0,
    )
