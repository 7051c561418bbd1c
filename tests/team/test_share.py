"""Sharing: opt-in, folder, webhook to a loopback server, the record, the weekly trigger."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.team.conftest import NOW, TEAM_SECRET, WEEK, plant_usage
from tracker.core.timeutil import to_ms
from tracker.services import team, team_keys
from tracker.services.team_schema import validate
from tracker.storage import team as q

NOW_MS = to_ms(NOW)
DAY_MS = 86_400_000


class Hook:
    """A webhook receiver on 127.0.0.1 that records each POST and answers with `status`."""

    def __init__(self):
        self.bodies: list[bytes] = []
        self.headers: list[dict] = []
        self.status = 200
        self.location = None
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                length = int(self.headers.get("Content-Length", 0))
                hook.bodies.append(self.rfile.read(length))
                hook.headers.append(dict(self.headers))
                self.send_response(hook.status)
                if hook.location:
                    self.send_header("Location", hook.location)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/T000/SECRETTOKEN123"

    def close(self):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)


@pytest.fixture
def hook():
    h = Hook()
    yield h
    h.close()


@pytest.fixture
def ctx(make_ctx):
    c = make_ctx("a")
    plant_usage(c)
    team_keys.put(team_keys.TEAM_SECRET, TEAM_SECRET)
    return c


def test_nothing_leaves_without_opt_in(ctx, tmp_path, hook):
    drive = tmp_path / "drive"
    drive.mkdir()
    team.save_settings(ctx.store, folder=str(drive), webhook_url=hook.url)
    outcome = team.share(ctx, WEEK, NOW_MS)
    assert not outcome.ok and "sharing is off" in outcome.reason
    assert list(drive.iterdir()) == [] and hook.bodies == []
    assert team.share_if_due(ctx, NOW_MS).sent == []


def test_share_to_a_folder_writes_the_summary_and_records_it(ctx, tmp_path):
    drive = tmp_path / "drive"
    drive.mkdir()
    team.save_settings(ctx.store, opt_in=True, folder=str(drive))
    outcome = team.share(ctx, WEEK, NOW_MS)
    assert outcome.ok, outcome.as_dict()
    files = list(drive.glob("*.json"))
    assert len(files) == 1 and files[0].name.startswith(f"tracker-summary-{WEEK}-")
    doc = validate(json.loads(files[0].read_bytes()))
    history = team.history(ctx)
    assert [(h["week"], h["kind"], h["ok"]) for h in history] == [(WEEK, "folder", True)]
    assert team.sent_payload(ctx, history[0]["id"]).encode() == files[0].read_bytes()
    assert doc["week"] == WEEK
    # a second share of the same week is skipped, --force sends again (same file name: overwritten)
    assert team.share(ctx, WEEK, NOW_MS).sent[0].skipped
    assert not team.share(ctx, WEEK, NOW_MS, force=True).sent[0].skipped
    assert len(list(drive.glob("*.json"))) == 1


def test_missing_team_folder_is_reported_and_recorded(ctx, tmp_path):
    team.save_settings(ctx.store, opt_in=True, folder=str(tmp_path / "unmounted"))
    outcome = team.share(ctx, WEEK, NOW_MS)
    assert not outcome.ok and "does not exist" in outcome.sent[0].detail
    assert team.history(ctx)[0]["ok"] is False


def test_webhook_posts_the_json_summary_to_a_loopback_server(ctx, hook):
    team.save_settings(ctx.store, opt_in=True, webhook_url=hook.url)
    outcome = team.share(ctx, WEEK, NOW_MS)
    assert outcome.ok, outcome.as_dict()
    assert len(hook.bodies) == 1
    doc = validate(json.loads(hook.bodies[0]))
    assert doc["week"] == WEEK and hook.headers[0]["Content-Type"].startswith("application/json")
    rows = team.history(ctx)
    assert rows[0]["destination"] == "webhook:127.0.0.1"
    # the webhook URL is a credential: never in the database
    raw = ctx.store.path.read_bytes() + ctx.store.path.with_name(ctx.store.path.name + "-wal").read_bytes()
    assert b"SECRETTOKEN123" not in raw


def test_webhook_slack_format_posts_text(ctx, hook):
    team.save_settings(ctx.store, opt_in=True, webhook_url=hook.url, webhook_format="slack")
    assert team.share(ctx, WEEK, NOW_MS).ok
    body = json.loads(hook.bodies[0])
    assert list(body) == ["text"] and f"summary {WEEK}" in body["text"]


def test_webhook_failures_are_recorded_redirects_not_followed(ctx, hook):
    team.save_settings(ctx.store, opt_in=True, webhook_url=hook.url)
    hook.status, hook.location = 302, "http://127.0.0.1:1/elsewhere"
    outcome = team.share(ctx, WEEK, NOW_MS)
    assert not outcome.ok and "redirect" in outcome.sent[0].detail
    assert len(hook.bodies) == 1  # not re-sent to the Location
    hook.status, hook.location = 500, None
    outcome = team.share(ctx, WEEK, NOW_MS + 1)
    assert "HTTP 500" in outcome.sent[0].detail
    assert "SECRETTOKEN123" not in json.dumps(outcome.as_dict())
    assert [h["ok"] for h in team.history(ctx)] == [False, False]


def test_unreachable_webhook_fails_quickly_with_host_only(ctx):
    import socket

    with socket.socket() as s:  # a closed port on loopback
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    team.save_settings(ctx.store, opt_in=True, webhook_url=f"http://127.0.0.1:{port}/x/SECRETTOKEN123")
    outcome = team.share(ctx, WEEK, NOW_MS)
    assert not outcome.ok and "could not reach 127.0.0.1" in outcome.sent[0].detail
    assert "SECRETTOKEN123" not in outcome.sent[0].detail


def test_share_if_due_sends_last_complete_week_once_and_retries_later(ctx, hook, tmp_path):
    drive = tmp_path / "drive"
    drive.mkdir()
    team.save_settings(ctx.store, opt_in=True, folder=str(drive), webhook_url=hook.url)
    hook.status = 503
    first = team.share_if_due(ctx, NOW_MS)
    assert first.week == WEEK
    assert {s.kind: s.ok for s in first.sent} == {"folder": True, "webhook": False}
    again = team.share_if_due(ctx, NOW_MS + 60_000)  # a minute later: no retry yet, folder already done
    assert all(s.skipped for s in again.sent) and len(hook.bodies) == 1
    hook.status = 200
    later = team.share_if_due(ctx, NOW_MS + 2 * 3600_000)
    assert [s.kind for s in later.sent if not s.skipped] == ["webhook"] and later.ok
    assert len(hook.bodies) == 2
    assert all(s.skipped for s in team.share_if_due(ctx, NOW_MS + 3 * 3600_000).sent)
    # next week, the following week is due
    assert team.share_if_due(ctx, NOW_MS + 7 * DAY_MS).week == "2026-W48"
    assert len(hook.bodies) == 3
    assert sum(1 for r in q.shares(ctx.store) if r["ok"]) == 4


def test_secrets_stay_in_keyring(ctx, hook, memory_keyring):
    team.save_settings(ctx.store, opt_in=True, webhook_url=hook.url)
    assert memory_keyring.items[("tracker", team_keys.SECRET_PREFIX + team_keys.WEBHOOK_URL)] == hook.url
    settings = json.dumps(ctx.store.all_settings())
    assert "SECRETTOKEN123" not in settings and TEAM_SECRET not in settings
    with pytest.raises(ValueError, match="at least 16"):
        team.save_settings(ctx.store, team_secret="short")
    for insecure in ("ftp://example.org/x", "http://hooks.example.org/x", "example.org"):
        with pytest.raises(ValueError, match="https://"):
            team.save_settings(ctx.store, webhook_url=insecure)


def _self_signed(tmp_path):
    """A certificate for 127.0.0.1 that no trust store knows."""
    import datetime as dt
    import ipaddress

    x509 = pytest.importorskip("cryptography.x509")
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


def test_webhook_verifies_tls_and_refuses_an_unknown_certificate(ctx, hook, tmp_path, monkeypatch):
    import ssl

    cert_path, key_path = _self_signed(tmp_path)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_path, key_path)
    hook.server.socket = context.wrap_socket(hook.server.socket, server_side=True)
    https_url = hook.url.replace("http://", "https://")
    team.save_settings(ctx.store, opt_in=True, webhook_url=https_url)
    outcome = team.share(ctx, WEEK, NOW_MS)
    assert not outcome.ok and "TLS certificate of 127.0.0.1 could not be verified" in outcome.sent[0].detail
    assert hook.bodies == []  # nothing was sent over the unverified connection
    # the same server, once its certificate is trusted: the failure above was verification, not TLS itself
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(cert_path))
    assert team.share(ctx, WEEK, NOW_MS + 1).ok
    assert len(hook.bodies) == 1


def test_the_tray_sync_shares_the_last_week_once_when_opted_in(make_ctx, tmp_path):
    """services.sync.scheduled_sync (the worker's default) shares when due, and only then."""
    from tracker.services.sync import scheduled_sync

    ctx = make_ctx("tray")
    plant_usage(ctx)
    drive = tmp_path / "drive"
    drive.mkdir()
    assert scheduled_sync(ctx, logs=False, providers=True).team_share is None  # not opted in: nothing
    team.save_settings(ctx.store, opt_in=True, folder=str(drive), team_secret=TEAM_SECRET)
    first = scheduled_sync(ctx, logs=False, providers=True)
    assert first.team_share and first.team_share["ok"] and list(drive.iterdir())
    assert scheduled_sync(ctx, logs=False, providers=True).team_share is None  # once a week
    assert scheduled_sync(ctx, logs=True, providers=False).team_share is None
