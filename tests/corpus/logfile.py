"""One log file as an agent leaves it: JSON lines, now and then one cut short, a blank or a garbage line.

A cut line is what a crash or a full disk leaves: a prefix of the line, then the next line starts
on a new one. A prefix of a JSON object is never itself a JSON object, so a cut line can only be
rejected, never misread. Lines whose loss would make the truth ambiguous are written `keep=True`
(the Codex lines that carry the model or the running token totals).
"""

from __future__ import annotations

import random
from collections import Counter
from pathlib import Path

GARBAGE = (b"not json at all", b"{}", b"[1,2,3]", b"\x00\x00\x00\x00", b'"a string"', b"null",
           b"\xff\xfe broken \xc3 utf-8")
# garbage shaped enough like usage to reach the parsers, which must reject it
USAGE_LIKE_GARBAGE = {
    "claude": b'{"timestamp":"garbage","message":{"usage":{}}}',
    "codex": b'{"timestamp":"garbage","type":"event_msg","payload":{"type":"token_count",'
             b'"info":{"total_token_usage":"n/a"}}}',
}


class LogFile:
    def __init__(self, path: Path, rng: random.Random, damage_rate: float, stats: Counter, agent: str):
        self.path = path
        self.rng = rng
        self.damage_rate = damage_rate
        self.stats = stats
        self.agent = agent
        self.garbage = GARBAGE + (USAGE_LIKE_GARBAGE[agent],)
        self.parts: list[bytes] = []
        self.size = 0
        self.lines = 0

    def add(self, line: str, keep: bool = False) -> bool:
        """Write one line; False when it was cut short (it counts for nothing)."""
        data = line.encode()
        rng = self.rng
        intact = keep or rng.random() >= self.damage_rate
        if not intact:
            data = data[:rng.randint(len(data) // 4, len(data) - 1)]
            self.stats["truncated_lines"] += 1
        self._put(data)
        if rng.random() < self.damage_rate * 0.4:  # noise between lines
            if rng.random() < 0.5:
                self._put(b"")
                self.stats["blank_lines"] += 1
            else:
                self._put(rng.choice(self.garbage))
                self.stats["garbage_lines"] += 1
        return intact

    def _put(self, data: bytes) -> None:
        self.parts.append(data)
        self.parts.append(b"\n")
        self.size += len(data) + 1
        self.lines += 1

    def end_mid_line(self, data: str) -> None:
        """The agent died while writing its last line: no newline after it."""
        raw = data.encode()
        self.parts.append(raw)
        self.size += len(raw)
        self.stats["unfinished_last_lines"] += 1

    def close(self) -> int:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.write_bytes(b"".join(self.parts))
        self.stats[self.agent + "_files"] += 1
        self.stats[self.agent + "_lines"] += self.lines
        self.stats[self.agent + "_bytes"] += self.size
        return self.size
