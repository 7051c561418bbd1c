"""Cursor's dashboard usage CSV: one UsageEvent per row (docs/agents/cursor.md).

Columns are found by name (the export has grown: `Kind`, `Max Mode`, then
`Cloud Agent ID`, `Automation ID`; an older one had `Cost to you`). Tokens:
`Input (w/o Cache Write)` is uncached input, `Input (w/ Cache Write)` minus it
is cache writes, `Cache Read`, `Output Tokens`. `Cost` is Cursor's figure for
the row (for "Included" rows covered by the plan, not money paid): not kept;
the tokens are priced. A row has no id: its key hashes its own fields, and
identical rows (same millisecond) are told apart by their rank, so the same or
an overlapping export again lands on the same keys.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections import Counter

from tracker.core.records import UsageEvent
from tracker.core.tokens import Tokens
from tracker.sources import logfiles as lf
from tracker.sources.agents.cursor import KIND

SKIP_NO_USAGE = "no_usage"
DATE, MODEL, WITH_WRITES, WITHOUT_WRITES = "Date", "Model", "Input (w/ Cache Write)", "Input (w/o Cache Write)"
CACHE_READ, OUTPUT, KIND_COLUMN, MAX_MODE = "Cache Read", "Output Tokens", "Kind", "Max Mode"
IDENTITY = ("Cloud Agent ID", "Automation ID", "User")  # columns that tell a row's origin, where present
# Cursor's names: "claude-4.5-sonnet-thinking", "claude-4.6-opus-high-thinking" -> genai-prices' "claude-sonnet-4-5"
_CLAUDE = re.compile(r"^claude-(\d+(?:\.\d+)?)-(opus|sonnet|haiku)((?:-(?:low|medium|high|xhigh|max|thinking|fast))*)$")
_EFFORT = re.compile(r"-(?:low|medium|high|xhigh|max|fast)(?:-thinking)?$|-thinking$")


def parse(fh, start: int, limit: int, result: lf.ReadResult) -> None:
    data = lf.read_document(fh, limit, result)
    if data is None:
        return
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        result.skipped[lf.NON_UTF8] += 1
        return
    rows = csv.reader(io.StringIO(text, newline=""))
    header = next(rows, None)
    if not header or not all(c in header for c in (DATE, MODEL, WITHOUT_WRITES)):
        result.skipped[lf.UNKNOWN_KIND] += 1
        return
    col = {name.strip(): i for i, name in enumerate(header)}
    seen: Counter = Counter()
    for row in rows:
        if not any(cell.strip() for cell in row):
            continue
        result.lines_seen += 1
        event = _event(row, col, result.skipped)
        if event is None:
            continue
        seen[event.key] += 1
        event.key = f"{event.key}#{seen[event.key]}"
        result.events.append(event)


def _cell(row, col, name) -> str:
    i = col.get(name)
    return row[i].strip() if i is not None and i < len(row) else ""


def _count(text: str) -> int | None:
    if text == "":
        return 0
    try:
        return lf.count(int(text.replace(",", "")))
    except ValueError:
        return None


def _event(row, col, skipped) -> UsageEvent | None:
    if len(row) < len(col):
        skipped[lf.NOT_AN_OBJECT] += 1  # a short row: not a record of the header's shape
        return None
    counts = [_count(_cell(row, col, name)) for name in (WITH_WRITES, WITHOUT_WRITES, CACHE_READ, OUTPUT)]
    if any(c is None for c in counts):
        skipped[lf.BAD_NUMBER] += 1
        return None
    with_writes, uncached, reads, output = counts
    if not (with_writes or uncached or reads or output):
        skipped[SKIP_NO_USAGE] += 1  # errored requests, free tool calls: no tokens
        return None
    model = _cell(row, col, MODEL)
    if not model:
        skipped[lf.MISSING_MODEL] += 1
        return None
    date = _cell(row, col, DATE)
    ts_ms = lf.parse_ts_ms(date)
    if ts_ms is None:
        skipped[lf.BAD_TIMESTAMP] += 1
        return None
    identity = "|".join([date, _cell(row, col, KIND_COLUMN), model, _cell(row, col, MAX_MODE)]
                        + [_cell(row, col, name) for name in IDENTITY] + [str(c) for c in counts])
    return UsageEvent(
        source=KIND,
        key=hashlib.sha1(identity.encode()).hexdigest()[:24],
        ts_ms=ts_ms,
        model=cursor_model(model),
        tokens=Tokens(input_tokens=uncached, cache_read_tokens=reads,
                      cache_write_5m_tokens=max(0, with_writes - uncached), output_tokens=output),
    )


def cursor_model(name: str) -> str:
    """Cursor's display ids in genai-prices' form where the pattern is known; others as logged."""
    claude = _CLAUDE.match(name)
    if claude:
        version, family = claude.group(1), claude.group(2)
        return f"claude-{family}-{version.replace('.', '-')}"
    return _EFFORT.sub("", name)
