"""Qwen Code chats: one UsageEvent per model response (docs/agents/qwen-code.md).

Where the chats are: the plug-in, tracker.sources.agents.qwen_code. Qwen Code
(a fork of Gemini CLI) appends one ChatRecord per line; an `assistant`
record carries the response's `usageMetadata` in Google GenAI's names, which
mean what Gemini CLI's `tokens` mean: the two readers share the token rules
(tracker.sources.gemini_cli.tokens_from / genai_tokens), here applied to
responses Qwen Code converted from OpenAI-compatible APIs too (reasoning
inside the candidates, told apart by the total).

Not counted: `system` records (`ui_telemetry` repeats each response's
counts as an `api_response` event), user and tool records.
"""

from __future__ import annotations

from pathlib import Path

from tracker.core.records import UsageEvent
from tracker.sources import logfiles as lf
from tracker.sources.agents.qwen_code import KIND
from tracker.sources.gemini_cli import tokens_from

USAGE_NAMES = ("promptTokenCount", "candidatesTokenCount", "cachedContentTokenCount", "thoughtsTokenCount",
               "toolUsePromptTokenCount", "totalTokenCount")
KNOWN_TYPES = frozenset({"user", "assistant", "tool_result", "system"})
SKIP_NO_USAGE = "no_usage"  # "usageMetadata" in a record that is not a response (a tool's output, a prompt)
PATTERNS = (b'"usageMetadata"',)


def parse(fh, start: int, limit: int, result: lf.ReadResult) -> None:
    # a uuid read twice (here or in another file) is resolved, and counted, by the importer's batch
    fallback_session = lf.path_text(Path(getattr(fh, "name", "")).stem)
    for line in lf.iter_lines(fh, start, limit, PATTERNS, result):
        record = lf.loads_line(line, result.skipped)
        event = None if record is None else _event(record, fallback_session, result.skipped)
        if event is not None:
            result.events.append(event)


def _event(record: dict, fallback_session: str, skipped) -> UsageEvent | None:
    kind = record.get("type")
    if kind != "assistant":
        skipped[SKIP_NO_USAGE if isinstance(kind, str) and kind in KNOWN_TYPES else lf.UNKNOWN_KIND] += 1
        return None
    usage = record.get("usageMetadata")
    if usage is None:
        skipped[SKIP_NO_USAGE] += 1
        return None
    tokens = tokens_from(usage, USAGE_NAMES)
    if tokens is None:
        skipped[lf.BAD_NUMBER] += 1
        return None
    if not (tokens.input_tokens or tokens.cache_read_tokens or tokens.output_tokens):
        skipped[SKIP_NO_USAGE] += 1
        return None
    found = lf.model_and_time(record.get("model"), record.get("timestamp"), skipped)
    if found is None:
        return None
    model, ts_ms = found
    session = record.get("sessionId") if isinstance(record.get("sessionId"), str) and record["sessionId"] \
        else fallback_session
    uuid = record.get("uuid")
    # the uuid is the record's own: a /branch fork copies it with a new session id, an archive moves it
    key = uuid if isinstance(uuid, str) and uuid else f"{session}:{ts_ms}"
    cwd = record.get("cwd") if isinstance(record.get("cwd"), str) and record["cwd"] else None
    branch = record.get("gitBranch")
    return UsageEvent(
        source=KIND,
        key=key,
        ts_ms=ts_ms,
        model=model,
        tokens=tokens,
        session=session,
        project=lf.project_of(cwd),
        cwd=cwd,
        git_branch=branch if isinstance(branch, str) and branch else None,
        tool_use=_has_function_call(record.get("message")),
        sidechain=True if record.get("isSidechain") is True else None,
    )


def _has_function_call(message) -> bool:
    parts = message.get("parts") if isinstance(message, dict) else None
    return isinstance(parts, list) and any(isinstance(p, dict) and "functionCall" in p for p in parts)
