"""pi's session files, as pi and OpenClaw write them: one UsageEvent per assistant message (docs/agents/pi.md).

Where they are: the plug-ins tracker.sources.agents.pi and .openclaw (OpenClaw
runs pi's agent core and keeps its transcripts in pi's format). A session is
an append-only JSONL tree: a `{"type": "session", "id", "cwd", ...}` header,
then entries `{"type", "id", "parentId", "timestamp", ...}`; each model
response is a `"message"` entry whose `message` is pi-ai's AssistantMessage:
`{role: "assistant", api, provider, model, usage: {input, output, cacheRead,
cacheWrite, totalTokens, cost: {...}}, stopReason, timestamp (ms)}`.

A fork (`/fork`, `--fork`), a branch extracted into a new session, an
OpenClaw reset or deletion (the file renamed `.jsonl.reset.<time>` /
`.jsonl.deleted.<time>`) and a v1 session rewritten by pi's migration all
copy messages as they are: the key is made of the message's own fields (its
time, provider, model and counts), never of the file or the entry id (a
migration gives old entries new ids).
"""

from __future__ import annotations

from pathlib import Path

from tracker.core.records import UsageEvent
from tracker.core.tokens import Tokens
from tracker.sources import logfiles as lf
from tracker.sources.agents.openclaw import KIND as OPENCLAW
from tracker.sources.agents.pi import KIND as PI

# lines worth parsing: the header (session id, cwd), model changes (OpenClaw), and anything with usage
PATTERNS = (b'"usage"', b'"type":"session"', b'"model_change"', b'"model-snapshot"')
KNOWN_TYPES = frozenset({"session", "message", "thinking_level_change", "model_change", "compaction",
                         "branch_summary", "custom", "label", "session_info", "custom_message"})
KNOWN_ROLES = frozenset({"user", "toolResult", "bashExecution", "custom", "branchSummary", "compactionSummary"})
SKIP_NO_USAGE = "no_usage"  # an assistant message with zero counts (aborted before a response), other entries
# pi-ai provider ids that genai-prices spells otherwise; others are passed as they are (genai-prices falls
# back to finding the model alone when it does not know a provider)
PROVIDERS = {"amazon-bedrock": "aws", "google-vertex": "google", "google-gemini-cli": "google",
             "google-antigravity": "google", "openai-codex": "openai", "azure-openai-responses": "azure",
             "xai": "x-ai", "kimi-coding": "moonshotai", "zai": "zhipu"}
_MAX_MS = 32_503_680_000_000  # year 3000: a bigger number is not epoch milliseconds


def parse_pi(fh, start: int, limit: int, result: lf.ReadResult) -> None:
    _parse(fh, start, limit, result, PI)


def parse_openclaw(fh, start: int, limit: int, result: lf.ReadResult) -> None:
    _parse(fh, start, limit, result, OPENCLAW)


def _parse(fh, start: int, limit: int, result: lf.ReadResult, kind: str) -> None:
    state = result.state  # the header's session id and cwd, OpenClaw's current model: kept across appends
    if "session" not in state:
        state["session"] = _session_from_name(Path(getattr(fh, "name", "")).name)
    for line in lf.iter_lines(fh, start, limit, PATTERNS, result):
        record = lf.loads_line(line, result.skipped)
        if record is None:
            continue
        event = _entry(record, state, kind, result.skipped)
        if event is not None:
            result.events.append(event)


def _session_from_name(name: str) -> str:
    """pi: `<time>_<session id>.jsonl`; OpenClaw: `<session id>[-topic-<thread>].jsonl[.reset.<time>]`."""
    stem = name.split(".jsonl", 1)[0]
    return lf.path_text(stem.split("_", 1)[1] if "_" in stem else stem)


