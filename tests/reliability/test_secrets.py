"""Secrets: canary keys never leave the keyring; the files the app creates are private.

A full session (log import, provider poll with good then refused keys, reports,
value tags, an invoice and its exports, a team and its folder, export-events, backups)
runs with canary keys, then every byte the app wrote or printed is searched
for them. Covered elsewhere and not repeated here (see RESULTS.md):
tests/providers/test_canary.py (keys quoted back by a provider's 401 are
redacted), tests/team/test_canary.py (planted names never leave in summaries),
tests/team/test_share.py (webhook: TLS verified, redirects not followed, quick
failure), tests/providers/test_net.py (redirect tables, timeouts, retries).
"""

from __future__ import annotations

import json
import secrets
import stat
import time
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from tests.fakes.dataset import AnthropicData, OpenAIData, OpenRouterData
from tests.fakes.server import FakeAnthropic, FakeOpenAI, FakeOpenRouter, FakeProvider
from tracker import net
from tracker.cli import main
from tracker.paths import get_paths

from .conftest import agent_env, record


def _canary(prefix: str) -> str:
    return f"{prefix}CANARY{secrets.token_hex(12)}"


def _all_files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()]


def test_a_full_session_leaks_no_key_and_keeps_files_private(tmp_path, corpus, monkeypatch, memory_keyring):
    canaries = {"openai": _canary("sk-admin-"), "anthropic": _canary("sk-ant-admin01-"),
                "openrouter": _canary("sk-or-v1-"), "team": _canary("team-secret-")}
    now = int(time.time())
    outputs: list[str] = []
    runner = CliRunner()
    for k, v in agent_env(corpus).items():
        monkeypatch.setenv(k, v)
    monkeypatch.setenv("TZ", "UTC")

    def cli(*args, input=None, ok=True):
        result = runner.invoke(main, list(args), input=input, catch_exceptions=True)
        outputs.append(result.output)
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            outputs.append(f"{type(result.exception).__name__}: {result.exception!r} {result.exception}")
        if ok:
            assert result.exit_code == 0, (args, result.output, result.exception)
        return result

    exports = tmp_path / "exports"
    exports.mkdir()
    with FakeOpenAI(OpenAIData(now)) as oa, FakeAnthropic(AnthropicData(now)) as an, \
            FakeOpenRouter(OpenRouterData(now)) as orr:
        oa.keys[canaries["openai"]] = "admin"
        an.keys[canaries["anthropic"]] = "admin"
        orr.keys[canaries["openrouter"]] = "management"
        monkeypatch.setenv("CANARY_OA", canaries["openai"])
        cli("sources", "add", "openai", "--label", "oa", "--base-url", oa.base_url, "--key-env", "CANARY_OA",
            "--backfill-days", "10")
        cli("sources", "add", "anthropic", "--label", "an", "--base-url", an.root_url, "--no-poll",
            input=canaries["anthropic"] + "\n")
        cli("sources", "add", "openrouter", "--label", "or", "--base-url", orr.base_url, "--key-stdin", "--no-poll",
            input=canaries["openrouter"])
        cli("import")
        cli("poll", "--backfill-days", "10")
        cli("sources", "list", "--json")
        cli("sources", "test")
        # the providers refuse the keys now; OpenAI's 401 quotes the key back
        del oa.keys[canaries["openai"]]
        an.keys[canaries["anthropic"]] = "api"
        cli("poll", "--json", ok=False)
        cli("sources", "test", ok=False)
    for period in ("daily", "weekly", "monthly", "sessions", "projects"):
        cli("report", period, "--json")
        cli("report", period, "--csv")
    cli("tags", "add", "acme", "--kind", "client", "--billing", '{"name": "ACME Ltd"}')
    cli("tags", "rule", "add", "acme", "--all")
    cli("roi", ok=False)
    today = time.strftime("%Y-%m-%d", time.gmtime())
    created = cli("invoice", "create", "--client", "acme", "--since", "2020-01-01", "--until", today, "--json",
                  ok=False)
    invoice_files = []
    if created.exit_code == 0:
        ref = str(json.loads(created.output)["draft_id"])
        cli("invoice", "issue", ref, ok=False)
        for fmt in ("json", "csv", "pdf"):
            out = exports / f"invoice.{fmt}"
            cli("invoice", "export", ref, "--format", fmt, "-o", str(out), ok=False)
            invoice_files += [out] if out.exists() else []
    drive = tmp_path / "drive"  # the team's folder: shared by design, so not checked for private modes
    drive.mkdir()
    cli("summary", "setup", "--opt-in", "--folder", str(drive))
    cli("summary", "setup", "--webhook", input=f"http://127.0.0.1:9/hooks/{canaries['team']}\n")
    cli("summary", "team", "create")
    cli("summary", "export", "--out", str(exports / "summary.json"), ok=False)
    cli("summary", "export", "--preview", ok=False)
    cli("summary", "share", ok=False)
    cli("summary", "team", "show", "--json")
    for (_service, name), value in memory_keyring.items.items():  # the team keys the app made: private halves
        if name.startswith(("team/member-key/", "team/founder-key/")):
            parts = json.loads(value).values() if value.startswith("{") else [value]
            canaries |= {f"{name}:{i}": part for i, part in enumerate(parts)}
    cli("export-events", str(exports / "events.jsonl"))
    cli("db", "backup")
    cli("db", "check")
    cli("paths")

    text = "\n".join(outputs)
    assert "[redacted]" in text and "HTTP 401" in text  # the refusal was reported, the quoted key cut out
    assert {k[1] for k in memory_keyring.items} >= {"openai:oa", "anthropic:an", "openrouter:or"}
    home = get_paths().data_dir.parent
    assert any(name.startswith("team/member-key/") for name in canaries), "the session made team keys"
    files = _all_files(home) + _all_files(exports) + _all_files(drive)
    names = {p.name for p in files}
    assert "tracker.db" in names and "tracker.log" in names and "events.jsonl" in names
    assert any(n.startswith("tracker-") and n.endswith(".db") for n in names)  # backups
    assert invoice_files, "an invoice was exported:\n" + "\n".join(outputs[-14:-6])
    searched = 0
    for canary in canaries.values():
        for needle in (canary, canary[-12:]):  # not even the tail
            assert needle not in text
            for path in files:
                data = path.read_bytes()
                searched += len(data)
                assert needle.encode() not in data, path
    # everything the app created under TRACKER_HOME, and the exports it wrote, is private
    loose = []
    for p in [home, *home.rglob("*"), *exports.iterdir()]:
        mode = stat.S_IMODE(p.stat().st_mode)
        if p == exports:
            continue
        if mode & 0o077:
            loose.append(f"{p.relative_to(tmp_path)} {oct(mode)}")
    assert not loose, loose
    record("secrets_session", canaries=len(canaries), files_searched=len(files), bytes_searched=searched,
           outputs_searched=len(outputs), leaks=0, files_not_private=0)


