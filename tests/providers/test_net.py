"""The retry policy and the status -> error map, as tables; redirects; TLS verification."""

from __future__ import annotations

import random

import pytest

from tests.fakes.server import FakeProvider
from tracker import net

SECRET = "sk-admin-SECRET-should-never-show-123"


def policy(**kw) -> net.RetryPolicy:
    return net.RetryPolicy(sleep=lambda s: None, clock=lambda: 1_000_000.0, rng=random.Random(1), jitter=0.0, **kw)


@pytest.mark.parametrize(
    "status, headers, retry",
    [
        (408, {}, True), (409, {}, True), (429, {}, True), (500, {}, True), (502, {}, True), (503, {}, True),
        (529, {}, True), (400, {}, False), (401, {}, False), (403, {}, False), (404, {}, False),
        (None, {}, True),  # no response at all: timeout, reset, truncated body
        (429, {"x-should-retry": "false"}, False), (400, {"x-should-retry": "true"}, True),
    ],
)
def test_which_failures_are_retried(status, headers, retry):
    assert policy().should_retry(status, headers) is retry


@pytest.mark.parametrize(
    "headers, delay",
    [
        ({"retry-after": "3"}, 3.0),
        ({"retry-after": "1.5"}, 1.5),
        ({"retry-after-ms": "250"}, 0.25),
        ({"retry-after-ms": "250", "retry-after": "9"}, 0.25),  # milliseconds win, as in the SDKs
        ({"retry-after": "Mon, 12 Jan 1970 13:46:50 GMT"}, 10.0),  # HTTP date, 10 s after the fake clock
        ({"retry-after": "100000"}, net.MAX_RETRY_AFTER_S),  # capped
        ({"retry-after": "-5"}, 0.0),
        ({"retry-after": "soon"}, net.INITIAL_RETRY_DELAY_S),  # unusable: back off instead
        ({}, net.INITIAL_RETRY_DELAY_S),
    ],
)
def test_retry_after_parsing(headers, delay):
    assert policy().delay_s(0, headers) == pytest.approx(delay)


def test_backoff_is_exponential_capped_and_jittered():
    plain = policy()
    assert [plain.backoff_s(i) for i in range(6)] == [0.5, 1.0, 2.0, 4.0, 8.0, 8.0]
    jittered = net.RetryPolicy(rng=random.Random(3))
    for i in range(6):
        full = min(net.INITIAL_RETRY_DELAY_S * 2**i, net.MAX_RETRY_DELAY_S)
        assert full * (1 - net.RETRY_JITTER) <= jittered.backoff_s(i) <= full


@pytest.mark.parametrize(
    "status, error",
    [
        (401, net.AuthError), (403, net.WrongKeyType), (429, net.RateLimited), (408, net.Timeout),
        (409, net.ServerError), (500, net.ServerError), (503, net.ServerError), (400, net.RequestRejected),
        (404, net.RequestRejected),
    ],
)
def test_status_maps_to_error_without_the_key(status, error):
    body = '{"error": {"message": "Incorrect API key provided: %s"}}' % SECRET
    exc = net.error_for_status(status, body, "OpenAI", [SECRET])
    assert type(exc) is error and exc.status == status
    assert SECRET not in str(exc) and "[redacted]" in str(exc)


class Scripted(FakeProvider):
    """Answers from a script: a list of (status, headers, body) per request, then 200."""

    def __init__(self, script):
        super().__init__()
        self.script = list(script)

    def route(self, path, query, headers):
        if self.script:
            status, extra, body = self.script.pop(0)
            return status, body, extra
        return 200, {"ok": True, "amount": 0.1}, {}


def client(fake, sleeps, retries=net.MAX_RETRIES):
    options = net.HttpOptions(read_timeout_s=2, policy=net.RetryPolicy(sleep=sleeps.append, max_retries=retries,
                                                                      rng=random.Random(2)))
    return net.HttpClient(fake.base_url, {"Authorization": f"Bearer {SECRET}"}, "Fake", [SECRET], options)


