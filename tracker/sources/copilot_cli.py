"""GitHub Copilot CLI usage: one UsageEvent per model call (docs/agents/copilot-cli.md).

Where the files are: the plug-in, tracker.sources.agents.copilot_cli. Two records:

* `session-store.db`, table `assistant_usage_events`: one row per model call
  (read whole, read-only, whenever the database or its WAL changed);
* OpenTelemetry JSON-lines exports: one `chat` span per model call (appended:
  read from a byte cursor). `invoke_agent` spans repeat the sum of their `chat`
  spans and are not counted again (`agent_total`).

Tokens: input is reported *including* cache reads and cache writes (the
GenAI semantic conventions, and the session store's rows); when it is smaller
than their sum the build reported it without them and it is taken as is.
Output includes reasoning. The key is the session and the call's raw counts,
so that the same call found in the store and in an export (or in two copies of
either) is one row: the store has no response id to match the span's.
"""

from __future__ import annotations

from tracker.core.records import UsageEvent
from tracker.core.tokens import Tokens
from tracker.sources import foreign_db
from tracker.sources import logfiles as lf
from tracker.sources.agents.copilot_cli import KIND

SKIP_AGENT_TOTAL = "agent_total"  # an invoke_agent span: the sum of its chat spans
SKIP_NO_USAGE = "no_usage"  # a record with no tokens (or a store without a usage table)
SKIP_NOT_A_SPAN = "not_a_span"  # a metric or log record that mentions token attributes
USAGE_TABLE = "assistant_usage_events"
REQUIRED_COLUMNS = frozenset({"session_id", "model", "input_tokens", "output_tokens", "created_at"})
OPTIONAL_COLUMNS = ("cache_read_tokens", "cache_write_tokens", "reasoning_tokens", "copilot_usage_model",
                    "finish_reason")
OTEL_PATTERNS = (b"gen_ai.usage.",)  # a line without it carries no token count
MAX_TIME_MS = 253_402_300_799_999  # 9999-12-31: a later time is damage (and would not fit the store)

# OpenTelemetry attribute names, current first; Copilot CLI before 1.0.64 wrote the
# underscore spellings, other emitters the older semantic-convention names
INPUT_ATTRS = ("gen_ai.usage.input_tokens", "gen_ai.usage.prompt_tokens")
OUTPUT_ATTRS = ("gen_ai.usage.output_tokens", "gen_ai.usage.completion_tokens")
CACHE_READ_ATTRS = ("gen_ai.usage.cache_read.input_tokens", "gen_ai.usage.cache_read_input_tokens")
CACHE_WRITE_ATTRS = ("gen_ai.usage.cache_creation.input_tokens", "gen_ai.usage.cache_write.input_tokens",
                     "gen_ai.usage.cache_creation_input_tokens")
REASONING_ATTRS = ("gen_ai.usage.reasoning.output_tokens", "gen_ai.usage.reasoning_output_tokens",
                   "gen_ai.usage.reasoning_tokens")
MODEL_ATTRS = ("gen_ai.response.model", "gen_ai.request.model")
SESSION_ATTRS = ("gen_ai.conversation.id", "copilot_chat.session_id", "copilot_chat.chat_session_id", "session.id")


def parse(fh, start: int, limit: int, result: lf.ReadResult) -> None:
    if str(getattr(fh, "name", "")).endswith(".db"):
        _parse_store(fh.name, result)
    else:
        _parse_otel(fh, start, limit, result)


# -- shared: one call's counts ------------------------------------------------------
def call_tokens(inp: int, out: int, cache_read: int, cache_write: int, reasoning: int) -> Tokens:
    """The token classes of one call from Copilot's counts (input inclusive of the cache, as documented)."""
    uncached = inp - cache_read - cache_write if inp >= cache_read + cache_write else inp
    return Tokens(input_tokens=uncached, cache_read_tokens=cache_read, cache_write_5m_tokens=cache_write,
                  output_tokens=out, reasoning_tokens=min(reasoning, out))


def call_key(session: str, counts: tuple[int, int, int, int]) -> str:
    """Session + the raw input, output, cache-read and cache-write counts: one call wherever it was recorded."""
    return f"{session}:{counts[0]}:{counts[1]}:{counts[2]}:{counts[3]}"


def _event(session: str, counts: tuple[int, int, int, int], reasoning: int, ts_ms: int, model: str,
           **fields) -> UsageEvent:
    return UsageEvent(source=KIND, key=call_key(session, counts), ts_ms=ts_ms, model=model,
                      tokens=call_tokens(*counts, reasoning), session=session, **fields)


