"""HTTP for provider accounts: one session factory, one retry policy, one error map.

Every provider call goes through `HttpClient.get_json`, so timeouts, retries,
redirect handling and the wording of failures are the same for every source.
Error texts never contain the key: anything taken from a response is passed
through `redact` with the key before it reaches a message.

The retry policy follows the official Anthropic/OpenAI SDKs: retry 408, 409,
429 and 5xx (and connection errors, timeouts and truncated bodies), honour
`retry-after-ms` (milliseconds), `Retry-After` (seconds or an HTTP date) up to
a cap, otherwise back off exponentially with jitter; `x-should-retry` wins.
"""

from __future__ import annotations

import email.utils
import json
import logging
import random
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from urllib.parse import urljoin, urlsplit

import requests
from requests.auth import AuthBase

from tracker import __version__

log = logging.getLogger(__name__)

CONNECT_TIMEOUT_S = 5.0
READ_TIMEOUT_S = 30.0
MAX_RETRIES = 4  # attempts after the first one
INITIAL_RETRY_DELAY_S = 0.5
MAX_RETRY_DELAY_S = 8.0
MAX_RETRY_AFTER_S = 60.0  # a provider asking for longer gets this; the poll backs off instead
RETRY_JITTER = 0.25  # fraction of the delay removed at random, so clients do not retry in step
RETRY_STATUSES = frozenset({408, 409, 429})  # plus every 5xx
MAX_REDIRECTS = 3
ERROR_TEXT_CHARS = 300  # how much of a provider's error message we quote
USER_AGENT = f"tracker/{__version__} (personal AI usage tracker)"


# -- errors -----------------------------------------------------------------
class ProviderError(Exception):
    """A provider call failed; `str()` is a sentence for the user, without the key."""

    transient = False  # worth retrying later without the user doing anything

    def __init__(self, message: str, status: int | None = None):
        super().__init__(message)
        self.status = status


class AuthError(ProviderError):
    """The key was refused (invalid, revoked or expired)."""


class WrongKeyType(ProviderError):
    """The key is valid but lacks the permission (e.g. a project key where an admin key is needed)."""


class RateLimited(ProviderError):
    transient = True


class ServerError(ProviderError):
    transient = True


class BadResponse(ProviderError):
    """Truncated body, invalid JSON or an unexpected shape."""

    transient = True


class Timeout(ProviderError):
    transient = True


class NetworkError(ProviderError):
    transient = True


class RequestRejected(ProviderError):
    """Any other 4xx: a bad request, a missing endpoint (often a wrong base URL)."""


def redact(text: str, secrets: Sequence[str]) -> str:
    for secret in secrets:
        if secret:
            text = text.replace(secret, "[redacted]")
    return text


def _provider_message(body: Any) -> str | None:
    """The message out of OpenAI/Anthropic/OpenRouter error envelopes."""
    if isinstance(body, dict):
        err = body.get("error")
        if isinstance(err, dict) and isinstance(err.get("message"), str):
            return err["message"]
        if isinstance(err, str):
            return err
        if isinstance(body.get("message"), str):
            return body["message"]
    return None


def error_for_status(status: int, body_text: str, provider: str, secrets: Sequence[str] = ()) -> ProviderError:
    """The one mapping from an HTTP status to the tracker's error types."""
    try:
        detail = _provider_message(json.loads(body_text))
    except ValueError:
        detail = None
    detail = redact((detail or body_text or "").strip(), secrets)[:ERROR_TEXT_CHARS]
    suffix = f": {detail}" if detail else ""
    if status == 401:
        return AuthError(
            f"{provider} refused the key (HTTP 401){suffix}. The key is invalid, revoked or expired: "
            "create a new one and add it again with `tracker sources add`.",
            status,
        )
    if status == 403:
        return WrongKeyType(
            f"{provider} says this key may not do that (HTTP 403){suffix}. Check that the key has the "
            "right type and role for usage data.",
            status,
        )
    if status == 429:
        return RateLimited(f"{provider} is rate limiting requests (HTTP 429){suffix}. The tracker will retry later.",
                           status)
    if status == 408:
        return Timeout(f"{provider} timed out on its side (HTTP 408){suffix}.", status)
    if status == 409 or status >= 500:
        return ServerError(f"{provider} had a server problem (HTTP {status}){suffix}. The tracker will retry later.",
                           status)
    if status == 404:
        return RequestRejected(
            f"{provider} has no such endpoint (HTTP 404){suffix}. Check the account's base URL.", status
        )
    return RequestRejected(f"{provider} rejected the request (HTTP {status}){suffix}.", status)


