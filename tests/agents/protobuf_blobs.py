"""Protobuf wire-format blobs as Antigravity's language server writes them, for fixtures and tests.

Field numbers: tracker/sources/google_antigravity.py (from the descriptors the app
ships). Only what the tests need: varints, length-delimited fields, and the
messages built from them.
"""

from __future__ import annotations


def _varint(value: int) -> bytes:
    value &= (1 << 64) - 1  # negative int32/int64 go on the wire as 10-byte two's complement
    out = bytearray()
    while True:
        byte, value = value & 0x7F, value >> 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def varint(number: int, value: int) -> bytes:
    return _varint(number << 3) + _varint(value)


def length(number: int, payload: bytes | str) -> bytes:
    payload = payload.encode() if isinstance(payload, str) else payload
    return _varint(number << 3 | 2) + _varint(len(payload)) + payload


def timestamp(ms: int) -> bytes:
    return varint(1, ms // 1000) + (varint(2, ms % 1000 * 1_000_000) if ms % 1000 else b"")


def usage(inp=0, output=None, cache_read=0, cache_write=0, thinking=0, response=0, response_id=None,
          message_id=None, model_enum=1132) -> bytes:
    """ModelUsageStats; output (field 3) defaults to thinking + response, as the app writes it."""
    out = varint(1, model_enum)
    for number, value in ((2, inp), (3, thinking + response if output is None else output), (4, cache_write),
                          (5, cache_read), (9, thinking), (10, response)):
        if value:
            out += varint(number, value)
    if message_id:
        out += length(7, message_id)
    if response_id:
        out += length(11, response_id)
    return out


def generation(usage_blob: bytes | None, created_ms: int | None = None, model: str | None = None,
               label: str | None = None, steps=(), retry_mirror: bool = True, layout_1_1_18: bool = False) -> bytes:
    """CortexStepGeneratorMetadata with its ChatModelMetadata (a prompt stand-in, usage, start, retries, model)."""
    chat = length(1, "(system prompt: not kept)") + varint(3, 1132)
    if usage_blob is not None:
        chat += length(4, usage_blob)
    if layout_1_1_18:  # no created_at; checkpoint_index -1 and a context-window message instead
        chat += length(9, varint(1, 3) + varint(2, -1) + length(10, varint(1, 41234)))
    elif created_ms is not None:
        chat += length(9, varint(1, 3) + length(4, timestamp(created_ms)))
    if retry_mirror and usage_blob is not None:  # a retried attempt repeats the usage: must not be counted twice
        chat += length(17, varint(1, 1) + length(2, usage_blob))
    if model:
        chat += length(19, model)
    if label:
        chat += length(21, label)
    packed = b"".join(_varint(s) for s in steps)
    return length(1, chat) + (length(2, packed) if steps else b"") + length(4, "exec-1")


def injected() -> bytes:
    """A generator row without a model call (an injected response)."""
    return length(7, varint(1, 1)) + length(4, "exec-2")


def trajectory(created_ms: int, folder_uri: str) -> bytes:
    return length(1, length(1, folder_uri)) + length(2, timestamp(created_ms)) + length(3, "init-1")


def step_metadata(created_ms: int) -> bytes:
    return length(1, timestamp(created_ms)) + varint(3, 1)
