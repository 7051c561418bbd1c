"""Every place usage comes from, one module each, behind one small interface.

Sources return records (tracker.core.records); they never write the database.
The sync services price and write them through tracker.services.ingest.
"""

# Every source kind usage is stored under: the agent logs', then the provider accounts'
# (tests/spine checks it against the readers and sources.providers.SOURCE_KINDS).
USAGE_SOURCE_KINDS = ("claude_code", "codex", "gemini_cli", "openai", "anthropic", "openrouter", "deepseek")