# -- retry policy -----------------------------------------------------------
def is_retryable_status(status: int) -> bool:
    return status in RETRY_STATUSES or status >= 500


@dataclass
class RetryPolicy:
    max_retries: int = MAX_RETRIES
    initial_delay_s: float = INITIAL_RETRY_DELAY_S
    max_delay_s: float = MAX_RETRY_DELAY_S
    max_retry_after_s: float = MAX_RETRY_AFTER_S
    jitter: float = RETRY_JITTER
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.time  # wall clock, for Retry-After HTTP dates
    rng: random.Random = field(default_factory=random.Random)

    def should_retry(self, status: int | None, headers: Mapping[str, str] | None = None) -> bool:
        """`x-should-retry` from the server wins; then the status table; None = no response."""
        flag = (headers or {}).get("x-should-retry")
        if flag == "true":
            return True
        if flag == "false":
            return False
        return status is None or is_retryable_status(status)

    def retry_after_s(self, headers: Mapping[str, str] | None) -> float | None:
        """The server's requested wait in seconds (capped), or None when it gave none we can use."""
        if not headers:
            return None
        raw_ms = headers.get("retry-after-ms")
        if raw_ms is not None:
            try:
                return self._cap(float(raw_ms) / 1000)
            except ValueError:
                pass
        raw = headers.get("retry-after")
        if raw is None:
            return None
        try:
            return self._cap(float(raw))
        except ValueError:
            pass
        try:
            when = email.utils.parsedate_to_datetime(raw)
        except (TypeError, ValueError, IndexError):
            return None
        if when is None:
            return None
        return self._cap(when.timestamp() - self.clock())

    def _cap(self, seconds: float) -> float | None:
        if seconds != seconds:  # NaN
            return None
        return min(max(seconds, 0.0), self.max_retry_after_s)

    def backoff_s(self, retry_index: int) -> float:
        """Exponential backoff for the retry_index-th retry (0-based), with jitter."""
        delay = min(self.initial_delay_s * (2**retry_index), self.max_delay_s)
        return delay * (1 - self.jitter * self.rng.random())

    def delay_s(self, retry_index: int, headers: Mapping[str, str] | None = None) -> float:
        requested = self.retry_after_s(headers)
        return requested if requested is not None else self.backoff_s(retry_index)


# -- session and client ------------------------------------------------------
class _NoNetrc(AuthBase):
    """Stops requests from replacing our auth header with ~/.netrc credentials."""

    def __call__(self, r):
        return r


def make_session() -> requests.Session:
    """The one Session factory: TLS verification on, our User-Agent, no netrc auth."""
    session = requests.Session()
    session.verify = True
    session.headers["User-Agent"] = USER_AGENT
    session.auth = _NoNetrc()
    return session


@dataclass
class HttpOptions:
    """What tests (and the benchmark) change: timeouts, the retry policy, a shared session."""

    connect_timeout_s: float = CONNECT_TIMEOUT_S
    read_timeout_s: float = READ_TIMEOUT_S
    policy: RetryPolicy = field(default_factory=RetryPolicy)
    session: requests.Session | None = None


def _same_origin(a: str, b: str) -> bool:
    pa, pb = urlsplit(a), urlsplit(b)
    return (pa.scheme, pa.hostname, pa.port) == (pb.scheme, pb.hostname, pb.port)


LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")


def is_private_url(url: str) -> bool:
    """True for https:// anywhere and plain http:// to this computer only (local relays, test servers):
    the only places keys, admin keys and webhook secrets may be sent."""
    parts = urlsplit(url.strip())
    if not parts.hostname:
        return False
    return parts.scheme == "https" or (parts.scheme == "http" and parts.hostname in LOOPBACK_HOSTS)


