#!/usr/bin/env python3
"""Seeded corpus of Claude Code and Codex CLI logs, with the exact totals a correct importer must find.

Writes
  OUT/home/.claude/projects/<project>/<session>.jsonl     Claude Code (and sub-agent sidechains)
  OUT/home/.codex/sessions/YYYY/MM/DD/rollout-*.jsonl     Codex CLI
  OUT/ground_truth.json                                   per UTC day and model, after de-duplication

Import it with HOME=OUT/home CLAUDE_CONFIG_DIR=OUT/home/.claude CODEX_HOME=OUT/home/.codex TZ=UTC.
The same arguments give the same bytes. Most bytes are prompts, thinking, tool input and output,
as in real logs; the knobs set how often the agents' habits that break naive counting occur
(streamed duplicates, re-emitted totals, lines cut short; see tests/corpus/truth.py for what
counts).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import random
import sys
import time
from collections import Counter
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make `tests.corpus` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.corpus import claude_sessions, codex_rollouts  # noqa: E402
from tests.corpus.filler import Filler  # noqa: E402
from tests.corpus.truth import Truth  # noqa: E402
from tests.corpus.world import Ids, World  # noqa: E402

MIB = 1024 * 1024
MIN_SESSION_BYTES = 20 * 1024
MAX_SESSION_BYTES = 80 * MIB
CODEX_SESSION_SCALE = 0.7  # Codex rollouts run smaller than Claude Code transcripts
KNOB_TYPES = {"float": float, "int": int, "str": str}  # the annotations, as text (postponed evaluation)


@dataclass(frozen=True)
class Knobs:
    mb: float = field(metadata={"help": "size of the corpus in MiB, both agents together (required)"})
    seed: int = field(default=42, metadata={"help": "the random seed: same knobs, same bytes"})
    days: int = field(default=365, metadata={"help": "length of the date window in days"})
    end_date: str = field(default="2025-11-30", metadata={"help": "last UTC day of the window (YYYY-MM-DD)"})
    projects: int = field(default=40, metadata={"help": "number of projects (working folders); a few are popular"})
    session_kb: float = field(default=250, metadata={
        "help": "median size of a Claude Code session file in KiB (lognormal; Codex 0.7x)"})
    codex_share: float = field(default=0.3, metadata={"help": "share of the bytes written as Codex rollouts"})
    dup_rate: float = field(default=0.10, metadata={
        "help": "Claude responses written as several lines: ~2.2x this share of multi-block responses is "
                "streamed one line per block, and 0.15x this share of the others is written twice"})
    reemit_rate: float = field(default=0.10, metadata={
        "help": "share of Codex token_count events re-emitted with an unchanged total"})
    malformed_rate: float = field(default=0.001, metadata={
        "help": "share of lines cut short (plus 0.4x this of blank or garbage lines, and 20x this share of "
                "Claude sessions ending mid-line)"})
    synthetic_rate: float = field(default=0.003, metadata={
        "help": "share of Claude responses that fail with a local '<synthetic>' API-error line (zero usage)"})
    claude_subagent_rate: float = field(default=0.02, metadata={
        "help": "share of Claude Code tool calls that are Task calls run by a sub-agent (a sidechain file)"})
    codex_subagent_rate: float = field(default=0.05, metadata={
        "help": "share of Codex threads that spawn a sub-agent thread replaying their token counts"})

    def check(self) -> None:
        """ValueError with a sentence when a knob is out of range."""
        if not self.mb > 0:
            raise ValueError("--mb must be above 0")
        if self.days < 1 or self.projects < 1:
            raise ValueError("--days and --projects must be at least 1")
        if not self.session_kb > 0:
            raise ValueError("--session-kb must be above 0")
        for name in ("codex_share", "dup_rate", "reemit_rate", "malformed_rate", "synthetic_rate",
                     "claude_subagent_rate", "codex_subagent_rate"):
            if not 0 <= getattr(self, name) <= 1:
                raise ValueError(f"--{name.replace('_', '-')} must be between 0 and 1")
        if self.dup_rate > 1 / 2.2 or self.malformed_rate > 0.05:
            raise ValueError("--dup-rate must be at most 0.45 and --malformed-rate at most 0.05")
        try:
            dt.date.fromisoformat(self.end_date)
        except ValueError:
            raise ValueError(f"--end-date {self.end_date!r} is not a date like 2025-11-30") from None


class Corpus:
    """What the session writers share: the seeded random stream, the world, the filler, the truth."""

    def __init__(self, knobs: Knobs):
        self.knobs = knobs
        self.rng = random.Random(knobs.seed)
        self.ids = Ids(self.rng)
        self.filler = Filler(self.rng)
        self.world = World(self.rng, knobs.days, dt.date.fromisoformat(knobs.end_date), knobs.projects)
        self.truth = Truth()
        self.stats: Counter = Counter()

    def session_bytes(self, median_kb: float, room: int, agent_bytes: int) -> int:
        """A session's size: lognormal, at most the room left and a third of its agent's bytes (even a small
        corpus holds several sessions of each agent)."""
        size = self.rng.lognormvariate(math.log(median_kb * 1024), 1.2)
        cap = min(MAX_SESSION_BYTES, room + MIN_SESSION_BYTES, max(MIN_SESSION_BYTES, agent_bytes // 3))
        return int(min(cap, max(MIN_SESSION_BYTES, size)))


def generate(out: Path | str, **knobs) -> dict:
    """Write a corpus into the folder `out` (new or empty); returns what ground_truth.json holds."""
    k = Knobs(**knobs)
    k.check()
    out = Path(out)
    if out.exists() and any(out.iterdir()):
        raise FileExistsError(f"{out} is not empty: give a new folder")
    c = Corpus(k)
    projects = out / "home" / ".claude" / "projects"
    sessions = out / "home" / ".codex" / "sessions"
    projects.mkdir(parents=True)
    sessions.mkdir(parents=True)
    want_codex = int(k.mb * MIB * k.codex_share)
    want_claude = int(k.mb * MIB) - want_codex
    claude = codex = 0
    rng = c.rng
    # both agents drawn from one stream, so that they share the calendar
    while claude < want_claude or codex < want_codex:
        if codex < want_codex and (claude >= want_claude or rng.random() < k.codex_share):
            codex += codex_rollouts.write_session(
                c, sessions, c.session_bytes(k.session_kb * CODEX_SESSION_SCALE, want_codex - codex, want_codex))
        else:
            claude += claude_sessions.write_session(
                c, projects, c.session_bytes(k.session_kb, want_claude - claude, want_claude))
    truth = {
        "schema": 1,
        "generator": "tests/corpus/gen_logs.py",
        "note": ("UTC days. claude: each response (message.id) once, with its most complete surviving copy; "
                 "zero-token '<synthetic>' rows are Claude Code's local API-error lines. codex: token_count "
                 "events whose total_token_usage advanced, with their last_token_usage; input_tokens includes "
                 "cached_input_tokens, output_tokens includes reasoning_output_tokens."),
        "params": asdict(k),
        "paths": {"HOME": "home", "CLAUDE_CONFIG_DIR": "home/.claude", "CODEX_HOME": "home/.codex"},
        "stats": dict(sorted(c.stats.items())),
        **c.truth.document(),
    }
    (out / "ground_truth.json").write_text(json.dumps(truth, indent=1) + "\n")
    return truth


def _parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", required=True, type=Path, help="the folder to create (must be new or empty)")
    for f in fields(Knobs):
        flag = "--" + f.name.replace("_", "-")
        if f.name == "mb":
            ap.add_argument(flag, type=float, required=True, help=f.metadata["help"])
        else:
            ap.add_argument(flag, type=KNOB_TYPES[f.type], default=f.default,
                            help=f.metadata["help"] + " (default %(default)s)")
    return ap


def main(argv: list[str] | None = None) -> int:
    ap = _parser()
    args = vars(ap.parse_args(argv))
    out = args.pop("out")
    started = time.perf_counter()
    try:
        truth = generate(out, **args)
    except (ValueError, FileExistsError) as e:
        ap.error(str(e))
    s = truth["stats"]
    mib = (s.get("claude_bytes", 0) + s.get("codex_bytes", 0)) / MIB
    print("wrote %.1f MiB: %d Claude Code files, %d Codex files, %d lines, in %.2f s -> %s"
          % (mib, s.get("claude_files", 0), s.get("codex_files", 0), s.get("claude_lines", 0) + s.get("codex_lines", 0),
             time.perf_counter() - started, out), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
