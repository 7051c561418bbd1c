"""Kilo Code: where its task histories are and how they are counted (reader: tracker.sources.cline_tasks).

Where: the VS Code extension `kilocode.kilo-code` (a fork of Roo Code, with
its task layout) keeps one folder per task in each editor's global storage
(tracker.sources.agents.cline_family; its `kilo-code.customStoragePath`
setting moves them: add that folder in Settings > Agent logs).
docs/agents/kilo-code.md
"""

from __future__ import annotations

from tracker.sources.agents.cline_family import API_HISTORY, make_source

KIND = "kilo_code"
EXTENSION_ID = "kilocode.kilo-code"

SOURCE = make_source(KIND, "Kilo Code", EXTENSION_ID, API_HISTORY, "tracker.sources.cline_tasks:parse_kilo_code")
