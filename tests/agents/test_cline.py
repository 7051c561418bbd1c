"""Cline, Roo Code and Kilo Code task histories (tracker.sources.cline_tasks), docs/agents/cline.md.

Cline's fixtures are three real tasks from public repositories, trimmed
(fixtures/cline/README.md); every figure below was counted by hand from their
`api_req_started` messages. Roo Code's and Kilo Code's are derived from Roo
Code's source (fixtures/roo_code/README.md).
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from tests.agents.conftest import FIXTURES
from tracker.services.log_import import roots_with_folders
from tracker.sources.agents import cline, cline_family, kilo_code, roo_code

CLINE_STORAGE = Path(".config/Code/User/globalStorage/saoudrizwan.claude-dev/tasks")
FINEYE = CLINE_STORAGE / "1767644899093"  # Cline 3.4x, the Cline provider: grok-code-fast-1, then claude-sonnet-4.5
XRAY = Path(".config/Cursor/User/globalStorage/saoudrizwan.claude-dev/tasks/1770577372307")  # anthropic, opus 4.6
DEEPSEEK = Path(".cline/data/tasks/1760534080239")  # before modelInfo: the model from task_metadata.json

# (UTC day, model) -> [uncached input, cache read, cache write, output, requests], counted by hand
CLINE_EXPECTED = {
    ("2025-10-15", "deepseek-chat"): [256586, 3066304, 0, 23260, 60],  # cacheWrites are DeepSeek's misses: input
    ("2026-01-05", "claude-sonnet-4.5"): [106365, 154438, 0, 2170, 5],  # "anthropic/" prefix removed
    ("2026-01-05", "grok-code-fast-1"): [38039, 478400, 0, 1916, 19],
    ("2026-02-08", "claude-opus-4-6"): [530, 5349183, 1346804, 51905, 53],
}


def test_real_cline_tasks_exact_per_day_and_model(agents):
    agents.copy("cline/home")
    report = agents.run()
    assert agents.by_day_model("cline") == CLINE_EXPECTED
    assert report.by_source["cline"] == {"files_seen": 3, "files_read": 3, "events_added": 137}
    # 8 requests that never got usage (cancelled before the first chunk); 2 checkpoint-restore sums
    assert dict(report.lines_skipped) == {"no_usage": 8, "deleted_aggregate": 2}
    assert not report.errors
    events = {e["key"]: e for e in agents.events("cline")}
    first = events["1770577372307:1770577389904"]
    assert (first["provider"], first["session"], first["input_tokens"], first["cache_read_tokens"],
            first["cache_write_5m_tokens"], first["output_tokens"]) == ("anthropic", "1770577372307", 10, 8096,
                                                                          12954, 733)
    # priced by the tracker, and Cline's own estimate agrees to the cent: $12.3923915 logged for the task
    opus = sum(e["cost_pico"] for e in agents.events("cline") if e["model"] == "claude-opus-4-6")
    assert round(opus / 10**12, 4) == 12.3924
    # the Cline gateway's billed cost is kept as reported; its $0 (a free promotion) is priced instead
    sonnet = [e for e in events.values() if e["model"] == "claude-sonnet-4.5"]
    assert all(e["price_id"] == "reported:cline" for e in sonnet)
    assert sum(e["cost_pico"] for e in sonnet) == 477712650000
    grok = [e for e in events.values() if e["model"] == "grok-code-fast-1"]
    assert all(e["cost_pico"] > 0 and not e["price_id"].startswith("reported") for e in grok)
    deepseek = [e for e in events.values() if e["model"] == "deepseek-chat"]
    assert {e["provider"] for e in deepseek} == {"deepseek"}


def test_nothing_new_reads_nothing_and_a_rewritten_task_adds_only_its_new_requests(agents):
    """The older snapshot of the DeepSeek task (same repository, two copies of one task) then the newer one."""
    task = agents.home / DEEPSEEK
    agents.copy("cline/home/.cline", agents.home / ".cline")
    shutil.copy(FIXTURES / "cline/older/ui_messages.json", task / "ui_messages.json")
    first = agents.run()
    assert first.events_added == 59
    assert agents.run().files_read == 0
    before = {e["key"]: e for e in agents.events("cline")}
    shutil.copy(FIXTURES / "cline/home" / DEEPSEEK / "ui_messages.json", task / "ui_messages.json")
    second = agents.run()
    assert (second.files_read, second.events_added) == (1, 1)  # the 61st request had no usage yet
    after = {e["key"]: e for e in agents.events("cline")}
    assert len(after) == 60 and all(after[k] == v for k, v in before.items())


def test_a_request_rewritten_as_it_streams_keeps_its_last_state(agents):
    task = agents.home / CLINE_STORAGE / "1700000000000"
    m = {"modelInfo": {"modelId": "claude-sonnet-4-5-20250929", "providerId": "anthropic"}}
    write_task(task, [api_req(1700000001000, request="r", **m), api_req(1700000002000, request="r", **m)])
    report = agents.run()
    assert report.lines_skipped["no_usage"] == 2 and not agents.events("cline")
    write_task(task, [api_req(1700000001000, tokensIn=5, tokensOut=50, cacheReads=900, cacheWrites=10, cost=0.1, **m),
                      api_req(1700000002000, tokensIn=7, tokensOut=3, **m)], bump=1)
    agents.run()
    write_task(task, [api_req(1700000001000, tokensIn=5, tokensOut=20, cacheReads=900, cacheWrites=10, cost=0.1, **m),
                      api_req(1700000002000, tokensIn=7, tokensOut=9, **m)], bump=2)
    agents.run()
    assert [e["output_tokens"] for e in agents.events("cline")] == [20, 9]  # LAST: fewer tokens still replace


def test_a_task_in_two_editors_and_a_backup_is_counted_once(agents, tmp_path):
    agents.copy("cline/home")
    shutil.copytree(agents.home / FINEYE, agents.home / ".vscode-server/data/User/globalStorage/saoudrizwan.claude-dev"
                    / "tasks" / FINEYE.name)
    backup = tmp_path / "backup" / "saoudrizwan.claude-dev"
    shutil.copytree(agents.home / CLINE_STORAGE, backup / "tasks")
    roots, notes = roots_with_folders([str(backup)])
    assert not notes and backup / "tasks" in roots["cline"]
    assert roots["roo_code"] == [] and roots["kilo_code"] == []  # the folder names the extension
    report = agents.run(roots=roots)
    assert report.by_source["cline"]["files_seen"] == 5
    assert agents.by_day_model("cline") == CLINE_EXPECTED


def test_where_cline_writes(agents, monkeypatch, tmp_path):
    home = agents.home
    assert str(home / ".config/Code/User/globalStorage/saoudrizwan.claude-dev/tasks") in cline_family.storage_tasks(
        cline.EXTENSION_ID)
    mac = cline_family.storage_tasks(cline.EXTENSION_ID, "darwin")
    assert str(home / "Library/Application Support/Code - Insiders/User/globalStorage/saoudrizwan.claude-dev/tasks") in mac
    monkeypatch.setenv("APPDATA", str(tmp_path / "Roaming"))
    windows = cline_family.storage_tasks(cline.EXTENSION_ID, "win32")
    assert str(tmp_path / "Roaming/Windsurf/User/globalStorage/saoudrizwan.claude-dev/tasks") in windows
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("VSCODE_PORTABLE", str(tmp_path / "portable"))
    linux = cline_family.storage_tasks(cline.EXTENSION_ID, "linux")
    assert linux[0] == str(tmp_path / "portable/user-data/User/globalStorage/saoudrizwan.claude-dev/tasks")
    assert str(tmp_path / "xdg/VSCodium/User/globalStorage/saoudrizwan.claude-dev/tasks") in linux
    # Cline outside VS Code: CLINE_DATA_DIR, else CLINE_DIR/data, else ~/.cline/data
    assert cline.data_tasks() == [str(home / ".cline/data/tasks")]
    monkeypatch.setenv("CLINE_DIR", str(tmp_path / "cl"))
    assert cline.data_tasks() == [str(tmp_path / "cl/data/tasks")]
    monkeypatch.setenv("CLINE_DATA_DIR", str(tmp_path / "cdata"))
    write_task(tmp_path / "cdata/tasks/1", [api_req(1700000001000, tokensIn=1, tokensOut=2,
                                                    modelInfo={"modelId": "claude-sonnet-4-5", "providerId": "anthropic"})])
    agents.run()
    assert [e["session"] for e in agents.events("cline")] == ["1"]


def test_cline_model_from_task_metadata_by_time(agents):
    task = agents.home / CLINE_STORAGE / "1"
    write_task(task, [api_req(1000_000, tokensIn=1, tokensOut=1), api_req(3000_000, tokensIn=1, tokensOut=1),
                      api_req(500_000, tokensIn=1, tokensOut=1)])
    (task / "task_metadata.json").write_text(json.dumps({"model_usage": [
        {"ts": 2000_000, "model_id": "gpt-5", "model_provider_id": "openai-native", "mode": "act"},
        {"ts": 900_000, "model_id": "claude-sonnet-4-5-20250929", "model_provider_id": "anthropic", "mode": "plan"},
    ]}))
    agents.run()
    assert [(e["ts_ms"], e["model"], e["provider"]) for e in agents.events("cline")] == [
        (500_000, "claude-sonnet-4-5-20250929", "anthropic"),  # before the first entry: the first model
        (1000_000, "claude-sonnet-4-5-20250929", "anthropic"),
        (3000_000, "gpt-5", "openai")]


def test_cline_input_with_the_cached_part_inside_and_unknown_models(agents):
    task = agents.home / CLINE_STORAGE / "2"
    write_task(task, [
        api_req(1000_000, tokensIn=1000, tokensOut=5, cacheReads=600, cacheWrites=100,
                modelInfo={"modelId": "qwen3-coder-local", "providerId": "lmstudio"}),
        api_req(2000_000, tokensIn=1000, tokensOut=5, cacheReads=600, cacheWrites=100,
                modelInfo={"modelId": "claude-sonnet-4-5-20250929", "providerId": "anthropic"}),
    ])
    agents.run()
    local, claude = agents.events("cline")
    assert (local["input_tokens"], local["cache_read_tokens"], local["cache_write_5m_tokens"]) == (300, 600, 100)
    assert local["cost_pico"] is None  # unknown model: unpriced, never $0
    assert (claude["input_tokens"], claude["cost_pico"] > 0) == (1000, True)  # Anthropic style: uncached already


def test_bad_records_are_counted_by_reason(agents):
    task = agents.home / CLINE_STORAGE / "3"
    model = {"modelId": "claude-sonnet-4-5-20250929", "providerId": "anthropic"}
    write_task(task, [
        "not a message",
        {"ts": 1, "type": "say", "say": "api_req_started", "text": "{broken", "modelInfo": model},
        {"ts": 2, "type": "say", "say": "api_req_started", "text": "[1]", "modelInfo": model},
        api_req(3, tokensIn=-5, tokensOut=1, modelInfo=model),
        api_req(4, tokensIn="12", tokensOut=1, modelInfo=model),
        api_req("2026-01-01", tokensIn=1, tokensOut=1, modelInfo=model),
        api_req(6, tokensIn=1, tokensOut=1),  # no model anywhere
        api_req(7, tokensIn=2 * 10**9, tokensOut=1, modelInfo=model),
        api_req(8, tokensIn=1, tokensOut=1, modelInfo=model),
    ])
    (agents.home / CLINE_STORAGE / "4").mkdir()
    (agents.home / CLINE_STORAGE / "4" / "ui_messages.json").write_text('[{"ts": 1, "type": "say"')  # mid-rewrite
    (agents.home / CLINE_STORAGE / "5").mkdir()
    (agents.home / CLINE_STORAGE / "5" / "ui_messages.json").write_text('{"messages": []}')
    report = agents.run()
    assert [e["key"] for e in agents.events("cline")] == ["3:8"]
    assert dict(report.lines_skipped) == {"not_an_object": 2, "invalid_json": 2, "bad_number": 3,
                                          "bad_timestamp": 1, "missing_model": 1, "unknown_kind": 1}


# -- Roo Code and Kilo Code -------------------------------------------------------------------------
# The derived task (fixtures/roo_code/README.md): three requests on the first model (Anthropic protocol,
# inclusive twice, Roo Code < 3.29.5's uncached once), two on the second (OpenAI protocol, one a retry).
ROO_EXPECTED = {
    ("2025-10-31", "claude-sonnet-4-5-20250929"): [1140, 23500, 12700, 870, 3],
    ("2025-10-31", "gpt-5-2025-08-07"): [2200, 8000, 0, 900, 2],
}
KILO_EXPECTED = {  # Kilo Code's gateway logs OpenRouter-style ids: the vendor prefix names the provider
    ("2025-10-31", "claude-sonnet-4.5"): [1140, 23500, 12700, 870, 3],
    ("2025-10-31", "gpt-5"): [2200, 8000, 0, 900, 2],
}


@pytest.mark.parametrize("kind, expected, providers", [
    ("roo_code", ROO_EXPECTED, {None}), ("kilo_code", KILO_EXPECTED, {"anthropic", "openai"})])
def test_roo_and_kilo_tasks_exact(agents, kind, expected, providers):
    agents.copy(f"{kind}/home")
    report = agents.run()
    assert agents.by_day_model(kind) == expected
    assert report.lines_skipped == {"no_usage": 1}
    events = agents.events(kind)
    assert {e["project"] for e in events} == {"shop-api"} and {e["cwd"] for e in events} == {
        "/home/dev/projects/shop-api"}
    assert {e["provider"] for e in events} == providers
    assert all(e["cost_pico"] and e["cost_pico"] > 0 for e in events)  # every model priced
    assert all(":" in e["key"] and e["session"] == e["key"].split(":")[0] for e in events)
    assert agents.run().files_read == 0


def test_roo_and_kilo_do_not_read_each_others_tasks(agents):
    agents.copy("roo_code/home")
    agents.run()
    assert agents.events("roo_code") and not agents.events("kilo_code") and not agents.events("cline")


def test_roo_model_file_change_rereads_the_task(agents):
    """The model arrives in api_conversation_history.json: a change there alone reads the task again."""
    agents.copy("roo_code/home")
    task = next((agents.home / ".config/Code/User/globalStorage/rooveterinaryinc.roo-cline/tasks").iterdir())
    history = task / "api_conversation_history.json"
    saved = history.read_text()
    history.write_text("[]")
    first = agents.run()
    assert first.lines_skipped["missing_model"] == 5 and not agents.events("roo_code")
    history.write_text(saved)
    os.utime(history, ns=(0, task.stat().st_mtime_ns + 10**9))
    assert agents.run().events_added == 5


def test_the_plugins_declare_the_editors_storage():
    for module, extension in ((cline, "saoudrizwan.claude-dev"), (roo_code, "rooveterinaryinc.roo-cline"),
                              (kilo_code, "kilocode.kilo-code")):
        source = module.SOURCE
        assert source.whole_files == ("ui_messages.json",) and source.keep == "last"
        assert extension in source.places[0].path and source.folder_hint == f"{extension}/tasks/"


# -- helpers -----------------------------------------------------------------------------------------
def api_req(ts, say="api_req_started", modelInfo=None, **info) -> dict:
    message = {"ts": ts, "type": "say", "say": say, "text": json.dumps(info)}
    if modelInfo is not None:
        message["modelInfo"] = modelInfo
    return message


def write_task(folder: Path, messages: list, bump: int = 0) -> None:
    """As the extension does: the whole document again (with a later time, so its stat changes)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "ui_messages.json"
    path.write_text(json.dumps(messages))
    if bump:
        st = path.stat()
        os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + bump * 10**9))
