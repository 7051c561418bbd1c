"""Seeded filler for the bulk of a log: prompts, answers, thinking, tool input and output, opaque blobs.

Most bytes of a real transcript are this text, not usage. It is made once per corpus as two long
passages (prose, code); every pool entry is a slice of one with a heavy-tailed (lognormal) size,
JSON-encoded once, so writing a line is string formatting. The text carries what trips a naive
reader: quotes, backslashes, tabs, non-ASCII, emoji, and JSON fragments such as "usage":{ that
must stay inside strings.
"""

from __future__ import annotations

import base64
import itertools
import json
import math
import random

WORDS = (
    "the a to of and in is for that this with on it be as are not from by we can you should will "
    "function return const let if else while import export class def self None true false null "
    "await async test error result value data config file path line string number list dict map "
    "get set update create delete handle request response user session token usage model cost day "
    "report project commit branch merge build cargo pytest sqlite schema index query insert select "
    "where group order limit fix bug refactor add remove rename move check verify parse load save "
    "write read retry cache buffer stream chunk worker thread lock queue timeout deadline migrate"
).split()
SYMBOLS = ("()", "{}", "[]", ";", ":", "=>", "==", "!=", "+=", "->", "::", "#", "//", "/*", "*/", "&&", "||",
           '"quoted"', "'single'", "\\n", "C:\\Users\\dev", "\t", "<div>", "&amp;", "%s", "${x}", "`tick`",
           '{"usage":{"input_tokens":3}}', '"type":"assistant"', "\\u00e9")
NON_ASCII = ("→", "✓", "✗", "…", "é", "ü", "ß", "日本語", "中文", "🙂", "🚀", "—", "±", "µs", "Ω")
NUMBERS = tuple(str(n) for n in (0, 1, 2, 3, 7, 10, 42, 100, 404, 500, 1024, 4096, 65535, 2025, 31337))
TOKENS = tuple(WORDS) + SYMBOLS + NON_ASCII + NUMBERS
# words most of the time, then symbols, numbers, and a little non-ASCII
TOKEN_CUM = list(itertools.accumulate([16.0] * len(WORDS) + [4.0] * len(SYMBOLS) + [1.0] * len(NON_ASCII)
                                     + [3.0] * len(NUMBERS)))

PROSE_CHARS = 160_000
CODE_CHARS = 300_000  # > the largest slice taken from it


def _passage(rng: random.Random, chars: int, code: bool) -> str:
    tokens = rng.choices(TOKENS, cum_weights=TOKEN_CUM, k=chars // 5)
    lines, i = [], 0
    while i < len(tokens):
        n = rng.randint(2, 15)
        indent = "    " * rng.randint(0, 3) if code else ""
        lines.append(indent + " ".join(tokens[i:i + n]))
        if not code and rng.random() < 0.12:
            lines.append("")  # paragraph break
        i += n
    return "\n".join(lines)


class Pool:
    """JSON-encoded slices of a passage, sized lognormally around `median` chars, within [lo, hi]."""

    def __init__(self, rng: random.Random, passage: str, count: int, median: int, sigma: float, lo: int, hi: int):
        self.rng = rng
        self.raw: list[str] = []
        self.encoded: list[str] = []
        for _ in range(count):
            n = int(min(hi, max(lo, rng.lognormvariate(math.log(median), sigma))))
            start = rng.randrange(len(passage) - n)
            text = passage[start:start + n]
            self.raw.append(text)
            self.encoded.append(json.dumps(text, ensure_ascii=False))

    def json(self) -> str:
        """A JSON string literal."""
        return self.encoded[self.rng.randrange(len(self.encoded))]

    def text(self) -> str:
        """The same kind of text, unencoded (to nest inside a JSON string that is encoded later)."""
        return self.raw[self.rng.randrange(len(self.raw))]


class Blobs:
    """Opaque base64 (thinking signatures, Codex's encrypted reasoning): incompressible bulk."""

    def __init__(self, rng: random.Random, count: int, median: int, lo: int, hi: int):
        self.rng = rng
        self.items = []
        for _ in range(count):
            n = int(min(hi, max(lo, rng.lognormvariate(math.log(median), 0.9))))
            self.items.append(base64.b64encode(rng.randbytes(n * 3 // 4)).decode())

    def pick(self) -> str:
        return self.items[self.rng.randrange(len(self.items))]


class Filler:
    def __init__(self, rng: random.Random):
        prose = _passage(rng, PROSE_CHARS, code=False)
        code = _passage(rng, CODE_CHARS, code=True)
        self.prompt = Pool(rng, prose, 200, median=240, sigma=1.1, lo=8, hi=4_000)
        self.answer = Pool(rng, prose, 300, median=320, sigma=1.0, lo=10, hi=6_000)
        self.thinking = Pool(rng, prose, 200, median=900, sigma=1.0, lo=40, hi=12_000)
        self.instructions = Pool(rng, prose, 30, median=3_000, sigma=0.8, lo=500, hi=12_000)
        self.tool_output = Pool(rng, code, 400, median=1_800, sigma=1.3, lo=20, hi=120_000)
        self.command = Pool(rng, code, 150, median=60, sigma=0.8, lo=5, hi=300)
        self.edit = Pool(rng, code, 200, median=700, sigma=1.0, lo=20, hi=8_000)
        self.signature = Blobs(rng, 150, median=500, lo=200, hi=1_200)
        self.encrypted = Blobs(rng, 250, median=2_000, lo=300, hi=16_000)
