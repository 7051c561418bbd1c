"""The corpus generator: same knobs, same bytes; its truth agrees with a plain recount of the files it
wrote; the agents' habits that break naive counting are really in it; bad knobs get a sentence."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter, defaultdict
from pathlib import Path

import pytest

from tests.corpus.gen_logs import Knobs, generate
from tests.corpus.truth import CLAUDE_FIELDS, CODEX_FIELDS

GEN_LOGS = Path(__file__).with_name("gen_logs.py")
# every habit often, in a corpus small enough to read line by line here
HABITS = dict(mb=2, seed=5, days=240, session_kb=20, dup_rate=0.45, reemit_rate=0.5, malformed_rate=0.03,
              synthetic_rate=0.05, claude_subagent_rate=0.3, codex_subagent_rate=1)
# Codex only, in long threads: the model switches mid-thread and the context compacts
LONG_THREADS = dict(mb=2, seed=1, codex_share=1, session_kb=1500, reemit_rate=0.3)


@pytest.fixture(scope="module")
def habits(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("habits") / "c"
    generate(out, **HABITS)
    return out


@pytest.fixture(scope="module")
def long_threads(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("long") / "c"
    generate(out, **LONG_THREADS)
    return out


def _tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def _records(path: Path) -> list:
    """Each line of a log: the JSON object, or None where the line is not one (cut short, garbage, blank)."""
    out = []
    for line in path.read_bytes().split(b"\n")[:-1]:
        try:
            obj = json.loads(line)
        except ValueError:
            obj = None
        out.append(obj if isinstance(obj, dict) else None)
    return out


def test_the_same_knobs_give_the_same_bytes_in_process_and_from_the_command_line(tmp_path):
    generate(tmp_path / "a", mb=0.6, seed=4, malformed_rate=0.02, codex_subagent_rate=0.5)
    env = dict(os.environ, PYTHONHASHSEED="7")  # nothing may hang on set or dict order
    subprocess.run([sys.executable, str(GEN_LOGS), "--mb", "0.6", "--seed", "4", "--malformed-rate", "0.02",
                    "--codex-subagent-rate", "0.5", "--out", str(tmp_path / "b")],
                   check=True, capture_output=True, env=env, cwd=tmp_path)
    generate(tmp_path / "c", mb=0.6, seed=5, malformed_rate=0.02, codex_subagent_rate=0.5)
    a = _tree(tmp_path / "a")
    assert len(a) > 5 and a == _tree(tmp_path / "b")
    assert a != _tree(tmp_path / "c")


def test_help_names_every_knob():
    done = subprocess.run([sys.executable, str(GEN_LOGS), "--help"], capture_output=True, text=True, check=True,
                          cwd="/")
    for knob in Knobs.__dataclass_fields__:
        assert "--" + knob.replace("_", "-") in done.stdout


@pytest.mark.parametrize("args, words", [
    (["--mb", "1", "--malformed-rate", "2"], "--malformed-rate must be between 0 and 1"),
    (["--mb", "0"], "--mb must be above 0"),
    (["--mb", "1", "--end-date", "30/11/2025"], "is not a date"),
    (["--mb", "1", "--out", "."], "is not empty"),
])
def test_bad_knobs_are_refused_with_a_sentence(tmp_path, args, words):
    (tmp_path / "something").write_text("x")
    argv = args if "--out" in args else [*args, "--out", str(tmp_path / "new")]
    done = subprocess.run([sys.executable, str(GEN_LOGS), *argv], capture_output=True, text=True, cwd=tmp_path)
    assert done.returncode == 2 and words in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "new").exists()


def _recount_claude(projects: Path) -> dict:
    """Each message.id once, with its copy of the largest token total (the copies share day and model)."""
    best = {}
    for path in projects.rglob("*.jsonl"):
        for obj in _records(path):
            message = obj and obj.get("message")
            if obj and obj.get("type") == "assistant" and isinstance(message, dict) and "model" in message:
                usage = tuple(message["usage"][f] for f in CLAUDE_FIELDS)
                if message["id"] not in best or sum(usage) > sum(best[message["id"]][2]):
                    best[message["id"]] = (obj["timestamp"][:10], message["model"], usage)
    table = defaultdict(lambda: [0] * 5)
    for day, model, usage in best.values():
        row = table[(day, model)]
        row[:4] = [a + b for a, b in zip(row, usage)]
        row[4] += 1
    return dict(table)


def _recount_codex(sessions: Path) -> dict:
    """token_count events whose total advanced, with last_token_usage; a sub-agent's burst in the second of its
    session_meta only sets the running total."""
    table = defaultdict(lambda: [0] * 6)
    for path in sorted(sessions.rglob("*.jsonl")):
        model = total = burst_second = None
        for obj in filter(None, _records(path)):
            payload = obj.get("payload") or {}
            if obj.get("type") == "session_meta" and "subagent" in payload.get("source"):
                burst_second = obj["timestamp"][:19]
            elif obj.get("type") == "turn_context":
                model = payload["model"]
            elif payload.get("type") == "token_count" and isinstance(payload.get("info"), dict):
                now, last = payload["info"].get("total_token_usage"), payload["info"].get("last_token_usage")
                if not isinstance(now, dict) or not isinstance(last, dict):
                    continue
                if obj["timestamp"][:19] != burst_second and now != total:
                    row = table[(obj["timestamp"][:10], model)]
                    row[:5] = [a + last[f] for a, f in zip(row, CODEX_FIELDS)]
                    row[5] += 1
                total = now
    return dict(table)


def _truth_table(truth: dict, agent: str, names: tuple[str, ...]) -> dict:
    return {(day, model): [row[n] for n in names] for day, models in truth[agent]["days"].items()
            for model, row in models.items()}


@pytest.mark.parametrize("name", ["habits", "long_threads"])
def test_the_truth_is_a_plain_recount_of_the_files(request, name):
    corpus = request.getfixturevalue(name)
    truth = json.loads((corpus / "ground_truth.json").read_text())
    assert _recount_claude(corpus / "home" / ".claude" / "projects") == \
        _truth_table(truth, "claude", CLAUDE_FIELDS + ("messages",))
    assert _recount_codex(corpus / "home" / ".codex" / "sessions") == \
        _truth_table(truth, "codex", CODEX_FIELDS + ("events",))


def test_the_agents_habits_are_in_the_corpus(habits):
    projects = habits / "home" / ".claude" / "projects"
    lines = Counter()
    copies = defaultdict(set)  # message id -> (requestId, output tokens, sidechain)
    sidechain_layouts, summaries_with_usage, cache_split = set(), 0, set()
    for path in projects.rglob("*.jsonl"):
        nested = "subagents" in path.parts
        if path.name.startswith("agent-"):
            sidechain_layouts.add("nested" if nested else "flat")
            session = next(filter(None, _records(path)))["sessionId"]  # the parent's
            assert ((path.parents[2] if nested else path.parent) / f"{session}.jsonl").exists()
        for raw, obj in zip(path.read_bytes().split(b"\n"), _records(path)):
            if obj is None:
                lines["not an object" if raw.strip() else "blank"] += 1
                continue
            assert obj.get("isSidechain", path.name.startswith("agent-")) == path.name.startswith("agent-")
            message = obj.get("message")
            if obj.get("type") == "assistant" and isinstance(message, dict) and "id" in message:
                lines[raw] += 1
                usage = message["usage"]
                copies[message["id"]].add((obj.get("requestId"), usage["output_tokens"], obj["isSidechain"]))
                cache_split.add("cache_creation" in usage)
                lines["synthetic"] += message["model"] == "<synthetic>"
            summaries_with_usage += obj.get("type") == "user" and "usage" in (obj.get("toolUseResult") or {})
    assert lines["not an object"] > 5 and lines["blank"] > 0
    assert lines["synthetic"] > 0
    assert any(n == 2 for raw, n in lines.items() if isinstance(raw, bytes))  # a line written twice
    assert any(len({out for _, out, _ in c}) > 1 for c in copies.values())  # streamed: output grows
    assert any(len({rid for rid, _, _ in c}) > 1 and {True, False} <= {s for *_, s in c} for c in copies.values())
    assert sidechain_layouts == {"nested", "flat"} and summaries_with_usage > 0 and cache_split == {True, False}

    kinds = _rollout_kinds(habits)
    assert kinds["null info first"] == kinds["files"] - kinds["sub-agents"] > 0
    assert kinds["re-emits"] > 10 and kinds["sub-agents"] > 1


def test_long_codex_threads_switch_models_and_compact(long_threads):
    kinds = _rollout_kinds(long_threads)
    assert kinds["model switches"] > 0 and kinds["compactions"] > 0


def _rollout_kinds(corpus: Path) -> Counter:
    kinds = Counter()
    for path in (corpus / "home" / ".codex" / "sessions").rglob("*.jsonl"):
        records = list(filter(None, _records(path)))
        totals = [r["payload"]["info"] and r["payload"]["info"]["total_token_usage"] for r in records
                  if r.get("payload", {}).get("type") == "token_count"]
        kinds["files"] += 1
        kinds["null info first"] += totals[0] is None
        kinds["re-emits"] += sum(1 for a, b in zip(totals, totals[1:]) if a and a == b)
        kinds["sub-agents"] += "subagent" in records[0]["payload"]["source"]
        kinds["compactions"] += sum(r["type"] == "compacted" for r in records)
        kinds["model switches"] += len({r["payload"]["model"] for r in records if r["type"] == "turn_context"}) > 1
    return kinds
