"""Claude plan windows from Claude's usage endpoint, with the login Claude Code keeps on this machine.

UNCERTAIN (providers.md section 4, one kind of source: clients that call it,
e.g. CodexBar): `GET https://api.anthropic.com/api/oauth/usage` with the
Claude Code OAuth access token (`Authorization: Bearer`, `anthropic-beta:
oauth-2025-04-20`) answers {"five_hour": {"utilization": 25, "resets_at":
"<RFC 3339>"}, "seven_day": {...}, "seven_day_opus": {...} | null,
"seven_day_sonnet": ..., "extra_usage": {"is_enabled", "monthly_limit",
"used_credits", "utilization", ...}, ...}. Missing keys are fine, unknown
keys with a window's shape are read as windows, anything else is ignored.

The login: `$CLAUDE_CONFIG_DIR/.credentials.json` (else `~/.claude/` and
`~/.config/claude/`), on macOS first the keychain item "Claude Code-credentials";
`{"claudeAiOauth": {"accessToken", "expiresAt" (ms), "scopes", ...}}`. The
token is read only to make the call: it is never stored, logged, or put in a
message (every error text is ours, and HttpClient redacts it from anything
quoted). We never refresh it: an expired login is the agent's to renew, so the
caller is told to run the agent once.

Only read with the user's consent (services.limits asks once).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit

from tracker.core.limits import LimitReading
from tracker.core.timeutil import parse_iso
from tracker.net import AuthError, HttpClient, HttpOptions, LOOPBACK_HOSTS, RetryPolicy, WrongKeyType
from tracker.sources import logfiles as lf

KIND = "claude_code"  # the windows meter the Claude plan that Claude Code's usage runs on
DEFAULT_BASE_URL = "https://api.anthropic.com"
USAGE_PATH = "api/oauth/usage"
OAUTH_BETA = "oauth-2025-04-20"
# For tests only: the loopback address of a fake usage endpoint (any other value is ignored).
BASE_URL_ENV = "TRACKER_TEST_CLAUDE_USAGE_URL"
CREDENTIALS_FILE = ".credentials.json"
KEYCHAIN_SERVICE = "Claude Code-credentials"
KEYCHAIN_TIMEOUT_S = 5
MAX_CREDENTIALS_BYTES = 1024 * 1024
PROFILE_SCOPE = "user:profile"
# Window lengths by key (the endpoint does not say them); unknown keys by their prefix.
WINDOW_MINUTES = {"five_hour": 300, "seven_day": 10_080}
EXTRA_USAGE = "extra_usage"
RUN_AGENT = "run `claude` once (it renews its login), and the tracker reads the windows again"


class LoginProblem(Exception):
    """No usable Claude Code login: the text says what to do. `fingerprint` tells when it changed (no secret)."""

    def __init__(self, message: str, fingerprint: str = ""):
        super().__init__(message)
        self.fingerprint = fingerprint


@dataclass(frozen=True)
class ClaudeLogin:
    token: str = field(repr=False)
    fingerprint: str  # where it came from and when it was written/expires: changes when the agent logs in again
    expires_at_ms: int | None = None
    subscription: str | None = None  # "max", "pro", ... as Claude Code recorded it
    rate_limit_tier: str | None = None

    def __repr__(self) -> str:  # never print the token by accident
        return f"ClaudeLogin(fingerprint={self.fingerprint!r}, subscription={self.subscription!r})"


def credential_paths() -> list[Path]:
    """Where Claude Code keeps its login: CLAUDE_CONFIG_DIR's folders, else ~/.claude and ~/.config/claude."""
    configured = lf.env_list("CLAUDE_CONFIG_DIR")
    if configured:
        folders = [p.parent if p.name == "projects" else p for p in configured]
    else:
        xdg = os.environ.get("XDG_CONFIG_HOME")
        folders = [lf.home() / ".claude", (Path(xdg) if xdg else lf.home() / ".config") / "claude"]
    return [folder / CREDENTIALS_FILE for folder in folders]


