"""POSTing one JSON document to a webhook (team summaries).

Kept tiny: a timeout on every call, TLS verified, redirects refused (a
redirect could carry the body somewhere the user did not choose), and error
text that names the host only, because the URL itself may be a credential
(Slack's webhook URLs are).
It uses the app's one session factory (tracker.net.make_session): TLS on, our
User-Agent, no ~/.netrc credentials.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

import requests

from tracker.net import is_private_url, make_session

CONNECT_TIMEOUT_S = 5
READ_TIMEOUT_S = 15


@dataclass(frozen=True)
class PostResult:
    ok: bool
    status: int | None
    detail: str


def host_of(url: str) -> str:
    parts = urlsplit(url)
    return parts.hostname or "?"


def check_url(url: str) -> str:
    if not is_private_url(url):
        raise ValueError("the webhook URL must start with https:// (plain http:// only to this computer)")
    return url.strip()


def post_json(url: str, body: bytes,
              timeout_s: tuple[float, float] = (CONNECT_TIMEOUT_S, READ_TIMEOUT_S)) -> PostResult:
    host = host_of(url)
    try:
        with make_session() as session:
            response = session.post(
                check_url(url), data=body, headers={"Content-Type": "application/json; charset=utf-8"},
                timeout=timeout_s, verify=True, allow_redirects=False,
            )
    except requests.exceptions.SSLError:
        return PostResult(False, None, f"TLS certificate of {host} could not be verified")
    except requests.exceptions.Timeout:
        return PostResult(False, None, f"{host} did not answer within {timeout_s[1]} s")
    except requests.exceptions.RequestException as exc:
        return PostResult(False, None, f"could not reach {host} ({type(exc).__name__})")
    except ValueError as exc:
        return PostResult(False, None, str(exc))
    if 300 <= response.status_code < 400:
        return PostResult(False, response.status_code, f"{host} answered with a redirect; not followed")
    if response.status_code >= 400:
        return PostResult(False, response.status_code, f"{host} refused the summary (HTTP {response.status_code})")
    return PostResult(True, response.status_code, f"{host} accepted (HTTP {response.status_code})")