def parse_json(text: str) -> Any:
    """JSON with every non-integer number as an exact Decimal (money never becomes a float)."""
    return json.loads(text, parse_float=Decimal)


class HttpClient:
    """GET JSON from one provider with the credentials in `headers`; counts requests made."""

    def __init__(
        self,
        base_url: str,
        headers: Mapping[str, str],
        provider: str,
        secrets: Sequence[str] = (),
        options: HttpOptions | None = None,
    ):
        self.base_url = base_url.rstrip("/") + "/"
        self.headers = dict(headers)
        self.provider = provider
        self.secrets = [s for s in secrets if s]
        self.options = options or HttpOptions()
        self._own_session = self.options.session is None
        self.session = self.options.session or make_session()
        self.requests_made = 0

    def close(self) -> None:
        if self._own_session:
            self.session.close()

    def url(self, path: str) -> str:
        return urljoin(self.base_url, path.lstrip("/"))

    def get_json(self, path: str, params: Sequence[tuple[str, Any]] | None = None) -> Any:
        """GET and parse, retrying per the policy; raises a ProviderError subclass."""
        policy = self.options.policy
        retry = 0
        while True:
            try:
                return self._attempt(self.url(path), params)
            except _Retryable as failure:
                error = failure.error
                if retry >= policy.max_retries or not policy.should_retry(failure.status, failure.headers):
                    raise error from None
                delay = policy.delay_s(retry, failure.headers)
                log.info("%s: %s; retry %d in %.2fs", self.provider, type(error).__name__, retry + 1, delay)
                policy.sleep(delay)
                retry += 1

    def _attempt(self, url: str, params) -> Any:
        if not is_private_url(url):  # an account saved before the base URL was checked, or edited by hand
            raise NetworkError(f"The tracker does not send the {self.provider} key over plain http:// to "
                               f"{urlsplit(url).hostname or '?'}: change the account's base URL to https://.")
        timeout = (self.options.connect_timeout_s, self.options.read_timeout_s)
        for _ in range(MAX_REDIRECTS + 1):
            self.requests_made += 1
            try:
                response = self.session.get(
                    url, params=params, headers=self.headers, timeout=timeout, allow_redirects=False, verify=True
                )
                text = response.text  # reads the whole body: a truncated one raises here
            except requests.Timeout:
                raise _Retryable(Timeout(f"{self.provider} did not answer within {timeout[1]:g}s."), None, None)
            except (requests.exceptions.ChunkedEncodingError, requests.exceptions.ContentDecodingError):
                raise _Retryable(BadResponse(f"{self.provider} sent a truncated or damaged response."), None, None)
            except requests.ConnectionError as exc:
                reason = redact(type(exc).__name__, self.secrets)
                raise _Retryable(
                    NetworkError(f"Cannot reach {self.provider} at {self.base_url} ({reason}): check the network "
                                 "and the account's base URL."),
                    None,
                    None,
                )
            except requests.RequestException as exc:
                raise NetworkError(f"Request to {self.provider} failed ({type(exc).__name__}).") from None
            headers = {k.lower(): v for k, v in response.headers.items()}
            if response.is_redirect:
                target = urljoin(url, headers.get("location", ""))
                if not _same_origin(target, url):
                    raise BadResponse(
                        f"{self.provider} redirected to another host ({urlsplit(target).hostname}); the tracker "
                        "does not send keys there. Check the account's base URL."
                    )
                url, params = target, None
                continue
            if response.status_code >= 400:
                error = error_for_status(response.status_code, text, self.provider, self.secrets)
                if error.transient or headers.get("x-should-retry") == "true":
                    raise _Retryable(error, response.status_code, headers)
                raise error
            try:
                return parse_json(text)
            except ValueError:
                raise _Retryable(
                    BadResponse(f"{self.provider} sent a response that is not valid JSON (truncated, or the base "
                                "URL is not the provider's API)."),
                    None,
                    headers,
                )
        raise BadResponse(f"{self.provider} redirected too many times.")


class _Retryable(Exception):
    def __init__(self, error: ProviderError, status: int | None, headers: Mapping[str, str] | None):
        super().__init__(str(error))
        self.error, self.status, self.headers = error, status, headers
