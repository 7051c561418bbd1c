"""Sharing: opt-in, the member's steps in the folder, the record, the weekly trigger, the webhook."""

from __future__ import annotations

import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.team.conftest import AFTER_DEADLINE, CONTRIBUTE_AT, WEEK, plant_usage
from tracker.core.timeutil import to_ms
from tracker.services import team
from tracker.services import team_files as tf
from tracker.storage import team as q

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


def test_nothing_leaves_without_opt_in(make_ctx, tmp_path, hook):
    ctx = make_ctx("a")
    plant_usage(ctx)
    drive = tmp_path / "drive"
    drive.mkdir()
    team.save_settings(ctx.store, folder=str(drive), webhook_url=hook.url)
    outcome = team.share(ctx, WEEK, to_ms(CONTRIBUTE_AT))
    assert not outcome.ok and "sharing is off" in outcome.reason
    assert list(drive.iterdir()) == [] and hook.bodies == []
    assert team.share_if_due(ctx, to_ms(CONTRIBUTE_AT)).sent == []
    team.save_settings(ctx.store, opt_in=True)
    assert "in no team yet" in team.share(ctx, WEEK, to_ms(CONTRIBUTE_AT)).reason


def test_a_members_steps_are_written_once_and_recorded_with_their_bytes(real_team):
    run = real_team(5)
    ctx = run.contexts[1]
    [outcome] = run.tick(CONTRIBUTE_AT, [1])
    assert outcome.ok and [s.detail for s in outcome.sent] == [f"{WEEK} contribution written"]
    member = team.member_keys(ctx).member
    path = tf.week_path(run.drive, WEEK, "contribution", member)
    history = team.history(ctx)
    assert [(h["week"], h["kind"], h["ok"], h["detail"]) for h in history] == \
           [(WEEK, "folder", True, f"{WEEK} contribution written")]
    assert team.sent_payload(ctx, history[0]["id"]).encode() == path.read_bytes()
    # again: nothing new, nothing recorded; a lost file is written again, byte for byte (never new masks)
    assert run.tick(CONTRIBUTE_AT + timedelta(hours=1), [1])[0].sent == []
    first = path.read_bytes()
    path.unlink()
    [again] = run.tick(CONTRIBUTE_AT + timedelta(hours=2), [1])
    assert [s.detail for s in again.sent] == [f"{WEEK} contribution written"] and path.read_bytes() == first
    assert len(q.protocol_steps(ctx.store, run.team)) == 1


def test_a_member_whose_app_wakes_after_the_deadline_does_not_contribute(real_team):
    run = real_team(6)
    run.tick(CONTRIBUTE_AT, [0, 1, 2, 3, 4])
    late = run.contexts[5]
    [outcome] = run.tick(AFTER_DEADLINE, [5])
    assert [s.detail for s in outcome.sent] == [f"{WEEK} view written"]  # it signs who took part, without itself
    assert not tf.week_path(run.drive, WEEK, "contribution", team.member_keys(late).member).exists()
    view = json.loads(tf.week_path(run.drive, WEEK, "view", team.member_keys(late).member).read_bytes())
    assert len(view["present"]) == 5
    for hour in range(1, 4):
        run.tick(AFTER_DEADLINE + timedelta(hours=hour))
    report = run.merge()
    assert report["members"] == 5 and report["weeks"] == [WEEK]


def test_a_missing_team_folder_is_reported_and_recorded(real_team, tmp_path):
    run = real_team(5)
    ctx = run.contexts[2]
    team.save_settings(ctx.store, folder=str(tmp_path / "unmounted"))
    outcome = team.share(ctx, WEEK, to_ms(CONTRIBUTE_AT))
    assert not outcome.ok and "does not exist" in outcome.sent[0].detail
    assert team.history(ctx)[0]["ok"] is False


def test_the_webhook_gets_each_published_week_once_and_never_a_members_file(real_team, hook):
    run = real_team(5)
    founder = run.contexts[0]
    team.save_settings(founder.store, webhook_url=hook.url)
    run.run_week()
    assert len(hook.bodies) == 1 and hook.headers[0]["Content-Type"].startswith("application/json")
    report = json.loads(hook.bodies[0])
    assert report["schema"] == "tracker.team-report/2" and report["weeks"] == [WEEK] and report["members"] == 5
    run.tick(AFTER_DEADLINE + timedelta(hours=5))
    assert len(hook.bodies) == 1
    rows = [h for h in team.history(founder) if h["kind"] == "webhook"]
    assert [(r["week"], r["destination"], r["ok"]) for r in rows] == [(WEEK, "webhook:127.0.0.1", True)]
    raw = founder.store.path.read_bytes() + founder.store.path.with_name(founder.store.path.name + "-wal").read_bytes()
    assert b"SECRETTOKEN123" not in raw  # the webhook URL is a credential: keyring only


def test_the_webhook_slack_format_posts_text(real_team, hook):
    run = real_team(5)
    team.save_settings(run.contexts[0].store, webhook_url=hook.url, webhook_format="slack")
    run.run_week()
    body = json.loads(hook.bodies[0])
    assert list(body) == ["text"] and f"report {WEEK}" in body["text"] and "5 members" in body["text"]


