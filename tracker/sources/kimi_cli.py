"""Kimi CLI wire logs: one UsageEvent per model step (docs/agents/kimi-cli.md).

Where the files are: the plug-in, tracker.sources.agents.kimi_cli. Kimi CLI
records every Wire message of a session as `{"timestamp": <unix seconds>,
"message": {"type": ..., "payload": ...}}` after a `{"type": "metadata"}`
header. After each model step it sends a `StatusUpdate` whose `token_usage`
is that step's usage (kosong's TokenUsage: `input_other` excludes the cache,
`output` is all output); a sub-agent's steps also reach the parent's log
wrapped in a `SubagentEvent`.

The wire names no model: the model is the one Kimi CLI's config names
(`config.toml` `default_model` -> `[models.<name>] model`, as ccusage and
tokscale read it), else `kimi-for-coding`; the project is the work folder
`kimi.json` lists under the session's group (md5 of its path).
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import orjson

from tracker.core.records import UsageEvent
from tracker.core.tokens import Tokens
from tracker.sources import logfiles as lf
from tracker.sources.agents.kimi_cli import KIND, PROVIDER, SESSION_FOLDERS

DEFAULT_MODEL = "kimi-for-coding"  # Kimi Code membership's model, the CLI's default
PATTERNS = (b'"token_usage"',)
KNOWN_TYPES = frozenset({"StatusUpdate", "SubagentEvent", "TurnBegin", "TurnEnd", "StepBegin", "StepInterrupted",
                         "StepRetry", "ContentPart", "ToolCall", "ToolCallPart", "ToolResult", "CompactionBegin",
                         "CompactionEnd", "ApprovalRequest", "ApprovalResponse", "Notification", "SteerInput",
                         "PlanDisplay", "BtwBegin", "BtwEnd", "HookTriggered", "HookResolved", "MCPLoadingBegin",
                         "MCPLoadingEnd", "QuestionRequest", "ToolCallRequest"})
SKIP_NO_USAGE = "no_usage"  # a StatusUpdate without token_usage (plan mode, MCP status), or all zeros
MAX_TIME_S = 253_402_300_799  # 9999-12-31: a later time is damage
_TABLE = re.compile(r"^\s*\[\s*([^\]]+?)\s*\]\s*(?:#.*)?$")
_STRING_KEY = re.compile(r'^\s*([A-Za-z0-9_."-]+)\s*=\s*"((?:[^"\\]|\\.)*)"\s*(?:#.*)?$')


def parse(fh, start: int, limit: int, result: lf.ReadResult) -> None:
    # a message_id read twice (here or in another log) is resolved, and counted, by the importer's batch
    place = _place(Path(getattr(fh, "name", "")))
    for line in lf.iter_lines(fh, start, limit, PATTERNS, result):
        record = lf.loads_line(line, result.skipped)
        event = None if record is None else _event(record, place, result.skipped)
        if event is not None:
            result.events.append(event)


class _Place:
    """What a wire file's path says: its session, its sub-agent, the model and project of its `.kimi` folder."""

    __slots__ = ("session", "agent", "model", "cwd")

    def __init__(self, session: str, agent: str | None, model: str, cwd: str | None):
        self.session, self.agent, self.model, self.cwd = session, agent, model, cwd


def _place(path: Path) -> _Place:
    folder = path.parent
    agent = None
    if folder.parent.name == "subagents":  # <session>/subagents/<agent id>/wire.jsonl
        agent = lf.path_text(folder.name)
        folder = folder.parent.parent
    session = lf.path_text(folder.name)
    root = next((p.parent for p in path.parents if p.name in SESSION_FOLDERS), None)
    if root is None:
        return _Place(session, agent, DEFAULT_MODEL, None)
    group = folder.parent.name if folder.parent.parent.name == "sessions" else None
    return _Place(session, agent, _configured_model(root), _work_dir(root, group))


def _configured_model(root: Path) -> str:
    """The `model` of the config's `default_model` (config.toml, else config.json), else DEFAULT_MODEL."""
    try:
        text = (root / "config.toml").read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        text = None
    if text is not None:
        return _toml_model(text) or DEFAULT_MODEL
    try:
        config = orjson.loads((root / "config.json").read_bytes())
    except (OSError, orjson.JSONDecodeError):
        return DEFAULT_MODEL
    if not isinstance(config, dict):
        return DEFAULT_MODEL
    return _model_of(config.get("default_model"), config.get("models")) or _text(config.get("model")) \
        or DEFAULT_MODEL


