"""What a source is called where a person reads it: a provider account's service, or an agent plug-in's name.

The GUI labelled sources from a table of seven (three agents, four providers): every other agent, built in
or installed, showed its stored kind ("kimi_cli", "grok_build"). An agent's name is its plug-in's own
(AgentSource.name, "Kimi CLI"); a kind no loaded plug-in declares (one uninstalled since) keeps its kind.
"""

from __future__ import annotations

PROVIDER_NAMES = {"openai": "OpenAI", "anthropic": "Anthropic", "openrouter": "OpenRouter", "deepseek": "DeepSeek"}
_made: list = [None, {}]  # [the plug-ins' dict the names were made from, the names]: a table labels every row


def source_name(kind: str) -> str:
    """The name of a source kind: "OpenAI", "Claude Code", "Kimi CLI"; an unknown kind as it is."""
    return source_names().get(kind, kind)


def source_names() -> dict[str, str]:
    """Every known source kind and its name: the providers, then each agent plug-in the registry has loaded
    (made again when the registry loads again: a plug-in installed meanwhile)."""
    from tracker.sources import registry

    sources = registry.sources()
    if _made[0] is not sources:
        names = dict(PROVIDER_NAMES)
        names.update((kind, source.name) for kind, source in sources.items())
        _made[:] = [sources, names]
    return _made[1]
