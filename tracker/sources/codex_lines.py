"""The fields of a Codex `token_count` line that the importer reads, as msgspec types.

Most of what codex.py counts comes from these lines (one per model call, with
the plan's rate-limit windows). msgspec decodes them straight into these types,
checking every type on the way; anything they do not describe exactly (a count
that is a float, negative or beyond 64 bits, a window that is not an object, a
boolean where a number belongs, a model that is not text) fails the decode, and
the line takes codex.py's robust path (orjson + dictionaries), which decides;
so both paths count the same. Imported on the first parse: msgspec costs ~8 ms
at start-up.
"""

from __future__ import annotations

from typing import Annotated

import msgspec

DecodeError = msgspec.DecodeError
# orjson, the robust path's parser, reads integers of 64 bits exactly and larger ones as floats: beyond
# these bounds the robust path decides
Count = Annotated[int, msgspec.Meta(ge=0, le=2**63 - 1)]
Int = Annotated[int, msgspec.Meta(ge=-(2**63), le=2**63 - 1)]


class TokenUsage(msgspec.Struct):
    input_tokens: Count = 0
    cached_input_tokens: Count = 0
    output_tokens: Count = 0
    reasoning_output_tokens: Count = 0
    total_tokens: Count = 0


class Info(msgspec.Struct):
    total_token_usage: TokenUsage | None = None
    last_token_usage: TokenUsage | None = None
    model: str | None = None
    model_name: str | None = None


class Metadata(msgspec.Struct):
    model: str | None = None
    model_name: str | None = None


class Window(msgspec.Struct):
    # loosely typed: codex._reading judges the values, as it does for the robust path's
    used_percent: Int | float | None = None
    window_minutes: Int | float | None = None
    resets_at: Int | float | str | None = None
    resets_in_seconds: Int | float | None = None


class RateLimits(msgspec.Struct):
    limit_id: str | None = None
    limit_name: str | None = None
    primary: Window | None = None
    secondary: Window | None = None


class Payload(msgspec.Struct):
    type: str | None = None
    info: Info | None = None
    rate_limits: RateLimits | None = None
    model: str | None = None
    model_name: str | None = None
    metadata: Metadata | None = None


class TokenCountLine(msgspec.Struct):
    timestamp: str | None = None
    type: str | None = None
    payload: Payload | None = None


decode_token_count = msgspec.json.Decoder(TokenCountLine).decode
