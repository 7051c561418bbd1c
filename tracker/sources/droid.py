"""Droid session totals: one UsageEvent per session (docs/agents/droid.md).

Where the files are: the plug-in, tracker.sources.agents.droid. Droid (Factory's
CLI, closed source) writes no per-request usage: `<session>.settings.json`
holds the session's running `tokenUsage` and is rewritten as the session
runs. Each read gives the session's row its current totals (keep LAST): the
row has `requests` = 0 (a number Droid does not record: the totals are tiered
like a provider aggregate, not as one long prompt) and is dated when the
session's provider was locked (`providerLockTimestamp`, its start), else at the
file's last write.

Tokens: `inputTokens` is uncached input and `thinkingTokens` are output beside
`outputTokens`, unless `totalTokens` says otherwise (it is checked against
each reading, as for Gemini CLI's totals).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import orjson

from tracker.core.records import UsageEvent
from tracker.core.tokens import Tokens
from tracker.sources import logfiles as lf
from tracker.sources.agents.droid import KIND, SETTINGS_SUFFIX

UNKNOWN_MODEL = "unknown"  # a session whose settings name no model: counted, unpriced
SKIP_NO_USAGE = "no_usage"
FIELDS = ("inputTokens", "outputTokens", "cacheReadTokens", "cacheCreationTokens", "thinkingTokens")
# providerLock values -> genai-prices provider ids
PROVIDERS = {"anthropic": "anthropic", "claude": "anthropic", "openai": "openai", "google": "google",
             "gemini": "google", "vertex": "google", "xai": "x-ai", "x-ai": "x-ai", "grok": "x-ai",
             "deepseek": "deepseek", "moonshot": "moonshotai", "moonshotai": "moonshotai", "zai": "zai"}
_BRACKETS = re.compile(r"\[[^\]]*\]")
_CUSTOM_INDEX = re.compile(r"-\d+$")  # "custom:<display name>-0": the custom model's index in the user's list
_DASHES = re.compile(r"[\s-]+")


def parse(fh, start: int, limit: int, result: lf.ReadResult) -> None:
    doc = lf.read_json_document(fh, limit, result)
    if doc is None:
        return
    path = Path(getattr(fh, "name", ""))
    usage = doc.get("tokenUsage")
    if usage is None:
        result.skipped[SKIP_NO_USAGE] += 1  # a session that made no model call yet
        return
    tokens = session_tokens(usage)
    if tokens is None:
        result.skipped[lf.BAD_NUMBER] += 1
        return
    if not (tokens.input_tokens or tokens.cache_read_tokens or tokens.cache_write_tokens or tokens.output_tokens):
        result.skipped[SKIP_NO_USAGE] += 1
        return
    ts_ms = _time_ms(doc.get("providerLockTimestamp"))
    if ts_ms is None:
        ts_ms = os.fstat(fh.fileno()).st_mtime_ns // 1_000_000  # no start recorded: its last write
    session = lf.path_text(path.name[:-len(SETTINGS_SUFFIX)] if path.name.endswith(SETTINGS_SUFFIX) else path.stem)
    lock = doc.get("providerLock")
    cwd = _session_cwd(path.with_name(path.name[:-len(SETTINGS_SUFFIX)] + ".jsonl"))
    result.events.append(UsageEvent(
        source=KIND,
        key=session,
        ts_ms=ts_ms,
        model=model_name(doc.get("model")) or UNKNOWN_MODEL,
        tokens=tokens,
        provider=PROVIDERS.get(lock.strip().lower()) if isinstance(lock, str) else None,
        session=session,
        project=lf.project_of(cwd),
        cwd=cwd,
        requests=0,  # a session's totals over a number of requests Droid does not record (priced at the base tier)
    ))


def session_tokens(usage) -> Tokens | None:
    """The token classes of a `tokenUsage` object; None when a count is unusable."""
    if not isinstance(usage, dict):
        return None
    counts = [lf.count(usage.get(name, 0)) for name in FIELDS]
    total = usage.get("totalTokens")
    total = None if total is None else lf.count(total)
    if None in counts or ("totalTokens" in usage and usage["totalTokens"] is not None and total is None):
        return None
    inp, out, cache_read, cache_write, thinking = counts
    # (input includes the cache, output includes the thinking): the first reading the total agrees with;
    # with no total, the usual one (ccusage and tokscale read it so too)
    readings = [(False, False), (False, True), (True, False), (True, True)]
    cache_in, thinking_in = next(
        (r for r in readings
         if total == inp + out + (0 if r[0] else cache_read + cache_write) + (0 if r[1] else thinking)),
        (False, False)) if total else (False, False)
    uncached = max(inp - cache_read - cache_write, 0) if cache_in else inp
    output = out if thinking_in else out + thinking
    return Tokens(input_tokens=uncached, cache_read_tokens=cache_read, cache_write_5m_tokens=cache_write,
                  output_tokens=output, reasoning_tokens=min(thinking, output))


def model_name(raw) -> str | None:
    """Droid's model id as genai-prices may know it: `custom:` models lose the prefix, `[Provider]` tags and index."""
    if not isinstance(raw, str) or not raw.strip():
        return None
    name = raw.strip()
    if name.startswith("custom:"):
        name = _CUSTOM_INDEX.sub("", _BRACKETS.sub("", name[len("custom:"):]).strip())
        name = _DASHES.sub("-", name).strip("-").lower()
    return name or None


def _time_ms(value) -> int | None:
    if isinstance(value, str):
        return lf.parse_ts_ms(value)
    if type(value) in (int, float) and 0 < value < 1e14:  # epoch milliseconds (or seconds)
        return int(value) if value >= 1e11 else int(value * 1000)
    return None


def _session_cwd(transcript: Path) -> str | None:
    """The working folder from the first line of the session's transcript (`session_start`), if it says."""
    try:
        with open(transcript, "rb") as fh:
            first = fh.readline(64 * 1024)
        start = orjson.loads(first)
    except (OSError, orjson.JSONDecodeError):
        return None
    cwd = start.get("cwd") if isinstance(start, dict) else None
    return cwd if isinstance(cwd, str) and cwd else None
