"""A third-party agent-log plug-in for the tests: Codex's discovery under another kind."""

import dataclasses

from tracker.sources.agents.codex import SOURCE as CODEX

SOURCE = dataclasses.replace(CODEX, kind="other_agent", name="Other agent")
