"""Every place usage comes from, one module each, behind one small interface.

Sources return records (tracker.core.records); they never write the database.
The sync services price and write them through tracker.services.ingest.
Agent logs are plug-ins (tracker.sources.plugin, found by tracker.sources.registry);
provider accounts are tracker.sources.providers.
"""

# The provider accounts' kinds (tests/spine checks them against sources.providers.SOURCE_KINDS, which
# imports the HTTP clients): an agent-log plug-in may not take one of these kinds.
PROVIDER_SOURCE_KINDS = ("openai", "anthropic", "openrouter", "deepseek")


def usage_source_kinds() -> tuple[str, ...]:
    """Every source kind usage is stored under: the installed agent-log sources', then the provider accounts'."""
    from tracker.sources import registry

    return (*registry.sources(), *PROVIDER_SOURCE_KINDS)
