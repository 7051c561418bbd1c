"""Cline, Roo Code and Kilo Code task histories: one UsageEvent per API request (docs/agents/cline.md).

A task's `ui_messages.json` is a JSON list of the messages its panel shows.
Each API request is a message `{"type": "say", "say": "api_req_started",
"ts": <epoch ms>, "text": "<JSON>"}` whose text is rewritten while the request
streams: first `{"request": ...}` (Roo Code: `{"apiProtocol": ...}`), then
with `tokensIn`, `tokensOut`, `cacheWrites`, `cacheReads`, `cost` and, for an
interrupted request, `cancelReason`. The message's `ts` never changes
(the panel keys its list by it), so `<task id>:<ts>` is the request's key and
the copy read last is its state (keep=LAST). Cline also says `subagent_usage`
(the summed usage of a batch of sub-agents, whose own requests are written
nowhere else: counted as one event) and `deleted_api_reqs` (the sum of the
requests a checkpoint restore removed from the file: not counted, their own
messages were; see the page).

What `tokensIn` holds depends on the agent, its version and the provider:
* Cline: the provider handler's input count, uncached for Anthropic-style
  handlers and OpenRouter/Cline/Gemini/DeepSeek..., but including the cached
  part for the handlers listed in CLINE_INPUT_INCLUDES_CACHE;
* Roo Code / Kilo Code: `apiProtocol` "openai" includes the cached part;
  "anthropic" did not until Roo Code 3.29.5 (Oct 2025) and does since (it
  logs the total of input, cache reads and cache writes). The two cannot be
  told apart by a field, but an uncached count is below the cached total
  whenever caching worked, and an inclusive one never is: `tokensIn` at least
  the cache reads plus writes is read as inclusive.
The model: Cline 3.37+ puts `modelInfo {modelId, providerId}` on each message,
earlier 3.x records the model in `task_metadata.json` (`model_usage`, by
time); Roo Code and Kilo Code name it in the `<model>` tag of the environment
details they append to the request's user message in
`api_conversation_history.json` (with the message's `ts`).
"""

from __future__ import annotations

import bisect
import functools
import math
import re
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import orjson

from tracker.core.money import usd_to_pico
from tracker.core.records import UsageEvent
from tracker.core.tokens import Tokens
from tracker.sources import logfiles as lf
from tracker.sources.agents.cline_family import API_HISTORY, TASK_METADATA

MAX_FILE_BYTES = lf.MAX_DOCUMENT_BYTES
SKIP_NO_USAGE = "no_usage"  # a request still in flight, or failed before the provider reported usage
SKIP_DELETED_AGGREGATE = "deleted_aggregate"  # Cline's sum of requests removed by a checkpoint restore
USAGE_SAYS = ("api_req_started", "subagent_usage")
COUNT_FIELDS = ("tokensIn", "tokensOut", "cacheWrites", "cacheReads")
_MODEL_TAG = re.compile(r"<model>\s*([^<\s][^<]*?)\s*</model>")
_CWD = re.compile(r"# Current Work(?:ing|space) Directory \(([^)\n]+)\)")

# Cline provider ids (modelInfo.providerId, task_metadata model_provider_id) -> genai-prices provider ids.
CLINE_PROVIDERS = {
    "anthropic": "anthropic", "claude-code": "anthropic", "openai-native": "openai", "openai-codex": "openai",
    "gemini": "google", "vertex": "google", "bedrock": "aws", "deepseek": "deepseek", "xai": "x-ai",
    "mistral": "mistral", "groq": "groq", "fireworks": "fireworks", "together": "together",
    "cerebras": "cerebras", "moonshot": "moonshotai", "zai": "zai", "minimax": "minimax",
    "openrouter": "openrouter", "cline": "openrouter",  # Cline's gateway takes OpenRouter's model ids
}
# Cline handlers whose usage chunk reports prompt_tokens with the cached part inside (v3.89.0,
# apps/vscode/src/core/api/providers/*.ts); the others report uncached input.
CLINE_INPUT_INCLUDES_CACHE = frozenset({
    "openai", "openai-codex", "requesty", "fireworks", "hicap", "litellm", "lmstudio", "doubao", "oca",
    "qwen", "xai", "zai",
})
# Cline handlers that log DeepSeek's cache misses (prompt_cache_miss_tokens) as "cacheWrites": DeepSeek
# writes no cache a request pays for, a miss is plain input (deepseek.ts; openai.ts for compatible servers).
CLINE_WRITES_ARE_MISSES = frozenset({"deepseek", "openai"})
# Gateways whose logged cost is what they billed (read back from the gateway), not the agent's estimate.
CLINE_BILLED = frozenset({"openrouter", "cline"})


