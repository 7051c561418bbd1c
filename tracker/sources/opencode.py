"""OpenCode's sessions: one UsageEvent per assistant response (docs/agents/opencode.md).

Where they are: the plug-in, tracker.sources.agents.opencode. Three stores,
all rewritten in place (read whole when they change):

* `opencode*.db` (SQLite, 1.2 and later): table `message` (`id`, `session_id`,
  `data` = the message as JSON without its id), and from the 2.0 runtime also
  `session_message` (`type = 'assistant'` rows, `data` with `model: {id,
  providerID}`); the same response may be in both, under one id;
* `storage/message/<session>/<message>.json` (0.x-1.1; 1.2 copied it into the
  database on its first start and left it in place);
* `project/<name>/storage/session/message/<session>/<message>.json` (the
  earliest builds; their messages kept usage under `metadata.assistant`).

One assistant message is one model response (one "step") in every build since
late 2025, and its `tokens` are that response's. Its key is made of the
response's own fields, not of its id: a forked session copies every earlier
message under a new id with the same time, model and counts, and the JSON
store and the database hold the same message twice.

Tokens: `input` is uncached input, `cache.read` / `cache.write` the cached
parts, `output` and `reasoning` as the build wrote them: since 2026 (AI SDK 6)
`output` leaves reasoning out, before that it held it for OpenAI and left it
out for Google. `total`, where written, says which (see _output).
"""

from __future__ import annotations

from pathlib import Path

from tracker.core.records import UsageEvent
from tracker.core.tokens import Tokens
from tracker.sources import foreign_db
from tracker.sources import logfiles as lf
from tracker.sources.agents.opencode import KIND

SKIP_NO_USAGE = "no_usage"  # an assistant message without tokens yet (streaming, or failed before a response)
SKIP_IN_PROGRESS = "in_progress"  # counts written, but the response not finished: read when it is
SKIP_DUPLICATE = "duplicate"  # the same message in session_message and message
SKIP_FORK_COPY = "fork_copy"  # a forked session's copy of an earlier response
KNOWN_ROLES = frozenset({"user", "system"})
# OpenCode provider ids (models.dev) that genai-prices spells otherwise; others are passed as they are
# (genai-prices falls back to finding the model alone when it does not know a provider)
PROVIDERS = {"amazon-bedrock": "aws", "google-vertex": "google", "google-vertex-anthropic": "google",
             "xai": "x-ai"}
_MAX_MS = 32_503_680_000_000  # year 3000: a bigger number is not epoch milliseconds


def parse(fh, start: int, limit: int, result: lf.ReadResult) -> None:
    name = getattr(fh, "name", "")
    if name.endswith(".db"):
        _parse_database(name, result)
    else:
        _parse_message_file(fh, limit, result, Path(name))


# -- the JSON store: one message per file ----------------------------------------------
def _parse_message_file(fh, limit: int, result: lf.ReadResult, path: Path) -> None:
    record = lf.read_json_document(fh, limit, result)
    if record is None:  # caught mid-rewrite: read again when it changes
        return
    session = lf.path_text(path.parent.name)
    event = _event(record, session, None, result.skipped)
    if event is not None:
        result.events.append(event)


# -- the database ----------------------------------------------------------------------
def _parse_database(path: str, result: lf.ReadResult) -> None:
    with foreign_db.read_only(path) as conn:
        tables = {name: foreign_db.columns(conn, name) for name in ("message", "session_message", "session")}
        if not _has(tables["message"], "id", "session_id", "data") and \
                not _has(tables["session_message"], "id", "session_id", "type", "data"):
            result.skipped[lf.UNKNOWN_KIND] += 1  # not OpenCode's, or a shape not known yet
            return
        directory = _has(tables["session"], "id", "directory")
        rows = []
        if _has(tables["session_message"], "id", "session_id", "type", "data"):
            rows += conn.execute(_select("session_message", directory, "AND m.type = 'assistant'")).fetchall()
        if _has(tables["message"], "id", "session_id", "data"):
            rows += conn.execute(_select("message", directory, "")).fetchall()
    seen_ids: set = set()
    seen_keys: set[str] = set()
    for message_id, session, data, cwd in rows:
        if message_id in seen_ids:  # a 2.0 response in both projections: session_message came first
            result.skipped[SKIP_DUPLICATE] += 1
            continue
        seen_ids.add(message_id)
        result.lines_seen += 1
        if isinstance(data, str):
            data = data.encode("utf-8", "surrogatepass")
        if not isinstance(data, bytes):
            result.skipped[lf.NOT_AN_OBJECT] += 1
            continue
        result.bytes_read += len(data)
        record = lf.loads_line(data, result.skipped)
        if record is None:
            continue
        event = _event(record, session if isinstance(session, str) else None,
                       cwd if isinstance(cwd, str) else None, result.skipped)
        if event is None:
            continue
        if event.key in seen_keys:  # ids ascend with time: the original comes before its copies
            result.skipped[SKIP_FORK_COPY] += 1
            continue
        seen_keys.add(event.key)
        result.events.append(event)


def _has(columns: set[str], *names: str) -> bool:
    return set(names) <= columns


