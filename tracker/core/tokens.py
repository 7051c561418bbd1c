"""Token classes shared by every source.

`input_tokens` is uncached input only; `output_tokens` includes reasoning and
`reasoning_tokens` is the part of output that was reasoning. Sources that report
input including cached tokens (Codex, OpenAI) subtract before building this.
"""

from __future__ import annotations

from dataclasses import dataclass

from tracker.core.token_fields import TOKEN_FIELDS


@dataclass(frozen=True, slots=True)
class Tokens:
    input_tokens: int = 0
    cache_read_tokens: int = 0
    cache_write_5m_tokens: int = 0
    cache_write_1h_tokens: int = 0
    output_tokens: int = 0
    reasoning_tokens: int = 0

    @property
    def cache_write_tokens(self) -> int:
        return self.cache_write_5m_tokens + self.cache_write_1h_tokens

    @property
    def prompt_tokens(self) -> int:
        """Everything the model read: uncached + cache reads + cache writes."""
        return self.input_tokens + self.cache_read_tokens + self.cache_write_tokens

    @property
    def total(self) -> int:
        return self.prompt_tokens + self.output_tokens

    def as_dict(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in TOKEN_FIELDS}

    def __add__(self, other: "Tokens") -> "Tokens":
        return Tokens(*(getattr(self, f) + getattr(other, f) for f in TOKEN_FIELDS))

    def validate(self) -> None:
        for name in TOKEN_FIELDS:
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise ValueError(f"{name} must be a non-negative integer, got {value!r}")
        if self.reasoning_tokens > self.output_tokens:
            raise ValueError("reasoning_tokens cannot exceed output_tokens (reasoning is part of output)")
