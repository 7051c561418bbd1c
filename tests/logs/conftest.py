"""Fixtures for the agent-log import tests: isolated homes, a store, helpers to write logs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tracker.pricing import Pricer
from tracker.services.log_import import import_logs
from tracker.storage import open_store


@pytest.fixture(autouse=True)
def isolated_home(tmp_path, monkeypatch):
    """Nothing here may read the user's real logs or state."""
    monkeypatch.setenv("TRACKER_HOME", str(tmp_path / "tracker-home"))
    monkeypatch.setenv("HOME", str(tmp_path / "user-home"))
    for var in ("CLAUDE_CONFIG_DIR", "CODEX_HOME", "GEMINI_DATA_DIR", "GEMINI_CLI_HOME", "XDG_CONFIG_HOME"):
        monkeypatch.delenv(var, raising=False)
    return tmp_path / "user-home"


@pytest.fixture
def log_store(tmp_path):
    s = open_store(tmp_path / "db" / "tracker.db")
    yield s
    s.close()


@pytest.fixture(scope="session")
def shared_pricer():
    return Pricer()


class Logs:
    """A fake home with agent log folders, and an importer bound to a store."""

    def __init__(self, home: Path, store, pricer):
        self.home = home
        self.store = store
        self.pricer = pricer

    @property
    def claude_projects(self) -> Path:
        return self.home / ".claude" / "projects"

    @property
    def codex_home(self) -> Path:
        return self.home / ".codex"

    @property
    def gemini_tmp(self) -> Path:
        return self.home / ".gemini" / "tmp"

    def write(self, path: Path, lines, mode: str = "w") -> Path:
        """Write records (dicts are JSON-encoded compactly, bytes/str written as is), one per line."""
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, mode + "b") as fh:
            for line in lines:
                if isinstance(line, dict):
                    line = json.dumps(line, separators=(",", ":"))
                if isinstance(line, str):
                    line = line.encode()
                fh.write(line + b"\n")
        return path

    def run(self, **kwargs):
        return import_logs(self.store, self.pricer, **kwargs)

    def events(self, source: str | None = None) -> list[dict]:
        sql = "SELECT * FROM events" + (" WHERE source = ?" if source else "") + " ORDER BY ts_ms, key"
        cur = self.store.conn.execute(sql, (source,) if source else ())
        names = [d[0] for d in cur.description]
        return [dict(zip(names, row)) for row in cur]


@pytest.fixture
def logs(isolated_home, log_store, shared_pricer):
    return Logs(isolated_home, log_store, shared_pricer)


# -- line builders -----------------------------------------------------------
def claude_line(msg_id="msg_1", req_id="req_1", model="claude-sonnet-4-20250514", ts="2025-06-01T10:00:00.000Z",
                inp=10, out=100, cw=200, cr=3000, cw1h=None, session="sess-1", cwd="/home/u/code/my-app",
                sidechain=False, blocks=None, **extra) -> dict:
    usage = {"input_tokens": inp, "cache_creation_input_tokens": cw, "cache_read_input_tokens": cr,
             "output_tokens": out, "service_tier": "standard"}
    if cw1h is not None:
        usage["cache_creation"] = {"ephemeral_5m_input_tokens": cw - cw1h, "ephemeral_1h_input_tokens": cw1h}
    line = {"parentUuid": None, "isSidechain": sidechain, "userType": "external", "cwd": cwd, "sessionId": session,
            "version": "1.0.80", "gitBranch": "main",
            "message": {"id": msg_id, "type": "message", "role": "assistant", "model": model,
                        "content": blocks if blocks is not None else [{"type": "text", "text": "SECRET ANSWER"}],
                        "stop_reason": "end_turn", "stop_sequence": None, "usage": usage},
            "requestId": req_id, "type": "assistant", "uuid": "u-" + msg_id, "timestamp": ts}
    line.update(extra)
    return line


def codex_meta(session="019e763f-ff0c-7683-a4e9-a17e2bf964fb", ts="2025-06-01T09:00:00.000Z",
               cwd="/home/u/code/api-server", **payload_extra) -> dict:
    payload = {"id": session, "timestamp": ts, "cwd": cwd, "originator": "codex_cli_rs", "cli_version": "0.30.0",
               "instructions": "SECRET INSTRUCTIONS", "source": "cli", "model_provider": "openai",
               "git": {"commit_hash": "abc", "branch": "dev", "repository_url": "git@x:y.git"}}
    payload.update(payload_extra)
    return {"timestamp": ts, "type": "session_meta", "payload": payload}


def codex_turn(model="gpt-5", ts="2025-06-01T09:00:01.000Z") -> dict:
    return {"timestamp": ts, "type": "turn_context", "payload": {"cwd": "/home/u/code/api-server", "model": model}}


def codex_tokens(total, last=None, ts="2025-06-01T09:01:00.000Z") -> dict:
    def usage(v):
        inp, cached, out, reas = v
        return {"input_tokens": inp, "cached_input_tokens": cached, "output_tokens": out,
                "reasoning_output_tokens": reas, "total_tokens": inp + out}
    info = {"total_token_usage": usage(total), "model_context_window": 272000}
    if last is not None:
        info["last_token_usage"] = usage(last)
    return {"timestamp": ts, "type": "event_msg", "payload": {"type": "token_count", "info": info, "rate_limits": None}}


def codex_call(ts="2025-06-01T09:00:30.000Z") -> dict:
    return {"timestamp": ts, "type": "response_item",
            "payload": {"type": "function_call", "name": "shell", "arguments": "{\"command\":[\"ls\"]}", "call_id": "c1"}}
