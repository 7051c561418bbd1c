"""The fields of a Claude Code transcript line that the importer reads, as msgspec types.

Content (text, thinking, tool input) is most of every line and none of it is
kept: msgspec decodes only the fields below and skips the rest without building
Python objects for it. Anything these types do not describe exactly (a null or
negative count, a float, a content block that is not an object, a field of
another type) fails the decode, and the line takes claude_code's robust path
(orjson + row_from), which classifies it; so both paths count the same.
Imported once a process has read more than claude_code.PLAIN_READ_MAX_BYTES (or before a big import
forks its workers): msgspec costs ~7 ms at start-up, more than a small append's read saves.
"""

from __future__ import annotations

from typing import Annotated

import msgspec

DecodeError = msgspec.DecodeError
Count = Annotated[int, msgspec.Meta(ge=0)]


class Block(msgspec.Struct):
    type: str | None = None


class CacheSplit(msgspec.Struct):
    ephemeral_1h_input_tokens: Count = 0


class ServerToolUse(msgspec.Struct):
    web_search_requests: Count = 0


class Usage(msgspec.Struct):
    input_tokens: Count = 0
    output_tokens: Count = 0
    cache_creation_input_tokens: Count = 0
    cache_read_input_tokens: Count = 0
    cache_creation: CacheSplit | None = None
    service_tier: str | None = None
    speed: str | None = None
    server_tool_use: ServerToolUse | None = None


class Message(msgspec.Struct):
    usage: Usage | None = None
    id: str | None = None
    model: str | None = None
    content: list[Block] | str | None = None


class Line(msgspec.Struct):
    message: Message | None = None
    type: str | None = None
    timestamp: str | None = None
    cwd: str | None = None
    sessionId: str | None = None
    gitBranch: str | None = None
    requestId: str | None = None
    isSidechain: bool | None = None


decode_line = msgspec.json.Decoder(Line).decode
