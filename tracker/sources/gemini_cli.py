"""Gemini CLI chats: one UsageEvent per model response (providers.md 5.3).

Where the chats are: the plug-in, tracker.sources.agents.gemini_cli. Chats
live in `tmp/<project>/chats/`: legacy whole-session `*.json` (rewritten on
every turn: the plug-in has them read whole when they change) and `*.jsonl` (a
header line, then message records; a record whose id was seen before replaces
the earlier one).

Tokens: `input` includes `cached` (when `total` = input + output + thoughts +
tool); `tool` tokens are input; `thoughts` are reasoning, priced as output.
"""

from __future__ import annotations

import re
from pathlib import Path

from tracker.core.records import UsageEvent
from tracker.core.tokens import Tokens
from tracker.sources import logfiles as lf
from tracker.sources.agents.gemini_cli import KIND, PROVIDER

SKIP_DUPLICATE = "duplicate"  # a JSONL record replaced by a later one with the same id
KNOWN_TYPES = frozenset({"user", "gemini", "info", "error", "warning", "system", "tool"})
_HASH_DIR = re.compile(r"^[0-9a-f]{32,}$")


def _project(path: Path) -> tuple[str | None, str | None]:
    """(project, cwd) of a chat file: tmp/<project>/chats/<file>.

    Newer Gemini CLI names the folder after the project and writes the real
    path to `.project_root`; older builds use a hash of the path, which is not
    a readable name.
    """
    folder = path.parent.parent
    try:
        root = (folder / ".project_root").read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError):
        root = ""
    if root:
        return lf.project_of(root), root
    name = lf.path_text(folder.name)
    return (None if _HASH_DIR.match(name) else name), None


def parse(fh, start: int, limit: int, result: lf.ReadResult) -> None:
    path = Path(getattr(fh, "name", ""))
    project, cwd = _project(path)
    if path.suffix == ".json":
        _parse_json(fh, limit, result, path, project, cwd)
    else:
        _parse_jsonl(fh, start, limit, result, path, project, cwd)


def _parse_json(fh, limit, result, path, project, cwd) -> None:
    """A whole-session file: every message, every time it changes (upserts are idempotent)."""
    doc = lf.read_json_document(fh, limit, result)
    if doc is None:
        return
    session = doc.get("sessionId") if isinstance(doc.get("sessionId"), str) else lf.path_text(path.stem)
    messages = doc.get("messages")
    if not isinstance(messages, list):
        result.skipped[lf.UNKNOWN_KIND] += 1
        return
    for record in messages:
        event = _event(record, session, project, cwd, result.skipped)
        if event is not None:
            result.events.append(event)


def _parse_jsonl(fh, start, limit, result, path, project, cwd) -> None:
    state = result.state
    best: dict[str, UsageEvent] = {}
    for line in lf.iter_lines(fh, start, limit, None, result):
        record = lf.loads_line(line, result.skipped)
        if record is None:
            continue
        if "type" not in record and isinstance(record.get("sessionId"), str):
            state["session"] = record["sessionId"]  # the header line
            continue
        event = _event(record, state.get("session") or lf.path_text(path.stem), project, cwd, result.skipped)
        if event is not None:
            if event.key in best:
                result.skipped[SKIP_DUPLICATE] += 1
            best[event.key] = event  # last wins: a later record replaces the earlier one
    result.events.extend(best.values())


def _event(record, session, project, cwd, skipped) -> UsageEvent | None:
    if not isinstance(record, dict):
        skipped[lf.NOT_AN_OBJECT] += 1
        return None
    kind = record.get("type")
    if not isinstance(kind, str):  # a list or object here is damage, and unhashable
        kind = None
    tokens = record.get("tokens")
    if kind != "gemini" or tokens is None:
        if kind not in KNOWN_TYPES:
            skipped[lf.UNKNOWN_KIND] += 1
        return None
    parsed = tokens_from(tokens)
    if parsed is None:
        skipped[lf.BAD_NUMBER] += 1
        return None
    model = record.get("model")
    if not isinstance(model, str) or not model:
        skipped[lf.MISSING_MODEL] += 1
        return None
    ts_ms = lf.parse_ts_ms(record.get("timestamp"))
    if ts_ms is None:
        skipped[lf.BAD_TIMESTAMP] += 1
        return None
    message_id = record.get("id")
    if not isinstance(message_id, (str, int)) or message_id == "":
        message_id = str(ts_ms)
    tool_calls = record.get("toolCalls")
    return UsageEvent(
        source=KIND,
        key=f"{session}:{message_id}",
        ts_ms=ts_ms,
        model=model,
        tokens=parsed,
        provider=PROVIDER,
        session=session,
        project=project,
        cwd=cwd,
        tool_use=bool(tool_calls) if isinstance(tool_calls, list) else False,
    )


GEMINI_TOKEN_NAMES = ("input", "output", "cached", "thoughts", "tool", "total")


def tokens_from(raw, names: tuple[str, ...] = GEMINI_TOKEN_NAMES) -> Tokens | None:
    """A usage object's counts, named by `names` in the order of genai_tokens' arguments; None if unusable.

    Gemini CLI's `tokens` {input, output, cached, thoughts, tool, total}; Qwen Code's
    `usageMetadata` (Google GenAI's names) has the same counts under other names.
    """
    if not isinstance(raw, dict):
        return None
    values = [lf.count(raw.get(name, 0)) for name in names]
    if None in values:
        return None
    return genai_tokens(*values)


def genai_tokens(prompt: int, candidates: int, cached: int, thoughts: int, tool: int, total: int) -> Tokens:
    """Token classes of one Google GenAI usage record (prompt, candidates, cached content, thoughts, tool-use prompt).

    The total says what the parts include:
    * total == prompt + candidates + thoughts + tool (Gemini's API): the prompt
      includes the cached tokens; thoughts are output beside the candidates;
    * total == prompt + candidates + tool with thoughts > 0 (an OpenAI-compatible
      response converted by Qwen Code: completion_tokens includes reasoning):
      the candidates include the thoughts, and the prompt the cached tokens
      (OpenAI's prompt_tokens always does);
    * any other total: the prompt is taken as uncached, thoughts beside the candidates.
    Tool-use prompt tokens are input.
    """
    thoughts_inside = bool(thoughts) and total == prompt + candidates + tool
    if thoughts_inside or (cached and total == prompt + candidates + thoughts + tool):
        cached = min(cached, prompt)
        uncached = prompt - cached  # the prompt included the cached part
    else:
        uncached = prompt
    output = candidates if thoughts_inside else candidates + thoughts
    return Tokens(
        input_tokens=uncached + tool,
        cache_read_tokens=cached,
        output_tokens=output,
        reasoning_tokens=min(thoughts, output),
    )