@dataclass(frozen=True)
class Dialect:
    kind: str
    model_file: str  # TASK_METADATA (Cline) or API_HISTORY (Roo Code, Kilo Code)


CLINE = Dialect("cline", TASK_METADATA)
ROO_CODE = Dialect("roo_code", API_HISTORY)
KILO_CODE = Dialect("kilo_code", API_HISTORY)


def parse(fh, start: int, limit: int, result: lf.ReadResult, dialect: Dialect = CLINE) -> None:
    """One task's ui_messages.json, read whole (the plug-ins declare it a whole file)."""
    data = lf.read_document(fh, limit, result)
    if data is None:
        return
    if not data.strip():
        return
    try:
        messages = orjson.loads(data)
    except orjson.JSONDecodeError:  # a document caught mid-rewrite: counted, read again when it changes
        result.skipped[lf.bad_json_reason(data)] += 1
        return
    if not isinstance(messages, list):
        result.skipped[lf.UNKNOWN_KIND] += 1
        return
    task_dir = Path(getattr(fh, "name", "")).parent
    task = TaskReader(dialect, task_dir, lf.path_text(task_dir.name), messages, result)
    task.read()


parse_cline = functools.partial(parse, dialect=CLINE)
parse_roo_code = functools.partial(parse, dialect=ROO_CODE)
parse_kilo_code = functools.partial(parse, dialect=KILO_CODE)


class TaskReader:
    """The usage messages of one task, with the task's model record looked up once."""

    def __init__(self, dialect: Dialect, task_dir: Path, task: str, messages: list, result: lf.ReadResult):
        self.dialect, self.task_dir, self.task, self.messages, self.result = dialect, task_dir, task, messages, result
        self.skipped = result.skipped
        self._models = None  # (sorted times, models) from the model file, read on first need
        self.cwd = None

    def read(self) -> None:
        usage = []
        for message in self.messages:
            if not isinstance(message, dict):
                self.skipped[lf.NOT_AN_OBJECT] += 1
                continue
            if message.get("type") != "say":
                continue
            say = message.get("say")
            if say == "deleted_api_reqs":
                self.result.lines_seen += 1
                self.skipped[SKIP_DELETED_AGGREGATE] += 1
            elif say in USAGE_SAYS:
                self.result.lines_seen += 1
                info = self._info(message)
                if info is not None:
                    usage.append((message, info))
        self.request_times = sorted(m["ts"] for m, _ in usage if _is_ms(m.get("ts")))
        events = [event for event in (self._event(m, info) for m, info in usage) if event is not None]
        project = lf.project_of(self.cwd)
        for event in events:
            event.cwd, event.project = self.cwd, project
        self.result.events.extend(events)

    def _info(self, message: dict) -> dict | None:
        text = message.get("text")
        if not isinstance(text, str):
            self.skipped[SKIP_NO_USAGE] += 1
            return None
        info = lf.loads_line(text.encode("utf-8", "surrogatepass"), self.skipped)
        if info is None:
            return None
        if not isinstance(info, dict):
            self.skipped[lf.NOT_AN_OBJECT] += 1
            return None
        if self.cwd is None and isinstance(info.get("request"), str):
            found = _CWD.search(info["request"])
            if found:
                self.cwd = found.group(1).strip()
        return info

    def _event(self, message: dict, info: dict) -> UsageEvent | None:
        counts = {}
        for name in COUNT_FIELDS:
            value = info.get(name)
            if value is None:
                counts[name] = 0
                continue
            counts[name] = lf.count(value)
            if counts[name] is None:
                self.skipped[lf.BAD_NUMBER] += 1
                return None
        cost = info.get("cost")
        if not any(counts.values()) and not (_is_money(cost) and cost > 0):
            self.skipped[SKIP_NO_USAGE] += 1  # in flight, or failed before any usage came back
            return None
        ts = message.get("ts")
        if not _is_ms(ts):
            self.skipped[lf.BAD_TIMESTAMP] += 1
            return None
        model, provider_id = self._model(message, ts)
        if not model:
            self.skipped[lf.MISSING_MODEL] += 1
            return None
        tokens_in, reads, writes = counts["tokensIn"], counts["cacheReads"], counts["cacheWrites"]
        if self._input_includes_cache(info, provider_id, tokens_in, reads + writes):
            tokens_in = max(0, tokens_in - reads - writes)
        if self.dialect is CLINE and provider_id in CLINE_WRITES_ARE_MISSES:
            tokens_in, writes = tokens_in + writes, 0
        reported = None
        if self.dialect is CLINE and provider_id in CLINE_BILLED and _is_money(cost) and cost > 0:
            reported = usd_to_pico(Decimal(str(cost)))
        return UsageEvent(
            source=self.dialect.kind,
            key=f"{self.task}:{ts}",
            ts_ms=ts,
            model=model,
            tokens=Tokens(input_tokens=tokens_in, cache_read_tokens=reads, cache_write_5m_tokens=writes,
                          output_tokens=counts["tokensOut"]),
            provider=CLINE_PROVIDERS.get(provider_id) if self.dialect is CLINE else None,
            session=self.task,
            sidechain=message.get("say") == "subagent_usage",
            reported_cost_pico=reported,
        )

    def _input_includes_cache(self, info: dict, provider_id: str | None, tokens_in: int, cached: int) -> bool:
        if not cached:
            return False
        if self.dialect is CLINE:
            return provider_id in CLINE_INPUT_INCLUDES_CACHE
        return info.get("apiProtocol") == "openai" or tokens_in >= cached

    # -- the model of a request -----------------------------------------------------
    def _model(self, message: dict, ts: int) -> tuple[str | None, str | None]:
        info = message.get("modelInfo")
        if self.dialect is CLINE and isinstance(info, dict) and _text(info.get("modelId")):
            return info["modelId"], _text(info.get("providerId"))
        times, models = self._model_record()
        if not models:
            return None, None
        if self.dialect is CLINE:  # model_usage: (model, provider) in use from each time on
            at = bisect.bisect_right(times, ts) - 1 if times else len(models) - 1
            return models[max(at, 0)]
        if not times:
            return models[-1], None  # environment details without times (older builds): the task's last model
        # Roo Code / Kilo Code: the request's own user message is written just after its
        # api_req_started, before the next request's; a retry sends none (the previous one's model)
        after = bisect.bisect_left(times, ts)
        following = bisect.bisect_right(self.request_times, ts)
        next_request = self.request_times[following] if following < len(self.request_times) else math.inf
        if after < len(times) and times[after] < next_request:
            return models[after], None
        return (models[after - 1] if after else models[0]), None

    def _model_record(self) -> tuple[list, list]:
        if self._models is None:
            self._models = self._read_model_record()
        return self._models

    def _read_model_record(self) -> tuple[list, list]:
        """(sorted times, models at those times); times empty when the record has none (models: in order)."""
        path = self.task_dir / self.dialect.model_file
        try:
            with open(path, "rb") as fh:
                data = fh.read(MAX_FILE_BYTES + 1)
        except OSError:
            return [], []
        if len(data) > MAX_FILE_BYTES:
            return [], []
        try:
            doc = orjson.loads(data)
        except orjson.JSONDecodeError:
            return [], []  # mid-rewrite: its stat is part of the task's, so the task is read again
        if self.dialect is CLINE:
            entries = _model_usage(doc)
        else:
            entries, cwd = _environment_models(doc)
            self.cwd = self.cwd or cwd
        timed = sorted((ts, model) for ts, model in entries if ts is not None)
        if timed and len(timed) == len(entries):
            return [ts for ts, _ in timed], [model for _, model in timed]
        return [], [model for _, model in entries]


