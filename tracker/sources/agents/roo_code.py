"""Roo Code: where its task histories are and how they are counted (reader: tracker.sources.cline_tasks).

Where: the VS Code extension `rooveterinaryinc.roo-cline` keeps one folder per
task in each editor's global storage (tracker.sources.agents.cline_family; its
`roo-cline.customStoragePath` setting moves them: add that folder in Settings >
Agent logs). The model of a request is in the environment details of the
request's own message in `api_conversation_history.json`. docs/agents/roo-code.md
"""

from __future__ import annotations

from tracker.sources import discovery
from tracker.sources.agents.cline_family import API_HISTORY, finders, make_source

KIND = "roo_code"
EXTENSION_ID = "rooveterinaryinc.roo-cline"

roots, root_texts, discover = finders(EXTENSION_ID, API_HISTORY)


def _declare() -> dict:
    """SOURCE, built the first time it is asked for (discovery.declared_on_first_use)."""
    return {"SOURCE": make_source(KIND, "Roo Code", EXTENSION_ID,
                                  "tracker.sources.cline_tasks:parse_roo_code", roots, discover)}


__getattr__ = discovery.declared_on_first_use(globals(), ("SOURCE",), _declare)
