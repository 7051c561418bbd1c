"""Example Agent: a made-up coding agent, and the smallest complete agent-log source plug-in.

Example Agent keeps one JSON document per session and rewrites it on every turn:

    $EXAMPLE_AGENT_HOME/sessions/<session>.json       (default ~/.example-agent)
    {"session": "s1", "cwd": "/work/shop", "messages": [
      {"id": "m1", "time": "2026-01-05T10:00:00Z", "model": "anthropic/claude-sonnet-4-5",
       "usage": {"input": 1200, "cached": 800, "output": 300}}, ...]}

This module is loaded on every `tracker import`: it imports the standard library
and tracker.sources.plugin / tracker.sources.discovery only. The reader is named
as text and imported the first time a session file changed.
"""

from __future__ import annotations

from pathlib import Path

from tracker.sources import discovery
from tracker.sources.plugin import LAST, AgentSource, Place, PricingHints

KIND = "example_agent"
ENV = "EXAMPLE_AGENT_HOME"


def roots(configured: list[Path] | None = None) -> list[Path]:
    """The `sessions` folders: of the folders given, else of $EXAMPLE_AGENT_HOME, else of ~/.example-agent."""
    homes = configured or discovery.env_list(ENV) or [discovery.home() / ".example-agent"]
    return discovery.unique_dirs([home if home.name == "sessions" else home / "sessions" for home in homes])


def discover(configured: list[Path] | None = None,
             unreadable: list[tuple[str, str]] | None = None) -> list[discovery.FileStat]:
    return [stat for root in roots(configured) for stat in discovery.walk_files(root, (".json",), unreadable)]


def claim(folder: Path) -> Path | None:
    """A copy of an Example Agent home (with `sessions/`), or its `sessions/` folder."""
    return folder if folder.name == "sessions" or (folder / "sessions").is_dir() else None


SOURCE = AgentSource(
    kind=KIND,
    name="Example Agent",
    places=(Place("~/.example-agent/sessions", ENV),),
    roots=roots,
    discover=discover,
    parse="tracker_example_source.reader:parse",
    whole_files=(".json",),  # rewritten on every turn: read whole when it changed
    keep=LAST,  # a message read again is its newest state
    claim=claim,
    folder_hint="sessions/",
    dedup_key="session id + message id",
    pricing=PricingHints(prefixes={"anthropic/": "anthropic", "openai/": "openai"}),
)