def _toml_model(text: str) -> str | None:
    """default_model and the models tables of Kimi CLI's config.toml (flat string keys are all it needs).

    A small scanner rather than tomllib (Python 3.11+ only): `default_model = "x"`
    at the top, then `[models.x]` / `[models."x"]` tables with `model = "..."`.
    """
    default, table, models = None, None, {}
    for line in text.splitlines():
        header = _TABLE.match(line)
        if header:
            table = header.group(1)
            continue
        pair = _STRING_KEY.match(line)
        if pair is None:
            continue
        key, value = pair.group(1), pair.group(2)
        if table is None and key == "default_model":
            default = value
        elif table is not None and key == "model" and table.startswith("models."):
            models[table[len("models."):].strip().strip('"')] = {"model": value}
    return _model_of(default, models)


def _model_of(default, models) -> str | None:
    default = _text(default)
    if default is None:
        return None
    entry = models.get(default) if isinstance(models, dict) else None
    return (_text(entry.get("model")) if isinstance(entry, dict) else None) or default


def _text(value) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def _work_dir(root: Path, group: str | None) -> str | None:
    """The work folder whose md5 names the session's group, from kimi.json's `work_dirs`."""
    if not group:
        return None
    try:
        meta = orjson.loads((root / "kimi.json").read_bytes())
    except (OSError, orjson.JSONDecodeError):
        return None
    work_dirs = meta.get("work_dirs") if isinstance(meta, dict) else None
    for entry in work_dirs if isinstance(work_dirs, list) else ():
        path = entry.get("path") if isinstance(entry, dict) else None
        if isinstance(path, str):
            digest = hashlib.md5(path.encode("utf-8"), usedforsecurity=False).hexdigest()
            kaos = entry.get("kaos")
            if group == digest or (isinstance(kaos, str) and group == f"{kaos}_{digest}"):
                return path
    return None


def _event(record: dict, place: _Place, skipped) -> UsageEvent | None:
    if record.get("type") == "metadata":
        skipped[SKIP_NO_USAGE] += 1
        return None
    message = record.get("message")
    if not isinstance(message, dict):
        skipped[lf.NOT_AN_OBJECT if "message" in record else lf.UNKNOWN_KIND] += 1
        return None
    kind, payload, agent = message.get("type"), message.get("payload"), place.agent
    if kind == "SubagentEvent" and isinstance(payload, dict):
        # a sub-agent's step, forwarded to the parent's log (its own log has it too: same message_id)
        inner = payload.get("event")
        agent = _text(payload.get("agent_id")) or agent or "subagent"
        kind, payload = (inner.get("type"), inner.get("payload")) if isinstance(inner, dict) else (None, None)
    if kind != "StatusUpdate":
        skipped[SKIP_NO_USAGE if isinstance(kind, str) and kind in KNOWN_TYPES else lf.UNKNOWN_KIND] += 1
        return None
    if not isinstance(payload, dict):
        skipped[lf.NOT_AN_OBJECT] += 1
        return None
    usage = payload.get("token_usage")
    if usage is None:
        skipped[SKIP_NO_USAGE] += 1
        return None
    counts = _counts(usage)
    if counts is None:
        skipped[lf.BAD_NUMBER] += 1
        return None
    if not any(counts):
        skipped[SKIP_NO_USAGE] += 1
        return None
    seconds = record.get("timestamp")
    if type(seconds) not in (int, float) or not 0 < seconds <= MAX_TIME_S:  # (NaN fails too)
        skipped[lf.BAD_TIMESTAMP] += 1
        return None
    ts_ms = int(seconds * 1000)
    inp, out, cache_read, cache_write = counts
    message_id = _text(payload.get("message_id"))
    return UsageEvent(
        source=KIND,
        # the provider's id of the response: a fork's copy, an import, the sub-agent's own log keep it
        key=message_id or f"@{ts_ms}:{inp}:{out}:{cache_read}:{cache_write}",
        ts_ms=ts_ms,
        model=place.model,
        tokens=Tokens(input_tokens=inp, cache_read_tokens=cache_read, cache_write_5m_tokens=cache_write,
                      output_tokens=out),
        provider=PROVIDER,
        session=place.session,
        project=lf.project_of(place.cwd),
        cwd=place.cwd,
        sidechain=True if agent else None,
    )


def _counts(usage) -> tuple[int, int, int, int] | None:
    """(input_other, output, input_cache_read, input_cache_creation); the first two are required."""
    if not isinstance(usage, dict) or "input_other" not in usage or "output" not in usage:
        return None
    values = (lf.count(usage["input_other"]), lf.count(usage["output"]),
              lf.count(usage.get("input_cache_read", 0)), lf.count(usage.get("input_cache_creation", 0)))
    return None if None in values else values