def _entry(record: dict, state: dict, source: str, skipped) -> UsageEvent | None:
    entry_type = record.get("type")
    if entry_type == "session":
        if isinstance(record.get("id"), str) and record["id"]:
            state["session"] = record["id"]
        if isinstance(record.get("cwd"), str) and record["cwd"]:
            state["cwd"] = record["cwd"]
        skipped[SKIP_NO_USAGE] += 1
        return None
    if entry_type == "model_change" or (entry_type == "custom" and record.get("customType") == "model-snapshot"):
        _model_change(record, state)
        skipped[SKIP_NO_USAGE] += 1
        return None
    if entry_type not in (None, "message"):  # v1 sessions had no type on message entries
        skipped[SKIP_NO_USAGE if isinstance(entry_type, str) and entry_type in KNOWN_TYPES else lf.UNKNOWN_KIND] += 1
        return None
    message = record.get("message")
    if not isinstance(message, dict):
        skipped[lf.NOT_AN_OBJECT if "message" in record else lf.UNKNOWN_KIND] += 1
        return None
    role = message.get("role")
    if role != "assistant":
        skipped[SKIP_NO_USAGE if isinstance(role, str) and role in KNOWN_ROLES else lf.UNKNOWN_KIND] += 1
        return None
    counts = _counts(message.get("usage"))
    if counts is None:
        skipped[lf.BAD_NUMBER] += 1
        return None
    if not any(counts):
        skipped[SKIP_NO_USAGE] += 1
        return None
    model = _text(message.get("model")) or _text(message.get("modelId")) or state.get("model")
    if not model:
        skipped[lf.MISSING_MODEL] += 1
        return None
    provider = _text(message.get("provider")) or state.get("provider")
    ts_ms = _ms(message.get("timestamp"))
    if ts_ms is None:
        ts_ms = lf.parse_ts_ms(record.get("timestamp")) if isinstance(record.get("timestamp"), str) else None
    if ts_ms is None:
        skipped[lf.BAD_TIMESTAMP] += 1
        return None
    inp, output, read, write = counts
    cwd = state.get("cwd")
    return UsageEvent(
        source=source,
        key=f"{ts_ms}:{provider or ''}:{model}:{inp}:{output}:{read}:{write}",
        ts_ms=ts_ms,
        model=model,
        tokens=Tokens(input_tokens=inp, cache_read_tokens=read, cache_write_5m_tokens=write, output_tokens=output),
        provider=PROVIDERS.get(provider, provider),
        session=state.get("session"),
        project=lf.project_of(cwd),
        cwd=cwd,
        tool_use=message.get("stopReason") == "toolUse",
    )


def _model_change(record: dict, state: dict) -> None:
    source = record.get("data") if isinstance(record.get("data"), dict) else record
    model = _text(source.get("modelId")) or _text(source.get("model"))
    if model:
        state["model"] = model
    provider = _text(source.get("provider"))
    if provider:
        state["provider"] = provider


def _counts(usage) -> tuple[int, int, int, int] | None:
    """(uncached input, output, cache read, cache write); None when a count is bad.

    pi-ai's `input` leaves the cached prompt out for every provider but its
    Google Generative AI and Vertex ones, which copy promptTokenCount (the
    cache included) while `totalTokens` is Google's total: there `totalTokens
    == input + output + cacheWrite`, and the cached part comes off the input.
    `output` includes thinking for every provider; no separate count is kept.
    """
    if not isinstance(usage, dict):
        return None
    values = [lf.count(usage.get(name, 0)) for name in ("input", "output", "cacheRead", "cacheWrite")]
    if None in values:
        return None
    inp, output, read, write = values
    total = usage.get("totalTokens")
    if total is not None and lf.count(total) is None:
        return None
    if read and read <= inp and total == inp + output + write:
        inp -= read
    return inp, output, read, write


def _text(value) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def _ms(value) -> int | None:
    if type(value) in (int, float) and 0 < value < _MAX_MS:
        return int(value)
    return lf.parse_ts_ms(value) if isinstance(value, str) else None