def _model_usage(doc) -> list[tuple[int | None, tuple[str, str | None]]]:
    """Cline task_metadata.json: model_usage [{ts, model_id, model_provider_id, mode}]."""
    entries = []
    usage = doc.get("model_usage") if isinstance(doc, dict) else None
    for item in usage if isinstance(usage, list) else ():
        if isinstance(item, dict) and _text(item.get("model_id")):
            ts = item.get("ts") if _is_ms(item.get("ts")) else None
            entries.append((ts, (item["model_id"], _text(item.get("model_provider_id")))))
    return entries


def _environment_models(doc) -> tuple[list[tuple[int | None, str]], str | None]:
    """Roo Code / Kilo Code api_conversation_history.json: the <model> of each user message's environment
    details, and the workspace folder they name."""
    entries, cwd = [], None
    for message in doc if isinstance(doc, list) else ():
        if not isinstance(message, dict) or message.get("role") != "user":
            continue
        content = message.get("content")
        texts = [content] if isinstance(content, str) else [
            block.get("text") for block in content if isinstance(block, dict)] if isinstance(content, list) else []
        model = None
        for text in texts:
            if isinstance(text, str) and "<environment_details>" in text:
                found = _MODEL_TAG.search(text)
                if found:
                    model = found.group(1)
                folder = None if cwd else _CWD.search(text)
                if folder:
                    cwd = folder.group(1).strip()
        if model:
            ts = message.get("ts") if _is_ms(message.get("ts")) else None
            entries.append((ts, model))
    return entries, cwd


def _is_ms(value) -> bool:
    return type(value) is int and 0 < value < 10**14


def _is_money(value) -> bool:
    return type(value) in (int, float) and math.isfinite(value) and value >= 0


def _text(value) -> str | None:
    return value if isinstance(value, str) and value.strip() else None
