"""The interface of an agent-log source: one plug-in per coding agent (docs/agents/README.md).

A plug-in is a module that holds one `AgentSource`, registered under the
entry-point group `tracker.sources` (tracker.sources.registry): the built-ins
through tracker's own pyproject.toml, a third-party package through its own.
The importer (tracker.services.log_import), the cursors, the pricing and the
store never name a source: everything particular to an agent is declared here.

Every import loads every plug-in module (an import with nothing new only
walks folders and compares stats), so a plug-in module imports the standard
library and tracker.sources.plugin / tracker.sources.discovery only (both
standard library only); its reader, named by `parse`, is imported the first
time a file of the agent changed.

Standard library only.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

# How repeated keys (the same UsageEvent.key read twice: in one file, in two
# files, in two reads of one file) are resolved, in a batch and in the store:
MOST_COMPLETE = "most_complete"  # copies of one request: keep the main copy (not a sidechain's), then the most tokens
LAST = "last"  # a record rewritten by the agent: the copy read last replaces the earlier one
KEEP_RULES = (MOST_COMPLETE, LAST)
KIND_PATTERN = re.compile(r"^[a-z][a-z0-9_]{1,39}$")  # stored in every row: short, stable, no spaces

# parse(fh, start, limit, result): read fh (a binary file) from byte `start`
# up to byte `limit` (the size stat() saw) into result (logfiles.ReadResult).
Parse = Callable[..., None]
# roots(configured) -> the folders to walk; configured: explicit folders (like
# the agent's environment variable's entries), None: the environment, else the defaults.
Roots = Callable[[list | None], list]
# discover(configured, unreadable) -> [FileStat]; folders that exist but cannot be
# listed are appended to `unreadable` as (path, reason) (discovery.walk_files does it).
Discover = Callable[[list | None, list | None], list]
# claim(folder) -> the root this source reads in a user's extra import folder (a
# copy of the agent's folder, Settings > Agent logs), or None when it holds none.
Claim = Callable[[Path], Path | None]
# recognises(path) -> whether this source reads a file the user names (`tracker import FILE`): an export
# that lives nowhere the source looks (Cursor's usage CSV). Cheap: a name check, a header read at most.
Recognises = Callable[[Path], bool]


@dataclass(frozen=True)
class Place:
    """Where an agent writes when nothing moves it, and what moves it (shown in Settings, `tracker sources agents`)."""

    path: str  # as a user reads it: "~/.codex/sessions"
    env: str = ""  # the environment variable that moves it: "CODEX_HOME"


@dataclass(frozen=True)
class PricingHints:
    """How the agent's model ids map to genai-prices' ids (what the importer applies before pricing).

    genai-prices already understands dated ids ("claude-sonnet-4-20250514",
    "gpt-5-2025-08-07", "claude-sonnet-4@20250514"); it does not understand a
    routing prefix ("anthropic/claude-sonnet-4"). In order:
    * `aliases`: an exact logged id -> the id to price (and store) instead;
    * `prefixes`: a logged id starting with one of these has it removed, and
      the event's provider becomes the prefix's provider id (None: unchanged);
    * `provider`: the genai-prices provider id for events whose reader set none.
    The model stored is the one priced, so `tracker reprice` and reports by
    model agree across agents. A model still unknown stays unpriced (never $0).
    """

    provider: str | None = None
    prefixes: Mapping[str, str | None] = field(default_factory=dict)
    aliases: Mapping[str, str] = field(default_factory=dict)

    def apply(self, model: str, provider: str | None) -> tuple[str, str | None]:
        """(model, provider) to price and store for an event the reader logged as (model, provider)."""
        model = self.aliases.get(model, model)
        for prefix, prefix_provider in self.prefixes.items():
            if model.startswith(prefix) and len(model) > len(prefix):
                model = model[len(prefix):]
                provider = prefix_provider or provider
                break
        return model, provider or self.provider

    @property
    def changes_nothing(self) -> bool:
        return not self.prefixes and not self.aliases


@dataclass(frozen=True)
class AgentSource:
    """One coding agent's logs: where they are, how to read them, how to count them.

    kind        the stable id stored with every row (`events.source`), e.g. "codex";
                never renamed once released (it keys the user's history)
    name        display name: "Codex CLI"
    places      where it writes by default and the environment variable that
                moves each place; places[0] is the usual one
    roots       roots(configured) -> folders to walk (see Roots above)
    discover    discover(configured, unreadable) -> [FileStat] (see Discover above)
    parse       the reader: a function, or "module:function" imported on first use
    whole_files file-name endings read whole every time they change (formats the
                agent rewrites: JSON documents, SQLite databases); every other
                file is read from a byte cursor (appended JSONL)
    keep        MOST_COMPLETE or LAST: which copy of a repeated key stays
    claim       claim(folder) for the user's extra import folders (None: never claims one)
    folder_hint what an extra folder must hold for `claim` ("projects/"), for the note
                the import writes when no source claims a folder
    dedup_key   what the key of an event is made of, for people (docs, `tracker sources agents`)
    pricing     PricingHints
    recognises  recognises(path) for files given to `tracker import FILE...` (None: reads none)
    """

    kind: str
    name: str
    places: tuple[Place, ...]
    roots: Roots
    discover: Discover
    parse: Parse | str
    whole_files: tuple[str, ...] = ()
    keep: str = MOST_COMPLETE
    claim: Claim | None = None
    folder_hint: str = ""
    dedup_key: str = ""
    pricing: PricingHints = field(default_factory=PricingHints)
    recognises: Recognises | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.kind, str) or not KIND_PATTERN.match(self.kind):
            raise ValueError(f"kind {self.kind!r} must be 2-40 lower-case letters, digits or _, starting with a letter")
        if not isinstance(self.name, str) or not self.name.strip():
            raise ValueError(f"{self.kind}: name must be a non-empty text")
        if self.keep not in KEEP_RULES:
            raise ValueError(f"{self.kind}: keep must be one of {', '.join(KEEP_RULES)}, not {self.keep!r}")
        if not isinstance(self.places, tuple) or not all(isinstance(p, Place) for p in self.places):
            raise ValueError(f"{self.kind}: places must be a tuple of Place")
        if isinstance(self.whole_files, str) or not all(isinstance(s, str) and s for s in self.whole_files):
            raise ValueError(f"{self.kind}: whole_files must be a tuple of file-name endings such as '.json'")
        for name in ("roots", "discover"):
            if not callable(getattr(self, name)):
                raise ValueError(f"{self.kind}: {name} must be a function")
        if not (callable(self.parse) or (isinstance(self.parse, str) and ":" in self.parse)):
            raise ValueError(f"{self.kind}: parse must be a function or 'module:function'")
        if self.claim is not None and not callable(self.claim):
            raise ValueError(f"{self.kind}: claim must be a function or None")
        if self.recognises is not None and not callable(self.recognises):
            raise ValueError(f"{self.kind}: recognises must be a function or None")
        if not isinstance(self.pricing, PricingHints):
            raise ValueError(f"{self.kind}: pricing must be PricingHints")

    @property
    def keeps_most_complete(self) -> bool:
        return self.keep == MOST_COMPLETE

    def reads_whole(self, path: str) -> bool:
        """Whether this file is re-read whole when it changed (else: from its byte cursor)."""
        return bool(self.whole_files) and path.endswith(self.whole_files)

    def reader(self) -> Parse:
        """The parse function, imported now if the plug-in named it as "module:function"."""
        return load_reader(self.parse)


def load_reader(parse: Parse | str) -> Parse:
    """The function itself, or the one "module:function" names (imported on first use; looked up each
    time, which costs a dictionary lookup per file read, so that the module's attribute is what runs)."""
    if callable(parse):
        return parse
    module, _, attr = parse.partition(":")
    return getattr(importlib.import_module(module), attr)
