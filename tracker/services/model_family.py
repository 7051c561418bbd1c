"""Model names -> coarse, allow-listed family labels for team summaries.

A model name can carry private text (a fine-tune's organisation and suffix,
an internal deployment name), so a summary never carries it: the family is
one of the constant labels below, or "other". Patterns are tried in order
against the base model name (vendor prefix and fine-tune wrapper removed).
"""

from __future__ import annotations

import re

OTHER = "other"

# (pattern anchored at the start of the base name, family label). Order matters:
# the first match wins, so narrower names come before broader ones.
_FAMILIES: tuple[tuple[str, str], ...] = (
    (r"claude-(?:[\d.-]+-)?opus", "claude-opus"),
    (r"claude-(?:[\d.-]+-)?sonnet", "claude-sonnet"),
    (r"claude-(?:[\d.-]+-)?haiku", "claude-haiku"),
    (r"claude", "claude-other"),
    (r"gpt-5(?:\.\d+)?(?:-codex)?-mini", "gpt-5-mini"),
    (r"gpt-5(?:\.\d+)?-nano", "gpt-5-nano"),
    (r"gpt-5", "gpt-5"),
    (r"gpt-4\.1-mini", "gpt-4.1-mini"),
    (r"gpt-4\.1-nano", "gpt-4.1-nano"),
    (r"gpt-4\.1", "gpt-4.1"),
    (r"gpt-4o-mini", "gpt-4o-mini"),
    (r"gpt-4o", "gpt-4o"),
    (r"gpt-4", "gpt-4"),
    (r"gpt-3\.5", "gpt-3.5"),
    (r"gpt-oss", "gpt-oss"),
    (r"o\d(?:-pro)?(?:-|$)", "openai-o-series"),
    (r"codex-mini", "gpt-5-mini"),
    (r"gemini-(?:[\d.]+-)?flash-lite", "gemini-flash-lite"),
    (r"gemini-(?:[\d.]+-)?flash", "gemini-flash"),
    (r"gemini-(?:[\d.]+-)?pro", "gemini-pro"),
    (r"gemini", "gemini-other"),
    (r"deepseek-(?:chat|v\d)", "deepseek-chat"),
    (r"deepseek-(?:reasoner|r\d)", "deepseek-reasoner"),
    (r"deepseek", "deepseek-other"),
    (r"grok", "grok"),
    (r"(?:mistral|codestral|magistral|devstral|ministral)", "mistral"),
    (r"(?:meta-)?llama", "llama"),
    (r"qwen", "qwen"),
    (r"kimi", "kimi"),
    (r"glm", "glm"),
    (r"text-embedding", "openai-embedding"),
)
_COMPILED = tuple((re.compile(p), label) for p, label in _FAMILIES)
FAMILIES = tuple(dict.fromkeys(label for _, label in _FAMILIES)) + (OTHER,)

# Provider ids that may appear in a summary; anything else is "other".
PROVIDERS = frozenset({
    "anthropic", "openai", "google", "openrouter", "deepseek", "xai", "mistral", "groq", "together",
    "azure", "aws", "bedrock", "vertex", "meta", "qwen", "moonshot", "zhipu", "fireworks", OTHER,
})
_FAMILY_PROVIDER = {
    "claude": "anthropic", "gpt": "openai", "openai": "openai", "gemini": "google", "deepseek": "deepseek",
    "grok": "xai", "mistral": "mistral", "llama": "meta", "qwen": "qwen", "kimi": "moonshot", "glm": "zhipu",
}


def base_model(model: str | None) -> str:
    name = (model or "").strip().lower()
    if name.startswith("ft:"):
        name = name[3:].split(":", 1)[0]  # ft:BASE:org:suffix:id -> BASE
    return name.rsplit("/", 1)[-1]  # vendor/model (OpenRouter) -> model


def family_of(model: str | None) -> str:
    name = base_model(model)
    for pattern, label in _COMPILED:
        if pattern.match(name):
            return label
    return OTHER


def provider_of(provider: str | None, family: str) -> str:
    """The allow-listed provider label: the stored one if known, else guessed from the family."""
    if provider and provider.lower() in PROVIDERS:
        return provider.lower()
    if family == OTHER:
        return OTHER
    if family.startswith("o") and family.endswith("series"):
        return "openai"
    return _FAMILY_PROVIDER.get(family.split("-", 1)[0], OTHER)