def test_no_command_takes_a_secret_as_an_argument():
    """Keys come from a prompt, stdin, the keyring or a named variable: never from argv (visible in ps)."""
    allowed = {"key_env", "key_stdin"}
    offenders = []

    def walk(cmd: click.Command, path: str):
        for param in cmd.params:
            name = (param.name or "").lower()
            if any(w in name for w in ("key", "secret", "token", "password")) and name not in allowed \
                    and not name.endswith(("_env", "_id")):  # a variable's name, an identifier: not secrets
                if not getattr(param, "is_flag", False):
                    offenders.append(f"{path} {param.name}")
        if isinstance(cmd, click.Group):
            for sub_name, sub in cmd.commands.items():
                walk(sub, f"{path} {sub_name}")

    walk(main, "tracker")
    assert not offenders, offenders


# The one process the package may start outside the GUI, with the exact call: macOS keeps Claude Code's
# login in the keychain, and `security ... -w` is how it is read; the command line names the keychain item
# only, and the secret comes back on the child's stdout (a pipe), never on a command line.
ALLOWED_SPAWNS = {"sources/claude_usage.py": '["security", "find-generic-password", "-s", KEYCHAIN_SERVICE, "-w"]'}


def test_the_product_never_starts_a_process_with_arguments_of_its_own():
    """No code path can put a key on a child's command line: the package starts no processes (but the GUI's
    and the one keychain read above)."""
    root = Path(__file__).resolve().parents[2] / "tracker"
    spawners = []
    for path in root.rglob("*.py"):
        if "gui" in path.parts:
            continue
        text = path.read_text()
        name = str(path.relative_to(root))
        # subprocess.list2cmdline (quoting the Windows autostart command) starts nothing
        for word in ("subprocess.run", "subprocess.call", "subprocess.check", "os.system", "os.exec",
                     "os.spawn", "Popen", "os.popen"):
            found = text.count(word)
            allowed = ALLOWED_SPAWNS.get(name)
            if found and not (allowed and word == "subprocess.run" and found == 1 and f"{word}({allowed}" in text):
                spawners.append(f"{name}: {word}")
    assert not spawners, spawners


