"""Kilo Code: where its task histories are and how they are counted (reader: tracker.sources.cline_tasks).

Where: the VS Code extension `kilocode.kilo-code` (a fork of Roo Code, with
its task layout) keeps one folder per task in each editor's global storage
(tracker.sources.agents.cline_family; its `kilo-code.customStoragePath`
setting moves them: add that folder in Settings > Agent logs).
docs/agents/kilo-code.md
"""

from __future__ import annotations

from tracker.sources import discovery
from tracker.sources.agents.cline_family import API_HISTORY, finders, make_source

KIND = "kilo_code"
EXTENSION_ID = "kilocode.kilo-code"

roots, root_texts, discover = finders(EXTENSION_ID, API_HISTORY)


def _declare() -> dict:
    """SOURCE, built the first time it is asked for (discovery.declared_on_first_use)."""
    return {"SOURCE": make_source(KIND, "Kilo Code", EXTENSION_ID,
                                  "tracker.sources.cline_tasks:parse_kilo_code", roots, discover)}


__getattr__ = discovery.declared_on_first_use(globals(), ("SOURCE",), _declare)
