"""GitHub Copilot CLI: where its usage is recorded and how it is counted (reader: tracker.sources.copilot_cli).

Where: `$COPILOT_HOME` (comma-separated; default `~/.copilot`). Two records of
model calls live there:
* `session-store.db` (SQLite, WAL mode; Copilot CLI 1.0.69 and later): one
  `assistant_usage_events` row per model call. Read whole when it or its
  `-wal` changed.
* `otel/*.jsonl`: OpenTelemetry file exports (opt-in: `COPILOT_OTEL_ENABLED`,
  `COPILOT_OTEL_FILE_EXPORTER_PATH`; Copilot CLI 1.0.4 and later), one `chat`
  span per model call, appended. The file named by
  `$COPILOT_OTEL_FILE_EXPORTER_PATH` is read too (as ccusage reads it).
The per-session event logs (`session-state/<id>/events.jsonl`) hold no
per-call usage (the `assistant.usage` event is never written to disk), only
session totals at shutdown: not read. docs/agents/copilot-cli.md
"""

from __future__ import annotations

import os

from tracker.sources import discovery

TYPE_CHECKING = False  # (for the annotations only: the folders are found as text, discovery.join)
if TYPE_CHECKING:
    from pathlib import Path

KIND = "copilot_cli"
# genai-prices has Copilot's own list for the models it serves; a model missing there is
# priced at its maker's list (the pricer falls back across providers)
PROVIDER = "github-copilot"
ENV = "COPILOT_HOME"
OTEL_FILE_ENV = "COPILOT_OTEL_FILE_EXPORTER_PATH"
STORE_NAME = "session-store.db"
OTEL_FOLDER = "otel"


def roots(configured: list[Path] | None = None) -> list[Path]:
    """Explicit Copilot homes (like COPILOT_HOME entries), else COPILOT_HOME, else ~/.copilot."""
    return discovery.as_paths(root_texts(configured))


def root_texts(configured: list[Path] | None = None) -> list[str]:
    """roots() as texts."""
    return discovery.unique_dirs(discovery.texts(configured or ()) or discovery.env_texts(ENV)
                                 or [discovery.join(discovery.home_text(), ".copilot")])


def discover(configured: list[Path] | None = None,
             unreadable: list[tuple[str, str]] | None = None) -> list[discovery.FileStat]:
    files: list[discovery.FileStat] = []
    for root in root_texts(configured):
        store = discovery.join(root, STORE_NAME)
        try:
            st = os.stat(store)
        except OSError:
            st = None
        if st is not None and not os.path.isdir(store):
            # rows committed to the write-ahead log leave the database file's own stat unchanged
            files.append(discovery.with_companions(discovery.FileStat.from_stat(store, st)))
        files.extend(discovery.walk_files(discovery.join(root, OTEL_FOLDER), (".jsonl",), unreadable))
    if configured is None:
        files.extend(_exporter_file({f.path for f in files}))
    return files


def _exporter_file(listed: set[str]) -> list[discovery.FileStat]:
    """The file COPILOT_OTEL_FILE_EXPORTER_PATH names, when it exists and is not listed already."""
    raw = os.environ.get(OTEL_FILE_ENV, "").strip()
    if not raw:
        return []
    path = os.path.expanduser(raw)
    try:
        st = os.stat(path)
    except OSError:
        return []
    real = os.path.realpath(path)
    if not os.path.isfile(path) or any(os.path.realpath(other) == real for other in listed):
        return []
    return [discovery.FileStat.from_stat(path, st)]


def claim(folder: Path) -> Path | None:
    """A copy of a Copilot home (holding `session-store.db` or `otel/`), or its `otel/` folder itself."""
    if folder.name == OTEL_FOLDER:
        return folder.parent
    if (folder / STORE_NAME).is_file() or (folder / OTEL_FOLDER).is_dir():
        return folder
    return None


def _declare() -> dict:
    """SOURCE, built the first time it is asked for (discovery.declared_on_first_use)."""
    from tracker.sources.plugin import MOST_COMPLETE, AgentSource, Place, PricingHints

    source = AgentSource(
        kind=KIND,
        name="GitHub Copilot CLI",
        places=(Place("~/.copilot/session-store.db", ENV), Place("~/.copilot/otel", OTEL_FILE_ENV)),
        roots=roots,
        discover=discover,
        parse="tracker.sources.copilot_cli:parse",
        whole_files=(".db",),
        keep=MOST_COMPLETE,
        claim=claim,
        folder_hint="session-store.db or otel/",
        dedup_key="session id + the call's input, output, cache-read and cache-write counts (the same call in "
                  "the session store and an OpenTelemetry export, or in two copies, is one row)",
        pricing=PricingHints(provider=PROVIDER),
    )
    return {"SOURCE": source}


__getattr__ = discovery.declared_on_first_use(globals(), ("SOURCE",), _declare)