def test_retries_honour_retry_after_then_succeed():
    sleeps = []
    script = [(429, {"retry-after": "2"}, {}), (503, {"retry-after-ms": "30"}, {}), (500, {}, {})]
    with Scripted(script) as fake:
        c = client(fake, sleeps)
        doc = c.get_json("thing")
    assert doc["amount"] == net.parse_json("0.1")  # exact Decimal, never a float
    assert sleeps[:2] == [2.0, 0.03] and 0 < sleeps[2] <= 4 * net.INITIAL_RETRY_DELAY_S  # third retry: 2 s less jitter
    assert c.requests_made == 4


def test_gives_up_after_max_retries_with_the_last_error():
    sleeps = []
    with Scripted([(500, {}, {})] * 10) as fake:
        with pytest.raises(net.ServerError):
            client(fake, sleeps, retries=2).get_json("thing")
    assert len(sleeps) == 2


def test_redirect_to_another_host_is_not_followed():
    with Scripted([(302, {"Location": "http://example.invalid/steal"}, {})]) as fake:
        with pytest.raises(net.BadResponse, match="another host"):
            client(fake, []).get_json("thing")


def test_redirect_on_the_same_host_is_followed():
    with Scripted([(307, {"Location": "/elsewhere"}, {})]) as fake:
        assert client(fake, []).get_json("thing")["ok"] is True
        assert [p for p, _ in fake.log] == ["/thing", "/elsewhere"]


def test_session_verifies_tls():
    session = net.make_session()
    assert session.verify is True


@pytest.mark.parametrize("mode", ["dropped", "broken_json"])
def test_truncated_bodies_are_retried(mode):
    from tests.fakes.server import Faults

    sleeps = []
    with Scripted([]) as fake:
        fake.faults = Faults(script=["truncate", "truncate"], truncate_mode=mode)
        c = client(fake, sleeps)
        assert c.get_json("thing")["ok"] is True
    assert c.requests_made == 3 and len(sleeps) == 2


def test_a_slow_answer_times_out_and_is_retried():
    from tests.fakes.server import Faults

    sleeps = []
    with Scripted([]) as fake:
        fake.faults = Faults(script=["slow"], slow_s=0.6)
        options = net.HttpOptions(read_timeout_s=0.2, policy=net.RetryPolicy(sleep=sleeps.append))
        c = net.HttpClient(fake.base_url, {}, "Fake", options=options)
        assert c.get_json("thing")["ok"] is True
        with pytest.raises(net.Timeout, match="did not answer within 0.2s"):
            fake.faults = Faults(script=["slow"] * 3, slow_s=0.6)
            net.HttpClient(fake.base_url, {}, "Fake", options=net.HttpOptions(
                read_timeout_s=0.2, policy=net.RetryPolicy(sleep=sleeps.append, max_retries=2))).get_json("thing")


@pytest.mark.parametrize("url, private", [
    ("https://api.openai.com/v1", True), ("http://127.0.0.1:8080/v1", True), ("http://localhost/v1", True),
    ("http://[::1]:9/v1", True), ("http://api.example.com/v1", False), ("http://10.0.0.5/v1", False),
    ("ftp://127.0.0.1/", False), ("https:///nohost", False),
])
def test_keys_go_over_https_or_to_this_computer_only(url, private):
    assert net.is_private_url(url) is private


def test_a_plain_http_remote_base_url_sends_nothing():
    """An account stored before the check (or edited by hand) never sends its key in clear text."""
    session = _NoNetwork()
    http = net.HttpClient("http://api.example.invalid/v1", {"Authorization": f"Bearer {SECRET}"}, "OpenAI",
                          secrets=[SECRET], options=net.HttpOptions(session=session))
    with pytest.raises(net.NetworkError, match="over plain http:// to api.example.invalid") as caught:
        http.get_json("organization/costs")
    assert session.calls == 0 and SECRET not in str(caught.value)


def test_accounts_refuse_a_plain_http_remote_base_url():
    from tracker.services.accounts import AccountError, validate

    with pytest.raises(AccountError, match="plain http:// only to this computer"):
        validate("openai", "work", "http://example.com/v1")
    validate("openai", "work", "http://127.0.0.1:8080/v1")  # a local test server stays possible


class _NoNetwork:
    calls = 0

    def get(self, *args, **kwargs):
        self.calls += 1
        raise AssertionError("a request was sent")

    def close(self):
        pass