# -- the session store -----------------------------------------------------------------
def _parse_store(path: str, result: lf.ReadResult) -> None:
    skipped = result.skipped
    with foreign_db.read_only(path) as conn:
        columns = foreign_db.columns(conn, USAGE_TABLE)
        if not columns:
            skipped[SKIP_NO_USAGE] += 1  # a store written before usage rows were kept (before 1.0.69)
            return
        if not REQUIRED_COLUMNS <= columns:
            skipped[lf.UNKNOWN_KIND] += 1
            return
        optional = ", ".join(f"e.{name}" if name in columns else "NULL" for name in OPTIONAL_COLUMNS)
        sessions = foreign_db.columns(conn, "sessions")
        joined = {"id", "cwd"} <= sessions
        branch = "s.branch" if joined and "branch" in sessions else "NULL"
        sql = (f"SELECT e.session_id, e.model, e.input_tokens, e.output_tokens, e.created_at, {optional}, "
               + (f"s.cwd, {branch} FROM {USAGE_TABLE} e LEFT JOIN sessions s ON s.id = e.session_id"
                  if joined else f"NULL, NULL FROM {USAGE_TABLE} e"))
        for row in conn.execute(sql):
            result.lines_seen += 1
            event = _store_event(row, skipped)
            if event is not None:
                result.events.append(event)


def _store_event(row, skipped) -> UsageEvent | None:
    session, model, inp, out, created, cache_read, cache_write, reasoning, usage_model, finish, cwd, branch = row
    # NULL: a count the provider did not report (nothing of that class)
    counts = [0 if v is None else lf.count(v) for v in (inp, out, cache_read, cache_write, reasoning)]
    if None in counts:
        skipped[lf.BAD_NUMBER] += 1
        return None
    if not any(counts):
        skipped[SKIP_NO_USAGE] += 1
        return None
    model = usage_model if isinstance(usage_model, str) and usage_model.strip() else model
    if not isinstance(model, str) or not model.strip():
        skipped[lf.MISSING_MODEL] += 1
        return None
    ts_ms = _time_ms(created)
    if ts_ms is None:
        skipped[lf.BAD_TIMESTAMP] += 1
        return None
    if not isinstance(session, str) or not session:
        skipped[lf.UNKNOWN_KIND] += 1
        return None
    cwd = cwd if isinstance(cwd, str) and cwd else None
    return _event(session, tuple(counts[:4]), counts[4], ts_ms, model.strip(), project=lf.project_of(cwd), cwd=cwd,
                  git_branch=branch if isinstance(branch, str) and branch else None,
                  tool_use=finish == "tool_calls" if isinstance(finish, str) else None)


def _time_ms(value) -> int | None:
    """A time as text (SQLite's `YYYY-MM-DD HH:MM:SS`, UTC, or RFC 3339) or epoch seconds / milliseconds."""
    if isinstance(value, str):
        return lf.parse_ts_ms(value)
    if type(value) in (int, float) and 0 < value < 1e14:  # (NaN fails the test)
        return int(value) if value >= 1e11 else int(value * 1000)
    return None


# -- OpenTelemetry exports ---------------------------------------------------------------
def _parse_otel(fh, start: int, limit: int, result: lf.ReadResult) -> None:
    # a span exported twice (same key) is resolved, and counted, by the importer's batch
    skipped = result.skipped
    for line in lf.iter_lines(fh, start, limit, OTEL_PATTERNS, result):
        record = lf.loads_line(line, skipped)
        if record is None:
            continue
        spans = _otlp_spans(record, skipped) if "resourceSpans" in record else (record,)
        for span in spans:
            event = _span_event(span, skipped)
            if event is not None:
                result.events.append(event)


def _otlp_spans(record: dict, skipped):
    """The spans of an OTLP/JSON export line (resourceSpans > scopeSpans > spans), as flat records."""
    for resource in _list(record.get("resourceSpans")):
        for scope in _list(resource.get("scopeSpans") if isinstance(resource, dict) else None):
            for span in _list(scope.get("spans") if isinstance(scope, dict) else None):
                if not isinstance(span, dict):
                    skipped[lf.NOT_AN_OBJECT] += 1
                    continue
                attributes = {}
                for item in _list(span.get("attributes")):
                    if isinstance(item, dict) and isinstance(item.get("key"), str) \
                            and isinstance(item.get("value"), dict):
                        attributes[item["key"]] = _any_value(item["value"])
                yield dict(span, type="span", attributes=attributes)


def _list(value) -> list:
    return value if isinstance(value, list) else []