class _Recorder(FakeProvider):
    """Answers 200 {} and records the headers of every request it receives."""

    name = "recorder"

    def __init__(self, **kw):
        super().__init__(**kw)
        self.headers_seen: list[dict] = []

    def route(self, path, query, headers):
        self.headers_seen.append(headers)
        return 200, {"data": [], "has_more": False}, {}


class _Redirector(FakeProvider):
    name = "redirector"

    def __init__(self, target: str, **kw):
        super().__init__(**kw)
        self.target = target

    def route(self, path, query, headers):
        return 302, {}, {"Location": self.target + path}


@pytest.mark.parametrize("status_host", ["localhost"])
def test_credentials_are_not_sent_to_a_host_a_provider_redirects_to(status_host):
    """A real second server (another host name for the loopback) must never see the key."""
    key = _canary("sk-admin-")
    with _Recorder() as other:
        port = other.root_url.rsplit(":", 1)[1]
        with _Redirector(f"http://{status_host}:{port}") as first:
            client = net.HttpClient(first.root_url, {"Authorization": f"Bearer {key}", "x-api-key": key}, "OpenAI",
                                    secrets=[key], options=net.HttpOptions(read_timeout_s=2))
            with pytest.raises(net.BadResponse, match="another host") as err:
                client.get_json("v1/organization/costs")
            assert key not in str(err.value)
    assert other.headers_seen == []  # not followed at all


def test_provider_calls_verify_tls_against_a_self_signed_server(tmp_path, monkeypatch):
    import ssl

    from tests.team.test_share import _self_signed

    key = _canary("sk-admin-")
    cert_path, key_path = _self_signed(tmp_path)
    with _Recorder() as server:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert_path, key_path)
        server._server.socket = context.wrap_socket(server._server.socket, server_side=True)
        url = server.root_url.replace("http://", "https://")
        policy = net.RetryPolicy(sleep=lambda s: None, max_retries=1)
        client = net.HttpClient(url, {"Authorization": f"Bearer {key}"}, "OpenAI", secrets=[key],
                                options=net.HttpOptions(connect_timeout_s=2, read_timeout_s=2, policy=policy))
        with pytest.raises(net.ProviderError) as err:
            client.get_json("v1/organization/costs")
        assert key not in str(err.value)
        assert server.headers_seen == []  # the handshake failed: no request, no key, reached the server
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(cert_path))  # trusted: it works, so the refusal was the cert
        trusted = net.HttpClient(url, {"Authorization": f"Bearer {key}"}, "OpenAI", secrets=[key],
                                 options=net.HttpOptions(connect_timeout_s=2, read_timeout_s=2, policy=policy))
        assert trusted.get_json("v1/organization/costs") == {"data": [], "has_more": False}
        assert len(server.headers_seen) == 1
    record("secrets_tls_redirect", self_signed_refused=1, redirected_key_sent=0)


def test_every_provider_request_has_a_timeout(monkeypatch):
    """The one place that calls requests passes (connect, read) timeouts; a None would hang forever."""
    seen = []
    real = net.requests.Session.get

    def spy(self, url, **kw):
        seen.append(kw.get("timeout"))
        return real(self, url, **kw)

    monkeypatch.setattr(net.requests.Session, "get", spy)
    with _Recorder() as server:
        net.HttpClient(server.root_url, {}, "OpenAI").get_json("x")
    assert seen and all(isinstance(t, tuple) and all(t) for t in seen)