def _select(table: str, directory: bool, where: str) -> str:
    cwd = "s.directory" if directory else "NULL"
    join = "LEFT JOIN session s ON s.id = m.session_id" if directory else ""
    return f"SELECT m.id, m.session_id, m.data, {cwd} FROM {table} m {join} WHERE 1 {where} ORDER BY m.id"


# -- one message -----------------------------------------------------------------------
def _event(record: dict, session: str | None, directory: str | None, skipped) -> UsageEvent | None:
    info = record
    if "metadata" in record and "role" in record and "tokens" not in record:
        meta = record.get("metadata")  # the earliest builds: usage under metadata.assistant
        if not isinstance(meta, dict):
            skipped[lf.UNKNOWN_KIND] += 1
            return None
        info = meta.get("assistant") if record.get("role") == "assistant" else None
        if info is not None and not isinstance(info, dict):
            skipped[lf.UNKNOWN_KIND] += 1
            return None
        if info is not None:
            info = dict(info, time=meta.get("time"), sessionID=meta.get("sessionID"))
    role = record.get("role", record.get("type"))
    if role != "assistant" or info is None:
        if not isinstance(role, str) or role not in KNOWN_ROLES:
            skipped[lf.UNKNOWN_KIND] += 1
        return None
    raw = info.get("tokens")
    if raw is None:
        skipped[SKIP_NO_USAGE] += 1
        return None
    counts = _counts(raw)
    if counts is None:
        skipped[lf.BAD_NUMBER] += 1
        return None
    if not any(counts[:5]):
        skipped[SKIP_NO_USAGE] += 1
        return None
    time = info.get("time") if isinstance(info.get("time"), dict) else {}
    if not (time.get("completed") or info.get("finish") or info.get("error")):
        skipped[SKIP_IN_PROGRESS] += 1
        return None
    model, provider = _model(info)
    if not model:
        skipped[lf.MISSING_MODEL] += 1
        return None
    ts_ms = _ms(time.get("created"))
    if ts_ms is None:
        skipped[lf.BAD_TIMESTAMP] += 1
        return None
    inp, out, reasoning, read, write, total = counts
    output = _output(out, reasoning, inp + read + write, total, "model" in info and "modelID" not in info)
    sid = info.get("sessionID") if isinstance(info.get("sessionID"), str) else session
    path = info.get("path")
    cwd = path.get("cwd") if isinstance(path, dict) and isinstance(path.get("cwd"), str) else directory
    return UsageEvent(
        source=KIND,
        key=f"{ts_ms}:{provider or ''}:{model}:{inp}:{out}:{reasoning}:{read}:{write}",
        ts_ms=ts_ms,
        model=model,
        tokens=Tokens(input_tokens=inp, cache_read_tokens=read, cache_write_5m_tokens=write,
                      output_tokens=output, reasoning_tokens=reasoning),
        provider=PROVIDERS.get(provider, provider),
        session=sid,
        project=lf.project_of(cwd),
        cwd=cwd or None,
        tool_use=_tool_use(info),
    )


def _counts(raw) -> tuple[int, int, int, int, int, int | None] | None:
    """(input, output, reasoning, cache read, cache write, total or None); None when a count is bad."""
    if not isinstance(raw, dict):
        return None
    cache = raw.get("cache", {})
    if cache is None:
        cache = {}
    if not isinstance(cache, dict):
        return None
    values = [lf.count(raw.get(name, 0)) for name in ("input", "output", "reasoning")]
    values += [lf.count(cache.get(name, 0)) for name in ("read", "write")]
    if None in values:
        return None
    total = raw.get("total")
    return (*values, lf.count(total) if total is not None else None)


def _output(out: int, reasoning: int, prompt: int, total: int | None, runtime_2: bool) -> int:
    """Output including reasoning, from the counts as the build wrote them.

    `total` settles it: input + cached + output (+ reasoning when reasoning was
    left out of output). Without it: the 2.0 runtime (session_message) always
    leaves reasoning out; builds before `total` existed (2025) left it in for
    OpenAI, the usual reasoning provider, unless reasoning exceeds output.
    """
    if total is not None and reasoning:
        if total == prompt + out + reasoning:
            return out + reasoning
        if total == prompt + out:
            return out
    return out + reasoning if runtime_2 or reasoning > out else out


def _model(info: dict) -> tuple[str | None, str | None]:
    model, provider = info.get("modelID"), info.get("providerID")
    ref = info.get("model")
    if model is None and isinstance(ref, dict):  # the 2.0 runtime: model: {id, providerID}
        model, provider = ref.get("id", ref.get("modelID")), ref.get("providerID")
    return (model if isinstance(model, str) and model else None,
            provider if isinstance(provider, str) and provider else None)


def _ms(value) -> int | None:
    if type(value) in (int, float) and 0 < value < _MAX_MS:
        return int(value)
    return lf.parse_ts_ms(value) if isinstance(value, str) else None


def _tool_use(info: dict) -> bool:
    if info.get("finish") in ("tool-calls", "tool_calls"):
        return True
    content = info.get("content")
    return isinstance(content, list) and any(isinstance(c, dict) and c.get("type") == "tool" for c in content)

