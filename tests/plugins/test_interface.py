"""The plug-in interface itself: what an AgentSource must hold, how pricing hints map model ids."""

from __future__ import annotations

import dataclasses

import pytest

from tracker.pricing import Pricer
from tracker.sources.agents import claude_code, codex, gemini_cli
from tracker.sources.plugin import LAST, AgentSource, Place, PricingHints, load_reader

HINTS = PricingHints(provider="anthropic", prefixes={"anthropic/": "anthropic", "openai/": "openai", "local/": None},
                     aliases={"sonnet": "claude-sonnet-4-5"})


@pytest.mark.parametrize("logged, provider, expected", [
    ("anthropic/claude-sonnet-4-5", None, ("claude-sonnet-4-5", "anthropic")),
    ("openai/gpt-5", None, ("gpt-5", "openai")),
    ("openai/gpt-5", "azure", ("gpt-5", "openai")),  # the prefix names the provider
    ("local/qwen3", "ollama", ("qwen3", "ollama")),  # a prefix without a provider keeps the event's
    ("sonnet", None, ("claude-sonnet-4-5", "anthropic")),  # an alias
    ("claude-opus-4-1-20250805", None, ("claude-opus-4-1-20250805", "anthropic")),  # dated ids: genai-prices' job
    ("gpt-5", "openai", ("gpt-5", "openai")),  # the reader's provider wins over the default
    ("openai/", None, ("openai/", "anthropic")),  # nothing after the prefix: left as logged
])
def test_pricing_hints_map_logged_ids(logged, provider, expected):
    assert HINTS.apply(logged, provider) == expected


def test_mapped_ids_are_priced_and_unknown_ones_stay_unpriced():
    pricer = Pricer()
    from tracker.core.tokens import Tokens

    tokens = Tokens(input_tokens=1000, output_tokens=100)
    at_ms = 1767607200000
    assert pricer.price(tokens, "anthropic/claude-sonnet-4-5", None, at_ms).cost_pico is None  # why hints exist
    model, provider = HINTS.apply("anthropic/claude-sonnet-4-5", None)
    assert pricer.price(tokens, model, provider, at_ms).cost_pico > 0
    model, provider = HINTS.apply("local/qwen3-coder-30b-no-such-price", None)
    assert pricer.price(tokens, model, provider, at_ms).cost_pico is None  # unpriced, never $0


def test_the_built_ins_declare_what_the_importer_and_settings_need():
    for module in (claude_code, codex, gemini_cli):
        source = module.SOURCE
        assert source.kind == module.KIND and source.places and source.places[0].env
        assert source.pricing.changes_nothing and source.pricing.provider == module.PROVIDER
        assert callable(source.reader()) and source.dedup_key and source.folder_hint
    assert codex.SOURCE.keeps_most_complete and claude_code.SOURCE.keeps_most_complete
    assert gemini_cli.SOURCE.keep == LAST
    assert gemini_cli.SOURCE.reads_whole("/x/chats/session-1.json")
    assert not gemini_cli.SOURCE.reads_whole("/x/chats/session-1.jsonl")
    assert not codex.SOURCE.reads_whole("/x/rollout.json")


def _source(**changes) -> AgentSource:
    return dataclasses.replace(codex.SOURCE, **changes)


@pytest.mark.parametrize("changes, says", [
    ({"kind": "Codex CLI"}, "kind 'Codex CLI' must be 2-40 lower-case letters"),
    ({"kind": "x"}, "kind 'x' must be"),
    ({"name": " "}, "name must be a non-empty text"),
    ({"keep": "first"}, "keep must be one of most_complete, last, not 'first'"),
    ({"places": [Place("~/.codex")]}, "places must be a tuple of Place"),
    ({"whole_files": ".json"}, "whole_files must be a tuple of file-name endings"),
    ({"roots": "~/.codex"}, "roots must be a function"),
    ({"parse": "tracker.sources.codex.parse"}, "parse must be a function or 'module:function'"),
    ({"pricing": {"provider": "openai"}}, "pricing must be PricingHints"),
])
def test_a_source_that_cannot_work_is_refused_when_declared(changes, says):
    with pytest.raises(ValueError, match=says):
        _source(**changes)


def test_a_reader_named_as_text_is_imported_only_when_asked():
    import subprocess
    import sys

    code = ("import sys\nfrom tracker.sources.agents import codex\n"
            "assert 'tracker.sources.codex' not in sys.modules\n"
            "codex.SOURCE.reader()\nassert 'tracker.sources.codex' in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True)
    assert load_reader(len) is len


def test_unique_dirs_keeps_existing_folders_once_in_order(tmp_path, monkeypatch):
    """discovery.unique_dirs: folders that exist, each once however spelt (a symlink, a relative path, a
    trailing separator), in the order given; files, missing paths and broken links are left out."""
    import os

    from tracker.sources import discovery

    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "file").write_text("")
    (tmp_path / "link-a").symlink_to(tmp_path / "a")
    (tmp_path / "broken").symlink_to(tmp_path / "nowhere")
    monkeypatch.chdir(tmp_path)
    given = [tmp_path / "missing" / "deeper", tmp_path / "link-a", tmp_path / "file", tmp_path / "b",
             tmp_path / "a", "a", f"{tmp_path}{os.sep}b{os.sep}", tmp_path / "broken", tmp_path / "b" / ".." / "b"]
    assert discovery.unique_dirs(given) == [tmp_path / "link-a", tmp_path / "b"]


def test_walk_files_gives_each_file_its_filestat(tmp_path):
    """discovery.walk_files: FileStat records (their class, as from_stat makes them), sorted, regular files only."""
    import os

    from tracker.sources import discovery

    (tmp_path / "b").mkdir()
    for name in ("b/2.jsonl", "1.jsonl", "note.txt"):
        (tmp_path / name).write_text("x" * len(name))
    os.mkfifo(tmp_path / "fifo.jsonl")
    found = list(discovery.walk_files(tmp_path, (".jsonl",)))
    expected = [discovery.FileStat.from_stat(str(p), os.stat(p)) for p in (tmp_path / "1.jsonl", tmp_path / "b/2.jsonl")]
    assert found == expected and all(type(stat) is discovery.FileStat for stat in found)
    assert found[0].stat_key == f"{expected[0].dev}:{expected[0].ino}:{expected[0].size}:{expected[0].mtime_ns}"
    assert found[1]._replace(size=0).size == 0