def test_webhook_failures_are_recorded_and_redirects_not_followed(real_team, hook):
    run = real_team(5)
    founder = run.contexts[0]
    team.save_settings(founder.store, webhook_url=hook.url)
    hook.status, hook.location = 302, "http://127.0.0.1:1/elsewhere"
    run.run_week()
    assert len(hook.bodies) == 1  # not re-sent to the Location
    rows = [h for h in team.history(founder) if h["kind"] == "webhook"]
    assert rows[0]["ok"] is False and "redirect" in rows[0]["detail"]
    hook.status, hook.location = 500, None
    outcome = team.share(founder, at_ms=to_ms(AFTER_DEADLINE) + 10 * 3600_000)
    assert [s.kind for s in outcome.sent] == ["webhook"] and "HTTP 500" in outcome.sent[0].detail
    assert "SECRETTOKEN123" not in json.dumps(outcome.as_dict())
    hook.status = 200
    outcome = team.share(founder, at_ms=to_ms(AFTER_DEADLINE) + 11 * 3600_000)
    assert outcome.ok and len(hook.bodies) == 3


def test_secrets_stay_in_keyring(real_team, hook, memory_keyring):
    from tracker.services.team_summary import install_id

    run = real_team(5)
    founder = run.contexts[0]
    team.save_settings(founder.store, webhook_url=hook.url)
    install = install_id(founder.store)[:16]
    assert memory_keyring.items[("tracker", f"team/webhook-url/{install}")] == hook.url
    member_key = memory_keyring.items[("tracker", f"team/member-key/{install}")]
    founder_key = memory_keyring.items[("tracker", f"team/founder-key/{install}")]
    run.run_week()
    for ctx in run.contexts:
        raw = ctx.store.path.read_bytes() + ctx.store.path.with_name(ctx.store.path.name + "-wal").read_bytes()
        assert b"SECRETTOKEN123" not in raw
    private = [json.loads(member_key)["sign"], json.loads(member_key)["mask"], founder_key]
    for path in run.drive.rglob("*"):
        if path.is_file():
            assert not any(p.encode() in path.read_bytes() for p in private)
    dump = "\n".join(founder.store.conn.iterdump())
    assert not any(p in dump for p in private)
    for insecure in ("ftp://example.org/x", "http://hooks.example.org/x", "example.org"):
        with pytest.raises(ValueError, match="https://"):
            team.save_settings(founder.store, webhook_url=insecure)


def _self_signed(tmp_path):
    """A certificate for 127.0.0.1 that no trust store knows."""
    import datetime as dt
    import ipaddress

    from cryptography import x509
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


def test_webhook_verifies_tls_and_refuses_an_unknown_certificate(real_team, hook, tmp_path, monkeypatch):
    import ssl

    run = real_team(5)
    founder = run.contexts[0]
    cert_path, key_path = _self_signed(tmp_path)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_path, key_path)
    hook.server.socket = context.wrap_socket(hook.server.socket, server_side=True)
    team.save_settings(founder.store, webhook_url=hook.url.replace("http://", "https://"))
    run.run_week()
    rows = [h for h in team.history(founder) if h["kind"] == "webhook"]
    assert rows and "TLS certificate of 127.0.0.1 could not be verified" in rows[0]["detail"]
    assert hook.bodies == []  # nothing was sent over the unverified connection
    # the same server, once its certificate is trusted: the failure above was verification, not TLS itself
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(cert_path))
    assert team.share(founder, at_ms=to_ms(AFTER_DEADLINE) + 10 * 3600_000).ok
    assert len(hook.bodies) == 1


def test_the_tray_sync_takes_the_steps_when_opted_in(real_team):
    """services.sync.scheduled_sync (the worker's default) runs the member's steps when due, and only then."""
    from tracker.services.sync import scheduled_sync

    run = real_team(5)
    ctx = run.contexts[3]
    team.save_settings(ctx.store, opt_in=False)
    assert scheduled_sync(ctx, logs=False, providers=True).team_share is None  # not opted in: nothing
    team.save_settings(ctx.store, opt_in=True)
    first = scheduled_sync(ctx, logs=False, providers=True)  # now: W47's deadline long past, nothing to sign
    assert first.team_share is None or first.team_share["ok"]
    assert team.share_if_due(ctx, CONTRIBUTE_AT).sent[0].detail == f"{WEEK} contribution written"
    assert team.share_if_due(ctx, CONTRIBUTE_AT + timedelta(minutes=5)).sent == []


def test_views_wait_for_late_synced_files_after_the_deadline(real_team):
    from tracker.services import team_protocol as tp

    run = real_team(5)
    run.tick(CONTRIBUTE_AT)
    settings = tp.TeamSettings.from_docs(run.team, tf.read_folder(run.drive).settings).for_week(WEEK)
    just_after = tp.deadline_ms(settings, WEEK) + 60_000
    assert all(o.sent == [] for o in run.tick(just_after))  # contributions closed, views not yet open
    assert not list(run.drive.glob(f"weeks/{WEEK}/view-*.json"))
    assert all(o.sent for o in run.tick(tp.views_open_ms(settings, WEEK)))
    assert len(list(run.drive.glob(f"weeks/{WEEK}/view-*.json"))) == 5
