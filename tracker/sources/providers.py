"""The provider-account source kinds, by name (`tracker sources add KIND`)."""

from __future__ import annotations

from tracker.net import HttpOptions
from tracker.sources.anthropic import AnthropicSource
from tracker.sources.base import ProviderSource
from tracker.sources.deepseek import DeepSeekSource
from tracker.sources.openai import OpenAISource
from tracker.sources.openrouter import OpenRouterSource

SOURCE_KINDS = {
    "openai": OpenAISource,
    "anthropic": AnthropicSource,
    "openrouter": OpenRouterSource,
    "deepseek": DeepSeekSource,
}


def make_source(kind: str, label: str, key: str, base_url: str | None = None,
                options: HttpOptions | None = None) -> ProviderSource:
    try:
        cls = SOURCE_KINDS[kind]
    except KeyError:
        raise ValueError(f"unknown source kind {kind!r}; choose one of {', '.join(SOURCE_KINDS)}") from None
    return cls(label, key, base_url, options)
