"""The reliability suite runs bounded in CI; RELIABILITY_FULL=1 runs it in full.

    RELIABILITY_FULL=1 python -m pytest tests/reliability -q -s

Every test prints its figures (runs, faults injected, kills, inputs tried,
losses); a full run also writes them to tests/reliability/results/<name>.json,
from which RESULTS.md is written.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

FULL = os.environ.get("RELIABILITY_FULL") == "1"
RESULTS_DIR = Path(__file__).parent / "results"
REPO = Path(__file__).resolve().parents[2]
# shared/ beside the clone (as CI lays it out); TRACKER_GEN_LOGS names another copy of the generator
GEN_LOGS = Path(os.environ.get("TRACKER_GEN_LOGS") or (REPO / ".." / "shared" / "bench" / "gen_logs.py")).resolve()

settings.register_profile("reliability-bounded", max_examples=200, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
settings.register_profile("reliability-full", max_examples=5000, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
PROFILE = settings.get_profile("reliability-full" if FULL else "reliability-bounded")


def scaled(bounded: int, full: int) -> int:
    return full if FULL else bounded


def record(name: str, **figures) -> None:
    """Print the figures of one test (visible with -s) and keep them when the run is full."""
    print(f"\n[reliability] {name}: " + ", ".join(f"{k}={v}" for k, v in figures.items()))
    if FULL:
        RESULTS_DIR.mkdir(exist_ok=True)
        (RESULTS_DIR / f"{name}.json").write_text(json.dumps({"full": True, **figures}, indent=2, sort_keys=True)
                                                  + "\n")


@pytest.fixture(autouse=True)
def _memory_keyring_for_every_test(memory_keyring):
    return memory_keyring


def make_corpus(out: Path, mb: float, seed: int = 5) -> Path:
    """A gen_logs corpus (Claude Code + Codex) with duplicates, re-emits and malformed lines."""
    if not GEN_LOGS.exists():
        pytest.skip(f"corpus generator not found at {GEN_LOGS}")
    subprocess.run([sys.executable, str(GEN_LOGS), "--mb", str(mb), "--seed", str(seed), "--days", "12",
                    "--projects", "3", "--session-kb", "40", "--dup-rate", "0.3", "--reemit-rate", "0.3",
                    "--malformed-rate", "0.01", "--out", str(out)], check=True, capture_output=True)
    return out


@pytest.fixture(scope="session")
def corpus(tmp_path_factory) -> Path:
    return make_corpus(tmp_path_factory.mktemp("corpus") / "c", 1)


def expected_totals(truth: dict) -> dict:
    """Ground truth as (source, day, model) -> token classes, in the report's vocabulary."""
    out = {}
    for day, models in truth["claude"]["days"].items():
        for model, r in models.items():
            v = (r["input_tokens"], r["cache_creation_input_tokens"], r["cache_read_input_tokens"], r["output_tokens"])
            if any(v):
                out[("claude_code", day, model)] = v
    for day, models in truth["codex"]["days"].items():
        for model, r in models.items():
            v = (r["input_tokens"] - r["cached_input_tokens"], 0, r["cached_input_tokens"], r["output_tokens"])
            if any(v):
                out[("codex", day, model)] = v
    return out


def measured_totals(report: dict) -> dict:
    """A `report daily --json` (or usage_report dict) as (source, day, model) -> token classes."""
    out = {}
    for row in report["rows"]:
        v = (row["input_tokens"], row["cache_write_tokens"], row["cache_read_tokens"], row["output_tokens"])
        if any(v):
            out[(row["source"], row["date"], row["model"])] = v
    return out


def agent_env(corpus_dir: Path) -> dict[str, str]:
    home = corpus_dir / "home"
    return {"HOME": str(home), "CLAUDE_CONFIG_DIR": str(home / ".claude"), "CODEX_HOME": str(home / ".codex")}
