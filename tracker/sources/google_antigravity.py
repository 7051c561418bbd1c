"""Antigravity conversation databases: one UsageEvent per model generation (docs/agents/antigravity.md).

Where they are: the plug-in, tracker.sources.agents.google_antigravity. Each
conversation is an SQLite database whose table `gen_metadata (idx, data)`
holds one row per model call, `data` being the language server's
`exa.cortex_pb.CortexStepGeneratorMetadata` protobuf. Field numbers (from the
descriptors the app ships, as decoded in public clients):

    CortexStepGeneratorMetadata  1 chat_model (ChatModelMetadata), 2 step_indices, 7 injected
    ChatModelMetadata            4 usage (ModelUsageStats), 9 chat_start_metadata (4 created_at),
                                 17 retry_infos (each repeats the usage: never summed), 19 response_model,
                                 21 the model's display label
    ModelUsageStats              1 model (an enum: NOT a token count), 2 input, 3 output, 4 cache write,
                                 5 cache read, 9 thinking output, 10 response output, 7 message id,
                                 11 response id
    CortexTrajectoryMetadata     1 workspaces (1 folder URI), 2 created_at   (trajectory_metadata_blob)
    CortexStepMetadata           1 created_at                                (steps.metadata)

The reader walks exactly chat_model -> usage and never searches the blob,
which also holds the whole prompt (system prompt, files read): nothing of it
is kept but the counts, ids, model, time and workspace folder.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlparse

from tracker.core.records import UsageEvent
from tracker.core.tokens import Tokens
from tracker.sources import foreign_db
from tracker.sources import logfiles as lf
from tracker.sources import protowire as pw
from tracker.sources.agents.google_antigravity import KIND

SKIP_NO_USAGE = "no_usage"  # an injected response, a generation that failed before usage, all counts zero
SKIP_INVALID_PROTOBUF = "invalid_protobuf"  # a blob that is not well-formed protobuf (damaged, or another format)
ROUTING_LABELS = frozenset({"gemini-default"})  # names the router, not the model that answered
PLACEHOLDER_BASE = 1000  # Model enum: MODEL_PLACEHOLDER_M<n> = 1000 + n


def parse(fh, start: int, limit: int, result: lf.ReadResult) -> None:
    path = Path(getattr(fh, "name", ""))
    with foreign_db.read_only(str(path)) as conn:
        if not {"idx", "data"} <= foreign_db.columns(conn, "gen_metadata"):
            result.skipped[lf.UNKNOWN_KIND] += 1  # not a conversation database, or a shape not known yet
            return
        rows = conn.execute("SELECT idx, data FROM gen_metadata ORDER BY idx").fetchall()
        trajectory = _trajectory(conn)
        step_times = _StepTimes(conn)
        conversation = lf.path_text(path.stem)
        generations = []
        for idx, data in rows:
            result.lines_seen += 1
            generation = _generation(idx, data, result)
            if generation is not None:
                generations.append(generation)
        models = _models_by_label(generations)
        for generation in generations:
            event = _event(generation, conversation, trajectory, step_times, models, result.skipped)
            if event is not None:
                result.events.append(event)


class _Generation:
    """What one gen_metadata row says, before its model and time are settled."""

    __slots__ = ("idx", "counts", "key", "model", "label", "enum", "created_ms", "steps")

    def __init__(self, idx, counts, key, model, label, enum, created_ms, steps):
        self.idx, self.counts, self.key, self.model, self.label = idx, counts, key, model, label
        self.enum, self.created_ms, self.steps = enum, created_ms, steps


def _generation(idx, data, result: lf.ReadResult) -> _Generation | None:
    if not isinstance(data, bytes) or type(idx) is not int:
        result.skipped[lf.NOT_AN_OBJECT] += 1
        return None
    result.bytes_read += len(data)
    try:
        outer = pw.scan(data)
        chat_raw = pw.message(outer, 1)
        if chat_raw is None:  # an injected response (field 7) or an error: no model call to count
            result.skipped[SKIP_NO_USAGE] += 1
            return None
        chat = pw.scan(chat_raw)
        usage_raw = pw.message(chat, 4)
        usage = pw.scan(usage_raw) if usage_raw is not None else {}
        start = pw.message(chat, 9)
        created_ms = pw.timestamp_ms(pw.message(pw.scan(start), 4)) if start is not None else None
        steps = pw.varints(outer, 2)
    except pw.WireError:
        result.skipped[SKIP_INVALID_PROTOBUF] += 1
        return None
    counts = _counts(usage)
    if counts is None:
        result.skipped[lf.BAD_NUMBER] += 1
        return None
    if not any(counts):
        result.skipped[SKIP_NO_USAGE] += 1
        return None
    key = pw.text(usage, 11) or pw.text(usage, 7) or pw.text(usage, 12)
    model = pw.text(chat, 19)
    return _Generation(idx, counts, key, None if model in ROUTING_LABELS else model, pw.text(chat, 21),
                       pw.varint(usage, 1) or pw.varint(chat, 3), created_ms, steps)


def _counts(usage: dict) -> tuple[int, int, int, int, int] | None:
    """(input, cache read, cache write, output, reasoning); None when a count is out of range.

    Output is ModelUsageStats.output_tokens (thinking + response, as the app
    writes it); without it, their sum. Reasoning is the thinking part.
    """
    values = [pw.varint(usage, n) for n in (2, 5, 4, 3, 9, 10)]
    inp, read, write, output, thinking, response = (v or 0 for v in values)
    if max(inp, read, write, output, thinking, response) >= lf.MAX_REQUEST_TOKENS:
        return None
    if values[3] is None:
        output = thinking + response
    return inp, read, write, output, min(thinking, output)


def _models_by_label(generations: list[_Generation]) -> dict[str, str]:
    """{display label: model id} from the rows that name both (a continuation turn often names only the label);
    a label seen with two different ids is left out (no guess)."""
    seen: dict[str, str | None] = {}
    for g in generations:
        if g.label and g.model:
            seen[g.label] = g.model if seen.get(g.label, g.model) == g.model else None
    return {label: model for label, model in seen.items() if model}


def _event(g: _Generation, conversation: str, trajectory: tuple[int | None, str | None], step_times: "_StepTimes",
           models: dict[str, str], skipped) -> UsageEvent | None:
    model = g.model or models.get(g.label or "") or _enum_model(g.enum)
    if not model:
        skipped[lf.MISSING_MODEL] += 1
        return None
    created_ms, cwd = trajectory
    ts_ms = g.created_ms or step_times.first(g.steps) or created_ms
    if ts_ms is None:
        skipped[lf.BAD_TIMESTAMP] += 1
        return None
    inp, read, write, output, reasoning = g.counts
    return UsageEvent(
        source=KIND,
        key=g.key or f"{conversation}:{g.idx}",
        ts_ms=ts_ms,
        model=model,
        tokens=Tokens(input_tokens=inp, cache_read_tokens=read, cache_write_5m_tokens=write,
                      output_tokens=output, reasoning_tokens=reasoning),
        session=conversation,
        project=lf.project_of(cwd),
        cwd=cwd,
    )


def _enum_model(enum: int | None) -> str | None:
    """The Model enum's name when the row names no model id (unpriced: placeholders are reassigned by the server)."""
    if enum is None or enum <= 0:
        return None
    return f"model_placeholder_m{enum - PLACEHOLDER_BASE}" if enum >= PLACEHOLDER_BASE else f"antigravity-model-{enum}"