def _any_value(value: dict):
    """An OTLP AnyValue: {"intValue": "12"} (64-bit integers are text in OTLP/JSON), {"stringValue": ...}."""
    for name in ("stringValue", "intValue", "doubleValue", "boolValue", "arrayValue"):
        if name in value:
            inner = value[name]
            if name == "intValue" and isinstance(inner, str) and inner.isdigit():
                return int(inner)
            if name == "arrayValue" and isinstance(inner, dict):
                return [_any_value(v) for v in _list(inner.get("values")) if isinstance(v, dict)]
            return inner
    return None


def _is_span(record: dict) -> bool:
    kind = record.get("type")
    if kind is not None:
        return kind == "span"
    # the VS Code-style exporter writes spans without a type: a name and a span identity
    return isinstance(record.get("name"), str) and any(
        name in record for name in ("spanId", "traceId", "spanContext", "endTime"))


def _span_event(record: dict, skipped) -> UsageEvent | None:
    attributes = record.get("attributes")
    if not isinstance(attributes, dict):
        skipped[lf.NOT_AN_OBJECT if "attributes" in record else SKIP_NO_USAGE] += 1
        return None
    if not _is_span(record):
        skipped[SKIP_NOT_A_SPAN] += 1
        return None
    name = record.get("name") if isinstance(record.get("name"), str) else ""
    operation = attributes.get("gen_ai.operation.name")
    if not isinstance(operation, str):
        operation = name.split(" ", 1)[0]
    if operation == "invoke_agent":
        skipped[SKIP_AGENT_TOTAL] += 1
        return None
    counts = [_attr_count(attributes, names) for names in (INPUT_ATTRS, OUTPUT_ATTRS, CACHE_READ_ATTRS,
                                                              CACHE_WRITE_ATTRS, REASONING_ATTRS)]
    if None in counts:
        skipped[lf.BAD_NUMBER] += 1
        return None
    if operation != "chat":
        skipped[lf.UNKNOWN_KIND if any(counts) else SKIP_NO_USAGE] += 1
        return None
    if not any(counts):
        skipped[SKIP_NO_USAGE] += 1
        return None
    model = next((attributes[n].strip() for n in MODEL_ATTRS
                  if isinstance(attributes.get(n), str) and attributes[n].strip()), None)
    if model is None:
        skipped[lf.MISSING_MODEL] += 1
        return None
    ts_ms = _span_time_ms(record)
    if ts_ms is None:
        skipped[lf.BAD_TIMESTAMP] += 1
        return None
    trace = _trace_id(record)
    session = next((attributes[n] for n in SESSION_ATTRS if isinstance(attributes.get(n), str) and attributes[n]),
                   None) or (f"trace:{trace}" if trace else "unknown")
    reasons = attributes.get("gen_ai.response.finish_reasons")
    tool_use = ("tool_calls" in reasons) if isinstance(reasons, (list, str)) else None
    return _event(session, tuple(counts[:4]), counts[4], ts_ms, model, tool_use=tool_use)


def _attr_count(attributes: dict, names: tuple[str, ...]) -> int | None:
    """The first of `names` present, as a count (0 when none is); None when it is not a count."""
    for name in names:
        if name in attributes:
            value = attributes[name]
            if isinstance(value, str) and value.strip().isdigit():
                return int(value)
            return lf.count(value)
    return 0


def _trace_id(record: dict) -> str | None:
    context = record.get("spanContext") if isinstance(record.get("spanContext"), dict) else {}
    trace = record.get("traceId") or context.get("traceId")
    return trace if isinstance(trace, str) and trace else None


def _span_time_ms(record: dict) -> int | None:
    """When the call ended (else started): HrTime [seconds, nanoseconds], Unix nanoseconds, or RFC 3339."""
    ts_ms = _span_time_or_damage(record)
    return ts_ms if ts_ms is not None and 0 < ts_ms <= MAX_TIME_MS else None


def _span_time_or_damage(record: dict) -> int | None:
    for name in ("endTime", "startTime"):
        value = record.get(name)
        if isinstance(value, list) and len(value) == 2 and all(lf.count(v) is not None for v in value):
            return int(value[0]) * 1000 + int(value[1]) // 1_000_000
        if isinstance(value, str):
            return lf.parse_ts_ms(value)
    for name in ("endTimeUnixNano", "startTimeUnixNano", "timeUnixNano"):
        value = record.get(name)
        if isinstance(value, str) and value.isdigit():
            value = int(value)
        if lf.count(value):
            return value // 1_000_000
    return None