def _from_keychain() -> tuple[bytes, str] | None:
    """The login JSON from the macOS keychain, or None (not macOS, no item, access refused)."""
    if sys.platform != "darwin":
        return None
    try:
        done = subprocess.run(["security", "find-generic-password", "-s", KEYCHAIN_SERVICE, "-w"],
                              capture_output=True, timeout=KEYCHAIN_TIMEOUT_S, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    if done.returncode != 0 or not done.stdout.strip():
        return None
    return done.stdout.strip(), "keychain"


def _from_files(paths: list[Path]) -> tuple[bytes, str] | None:
    for path in paths:
        try:
            st = path.stat()
            if st.st_size > MAX_CREDENTIALS_BYTES:
                raise LoginProblem(f"Claude Code's login file {path} is not a login file (too big): {RUN_AGENT}.",
                                   f"{path}:{st.st_mtime_ns}")
            return path.read_bytes(), f"{path}:{st.st_mtime_ns}"
        except FileNotFoundError:
            continue
        except OSError as exc:
            raise LoginProblem(f"Claude Code's login file {path} cannot be read ({exc.strerror or 'error'}).",
                               str(path)) from None
    return None


def find_login(paths: list[Path] | None = None, keychain=_from_keychain) -> ClaudeLogin:
    """The Claude Code login on this machine; LoginProblem with a sentence when there is none usable."""
    found = keychain() if paths is None else None
    found = found or _from_files(paths if paths is not None else credential_paths())
    if found is None:
        where = ", ".join(str(p) for p in (paths if paths is not None else credential_paths()))
        raise LoginProblem(f"No Claude Code login found on this machine (looked in {where}): run `claude` and log "
                           "in with your Claude account once.", "missing")
    raw, origin = found
    try:
        doc = json.loads(raw)
    except (ValueError, UnicodeDecodeError):  # the message never quotes the content: it holds the token
        raise LoginProblem(f"Claude Code's login ({origin.rsplit(':', 1)[0]}) is not valid JSON: {RUN_AGENT}.",
                           origin) from None
    oauth = doc.get("claudeAiOauth") if isinstance(doc, dict) else None
    token = oauth.get("accessToken") if isinstance(oauth, dict) else None
    if not isinstance(token, str) or not token.strip():
        raise LoginProblem(f"Claude Code's login ({origin.rsplit(':', 1)[0]}) holds no Claude account login (an API "
                           "key login has no plan windows): run `claude` and /login with your Claude account.", origin)
    expires = oauth.get("expiresAt")
    expires_ms = int(expires) if isinstance(expires, (int, float)) and not isinstance(expires, bool) else None
    scopes = oauth.get("scopes")
    if isinstance(scopes, list) and scopes and PROFILE_SCOPE not in scopes:
        raise LoginProblem("Claude Code's login may not read plan usage (it lacks the user:profile permission): run "
                           "`claude`, then /login again with your Claude account.", f"{origin}:{expires_ms}")
    text = lambda key: oauth.get(key) if isinstance(oauth.get(key), str) else None  # noqa: E731
    return ClaudeLogin(token.strip(), f"{origin}:{expires_ms}", expires_ms, text("subscriptionType"),
                       text("rateLimitTier"))


def base_url() -> str:
    """The endpoint's base: the real one, or (tests only) a loopback fake named by BASE_URL_ENV."""
    override = os.environ.get(BASE_URL_ENV, "").strip()
    if override and urlsplit(override).hostname in LOOPBACK_HOSTS:
        return override
    return DEFAULT_BASE_URL


class LoginRefused(Exception):
    """The endpoint refused the login (expired, revoked, or without the permission): a sentence."""


def fetch_windows(login: ClaudeLogin, now_ms: int, options: HttpOptions | None = None
                  ) -> tuple[list[LimitReading], list[str]]:
    """(readings, rejected parts with a reason). Raises LoginRefused, or a net.ProviderError (429, 5xx, ...).

    One request, no retries: the next sync is the retry (a 429 must not be answered with more requests).
    """
    options = options or HttpOptions(policy=RetryPolicy(max_retries=0))
    client = HttpClient(base_url(), {"Authorization": f"Bearer {login.token}", "anthropic-beta": OAUTH_BETA,
                                     "Accept": "application/json"}, "Claude's usage endpoint",
                        secrets=[login.token], options=options)
    try:
        doc = client.get_json(USAGE_PATH)
    except AuthError:
        raise LoginRefused(f"Claude refused Claude Code's login (expired or signed out): {RUN_AGENT}.") from None
    except WrongKeyType:
        raise LoginRefused("Claude says this login may not read plan usage: run `claude`, then /login with your "
                           "Claude account (Pro or Max).") from None
    finally:
        client.close()
    return parse_usage(doc, now_ms)


def _number(value) -> float | None:
    """A non-negative finite number (ints, and the Decimals net.parse_json gives for fractions), else None."""
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
        return None
    number = float(value)
    return number if 0 <= number < float("inf") else None


def _percent(value) -> float | None:
    number = _number(value)
    return number if number is not None and number <= 1000 else None


def _window_minutes(key: str) -> int | None:
    for prefix, minutes in WINDOW_MINUTES.items():
        if key == prefix or key.startswith(prefix + "_"):
            return minutes
    return None


def parse_usage(doc, now_ms: int) -> tuple[list[LimitReading], list[str]]:
    """Readings from one answer of the usage endpoint (untrusted: every field checked)."""
    if not isinstance(doc, dict):
        return [], ["the answer is not a JSON object"]
    readings: list[LimitReading] = []
    rejected: list[str] = []
    for key, value in doc.items():
        if not isinstance(key, str) or not isinstance(value, dict):
            continue  # null windows (not on this plan) and fields that are no windows
        if key == EXTRA_USAGE:
            reading = _extra_usage(value, now_ms)
            if reading is not None:
                readings.append(reading)
            continue
        if "utilization" not in value:
            continue
        used = _percent(value.get("utilization"))
        if used is None:
            if value.get("utilization") is not None:
                rejected.append(f"{key}: utilization is not a percentage")
            continue
        resets_ms = None
        if value.get("resets_at") is not None:
            try:
                resets_ms = int(parse_iso(value["resets_at"]).timestamp() * 1000)
            except (TypeError, ValueError):
                rejected.append(f"{key}: resets_at is not a time")
                continue
        readings.append(LimitReading(KIND, key, now_ms, used, _window_minutes(key), resets_ms))
    return readings, rejected


def _extra_usage(value: dict, now_ms: int) -> LimitReading | None:
    """Extra usage (pay-per-use beyond the plan, monthly): a reading only while it is switched on."""
    if value.get("is_enabled") is not True:
        return None
    detail = {}
    for name in ("used_credits", "monthly_limit", "currency"):
        item = value.get(name)
        if (isinstance(item, str) and len(item) <= 40) or _number(item) is not None:
            detail[name] = str(item)  # as reported (the provider's units: clients read credits as cents)
    used = _percent(value.get("utilization"))
    if used is None:
        spent, cap = _number(value.get("used_credits")), _number(value.get("monthly_limit"))
        used = min(1000.0, 100 * spent / cap) if spent is not None and cap else None
    if used is None:
        return None
    return LimitReading(KIND, EXTRA_USAGE, now_ms, used, None, None, detail=detail or None)