def _trajectory(conn) -> tuple[int | None, str | None]:
    """(the conversation's creation time, its first workspace folder) from trajectory_metadata_blob."""
    if "data" not in foreign_db.columns(conn, "trajectory_metadata_blob"):
        return None, None
    for (data,) in conn.execute("SELECT data FROM trajectory_metadata_blob ORDER BY rowid"):
        if not isinstance(data, bytes):
            continue
        try:
            found = pw.scan(data)
            workspace = pw.message(found, 1)
            uri = pw.text(pw.scan(workspace), 1) if workspace is not None else None
            return pw.timestamp_ms(pw.message(found, 2)), _folder(uri)
        except pw.WireError:
            continue
    return None, None


def _folder(uri: str | None) -> str | None:
    if not uri:
        return None
    if not uri.startswith("file:"):
        return uri
    path = unquote(urlparse(uri).path)
    if len(path) > 2 and path[0] == "/" and path[2] == ":":  # file:///C:/work -> C:/work
        path = path[1:]
    return path or None


class _StepTimes:
    """Each step's created_at (steps.metadata field 1), read once and only when a generation names no time
    of its own (agy 1.1.18 and later dropped chat_start_metadata.created_at)."""

    def __init__(self, conn):
        self._conn, self._times = conn, None

    def first(self, indices: list[int]) -> int | None:
        if not indices:
            return None
        if self._times is None:
            self._times = self._load()
        return next((self._times[i] for i in indices if i in self._times), None)

    def _load(self) -> dict[int, int]:
        times: dict[int, int] = {}
        if not {"idx", "metadata"} <= foreign_db.columns(self._conn, "steps"):
            return times
        for idx, data in self._conn.execute("SELECT idx, metadata FROM steps WHERE metadata IS NOT NULL"):
            if type(idx) is not int or not isinstance(data, bytes):
                continue
            try:
                ms = pw.timestamp_ms(pw.message(pw.scan(data), 1))
            except pw.WireError:
                continue
            if ms is not None:
                times[idx] = ms
        return times
