"""Usage beyond the six token classes, each priced by its own class ("price units").

A request may use server tools (web searches at $10 per 1,000, file searches),
or carry audio and image tokens that cost several times a text token. These
are kept beside the Tokens of the request as a small map {unit: count}, with
genai-prices' own usage names, so that the price data prices them directly:

* tool calls and other counts, outside the token classes: `web_searches`,
  `storage_searches` (OpenAI file search), `input_characters` (speech),
  `input_audio_seconds` (transcription);
* modality tokens, which are PART of a token class, as the providers report
  them: `input_audio_tokens` / `input_image_tokens` are part of the prompt
  (cached or not), `cache_audio_read_tokens` / `cache_image_read_tokens` part
  of the cache reads and of the audio (image) input, `output_audio_tokens` /
  `output_image_tokens` part of the output.

A unit the price has no rate for is not guessed: the request is "partly
priced" (its cost is a lower bound), see pricing.pricer.
"""

from __future__ import annotations

import json

TYPE_CHECKING = False  # (typing costs ~2 ms at start-up; Tokens, a dataclass, ~5 ms with the machinery it loads)
if TYPE_CHECKING:
    from tracker.core.tokens import Tokens

WEB_SEARCHES = "web_searches"
FILE_SEARCHES = "storage_searches"  # genai-prices' name for a file-search (vector store) tool call
INPUT_CHARACTERS = "input_characters"
INPUT_AUDIO_SECONDS = "input_audio_seconds"
INPUT_AUDIO = "input_audio_tokens"
CACHED_AUDIO = "cache_audio_read_tokens"
OUTPUT_AUDIO = "output_audio_tokens"
INPUT_IMAGE = "input_image_tokens"
CACHED_IMAGE = "cache_image_read_tokens"
OUTPUT_IMAGE = "output_image_tokens"

UNITS = (WEB_SEARCHES, FILE_SEARCHES, INPUT_CHARACTERS, INPUT_AUDIO_SECONDS, INPUT_AUDIO, CACHED_AUDIO,
         OUTPUT_AUDIO, INPUT_IMAGE, CACHED_IMAGE, OUTPUT_IMAGE)
# Far beyond any real row (a billion web searches cost $10 million), and small enough that a count
# times the dearest rate stays inside SQLite's 64-bit integers of picodollars.
MAX_UNIT_COUNT = 10**9


class BadUnits(ValueError):
    """A unit count that cannot be real (negative, not a whole number, out of range, unknown)."""


def clean_units(tokens: Tokens, units: dict | None) -> dict[str, int] | None:
    """The units of a request or row, checked, zeros dropped; None when there are none.

    Modality tokens are part of a token class; a provider reporting more audio
    tokens than output tokens (say) is clamped to the class, never allowed to
    price tokens that were not there.
    """
    if not units:
        return None
    out: dict[str, int] = {}
    for name, value in units.items():
        if name not in UNITS:
            raise BadUnits(f"unknown unit {name!r}")
        if type(value) is not int or value < 0 or value > MAX_UNIT_COUNT:
            raise BadUnits(f"{name} must be a whole number from 0 to {MAX_UNIT_COUNT:,}, got {value!r}")
        if value:
            out[name] = value
    prompt, output = tokens.prompt_tokens, tokens.output_tokens
    for whole, cached in ((INPUT_AUDIO, CACHED_AUDIO), (INPUT_IMAGE, CACHED_IMAGE)):
        if whole in out:
            out[whole] = min(out[whole], prompt)
        if cached in out:
            out[cached] = min(out[cached], tokens.cache_read_tokens, out.get(whole, 0))
    if INPUT_AUDIO in out and INPUT_IMAGE in out:
        out[INPUT_IMAGE] = min(out[INPUT_IMAGE], prompt - out[INPUT_AUDIO])
    if CACHED_AUDIO in out and CACHED_IMAGE in out:
        out[CACHED_IMAGE] = min(out[CACHED_IMAGE], tokens.cache_read_tokens - out[CACHED_AUDIO])
    for name in (OUTPUT_AUDIO, OUTPUT_IMAGE):
        if name in out:
            out[name] = min(out[name], output)
    if OUTPUT_AUDIO in out and OUTPUT_IMAGE in out:
        out[OUTPUT_IMAGE] = min(out[OUTPUT_IMAGE], output - out[OUTPUT_AUDIO])
    out = {name: value for name, value in out.items() if value}
    return out or None


def add_units(a: dict | None, b: dict | None) -> dict | None:
    """Units of two parts of one row (a provider's split group), summed."""
    if not a or not b:
        return dict(a or b) if (a or b) else None
    total = dict(a)
    for name, value in b.items():
        total[name] = total.get(name, 0) + value
    return total


def units_text(units: dict | None) -> str | None:
    """As stored: compact JSON with sorted keys (equal maps, equal text), or NULL."""
    return json.dumps(units, sort_keys=True, separators=(",", ":")) if units else None


def units_from_text(text: str | None) -> dict[str, int] | None:
    if not text:
        return None
    value = json.loads(text)
    return value if isinstance(value, dict) and value else None
