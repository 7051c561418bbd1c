"""Cline: where its task histories are and how they are counted (reader: tracker.sources.cline_tasks).

Where: the VS Code extension `saoudrizwan.claude-dev` keeps one folder per task
in each editor's global storage (tracker.sources.agents.cline_family); Cline
outside VS Code (JetBrains, the CLI 1.x) keeps the same folders in
`$CLINE_DATA_DIR/tasks`, else `$CLINE_DIR/data/tasks`, else `~/.cline/data/tasks`.
The model of a request is on its message (Cline 3.37+) or in the task's
`task_metadata.json`. docs/agents/cline.md
"""

from __future__ import annotations

import os

from tracker.sources import discovery
from tracker.sources.agents.cline_family import TASK_METADATA, finders, make_source

KIND = "cline"
EXTENSION_ID = "saoudrizwan.claude-dev"
DATA_ENV = "CLINE_DATA_DIR"
HOME_ENV = "CLINE_DIR"


def data_tasks() -> list[str]:
    """Cline's own data folder (`~/.cline/data`) as Cline resolves it: CLINE_DATA_DIR, else CLINE_DIR/data (as
    texts, discovery.join)."""
    data = os.environ.get(DATA_ENV, "").strip()
    if data:
        return [discovery.join(data, "tasks")]
    home = os.environ.get(HOME_ENV, "").strip()
    return [discovery.join(home or discovery.join(discovery.home_text(), ".cline"), "data", "tasks")]


roots, root_texts, discover = finders(EXTENSION_ID, TASK_METADATA, extra_roots=data_tasks)


def _declare() -> dict:
    """SOURCE, built the first time it is asked for (discovery.declared_on_first_use)."""
    from tracker.sources.plugin import Place

    source = make_source(
        KIND, "Cline", EXTENSION_ID, "tracker.sources.cline_tasks:parse_cline", roots, discover,
        extra_places=(Place("~/.cline/data/tasks", DATA_ENV), Place("$CLINE_DIR/data/tasks", HOME_ENV)),
        own_folders=("data",),
    )
    return {"SOURCE": source}


__getattr__ = discovery.declared_on_first_use(globals(), ("SOURCE",), _declare)
