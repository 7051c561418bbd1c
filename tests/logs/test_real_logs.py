"""Agent logs from public repositories, imported exactly (provenance: tests/logs/real/README.md).

Every expectation below is counted by hand from the files' lines.
"""

from __future__ import annotations

import shutil
from pathlib import Path

REAL = Path(__file__).parent / "real"


def _place(src: str, dest: Path) -> Path:
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(REAL / src, dest)
    return dest


def _tokens(event: dict) -> tuple:
    return (event["input_tokens"], event["cache_read_tokens"], event["cache_write_5m_tokens"],
            event["cache_write_1h_tokens"], event["output_tokens"], event["reasoning_tokens"])


def test_claude_code_2_1_152_with_speed_and_server_tools(logs):
    _place("kvsankar-claude-2.1.152.jsonl",
           logs.claude_projects / "-tmp-agent-history-real-agent-claude-workspace" /
           "06090cb1-3e64-433a-bc7e-a621c0f596d2.jsonl")
    report = logs.run()
    [e] = logs.events()
    assert _tokens(e) == (6, 3057, 0, 1045, 16, 0)
    assert (e["model"], e["key"], e["session"], e["project"]) == (
        "claude-opus-4-7", "[REDACTED_MESSAGE_ID]", "06090cb1-3e64-433a-bc7e-a621c0f596d2", "workspace")
    assert (e["speed"], e["units"], e["sidechain"], e["partly_priced"]) == ("standard", None, 0, None)
    # $5 / $25 per MTok, cache reads $0.50, 1-hour cache writes $10: 30 + 1528.5 + 10450 + 400 micro-dollars
    assert e["cost_pico"] == 12_408_500_000
    assert report.events_added == 1 and not report.lines_skipped


def test_claude_code_2_0_46_sidechain_copies_in_the_main_file(logs):
    _place("claude-code-log-sidechain-2.0.46.jsonl",
           logs.claude_projects / "e--Workspace-src-github-claude-code-log" /
           "88a8d761-7b9a-4bf1-a8ca-c1febe6bf358.jsonl")
    report = logs.run()
    events = {e["key"]: e for e in logs.events()}
    assert set(events) == {"msg_01H4wg8bFy2psdmQvJMU6kpD", "msg_017zj75dqWUNqVxCUrhqbTkf",
                           "msg_011b5A5rZCXR7eBYR4VbohVZ"}
    assert _tokens(events["msg_01H4wg8bFy2psdmQvJMU6kpD"]) == (3, 0, 141272, 0, 365, 0)
    assert _tokens(events["msg_017zj75dqWUNqVxCUrhqbTkf"]) == (3, 0, 19830, 0, 183, 0)  # two streamed lines
    assert _tokens(events["msg_011b5A5rZCXR7eBYR4VbohVZ"]) == (3, 141272, 2952, 0, 190, 0)
    assert [events[k]["sidechain"] for k in sorted(events)] == [0, 1, 0]
    assert {e["session"] for e in events.values()} == {"88a8d761-7b9a-4bf1-a8ca-c1febe6bf358"}
    assert report.lines_skipped == {"duplicate": 1}
    # claude-sonnet-4-5 at $3 / $15, 5-minute writes $3.75, reads $0.30:
    # 535254 + 77116.5 + 56310.6 micro-dollars
    assert sum(e["cost_pico"] for e in events.values()) == 668_681_100_000


def test_codex_0_135_exec_rollout(logs):
    _place("kvsankar-codex-0.135.0.jsonl",
           logs.codex_home / "sessions" / "2026" / "06" / "05" /
           "rollout-2026-06-05T04-58-20-019e9625-802f-7e91-840a-cfe88d14117a.jsonl")
    report = logs.run()
    [e] = logs.events()
    # input 22539 of which 20864 cached; output 10, no reasoning
    assert _tokens(e) == (1675, 20864, 0, 0, 10, 0)
    assert (e["model"], e["session"], e["project"]) == ("gpt-5.5", "019e9625-802f-7e91-840a-cfe88d14117a",
                                                        "workspace")
    assert e["key"] == "019e9625-802f-7e91-840a-cfe88d14117a:22539:20864:10:0:22549"
    assert report.events_added == 1


def test_gemini_cli_session_json(logs):
    _place("kvsankar-gemini-session.json",
           logs.gemini_tmp / "d30f91067027d10192e4aed3e7b03fecf08089dd3370f047f14f38b1845c8042" / "chats" /
           "session-2026-06-05T04-59-dcbe78d3.json")
    logs.run()
    [e] = logs.events()
    # input 4383 (none cached, no tool tokens), output 8 + 28 thoughts (reasoning is part of output)
    assert _tokens(e) == (4383, 0, 0, 0, 36, 28)
    assert (e["model"], e["session"]) == ("gemini-2.5-flash", "dcbe78d3-ea75-4786-929e-d6cff0fc00ed")


def test_codex_branch_without_session_meta_counts_its_parents_event_once(logs):
    """ccusage's fixture: the branch repeats the parent's 08:01 event; neither file has a session_meta."""
    folder = logs.home / "saved"
    _place("ccusage-branch-history-parent.jsonl", folder / "2026-05-12T08-00-00-parent.jsonl")
    _place("ccusage-branch-history-branch.jsonl", folder / "2026-05-12T08-02-00-branch.jsonl")
    logs.run(roots={"codex": [folder]})
    events = logs.events()
    assert [_tokens(e) for e in events] == [(900, 100, 0, 0, 200, 20), (400, 200, 0, 0, 250, 20)]
    assert {e["model"] for e in events} == {"gpt-5.2"}
