"""The README lists every built-in agent with its page (a new agent is not done until it is there)."""

from __future__ import annotations

from pathlib import Path

from tracker.sources import registry

REPO = Path(__file__).resolve().parents[2]


def test_the_readme_lists_every_built_in_agent_with_its_page():
    readme = (REPO / "README.md").read_text()
    section = readme.split("## Coding agents read", 1)[1].split("\n## ", 1)[0]
    sources = registry.load().sources
    for kind, _ in registry.BUILTIN:
        source = sources[kind]
        assert f"[{source.name}](docs/agents/" in section, f"README's agent table lacks {source.name}"
    for link in section.split("](docs/agents/")[1:]:
        page = link.split(")", 1)[0]
        assert (REPO / "docs" / "agents" / page).is_file(), f"README links docs/agents/{page}, which is missing"
