"""The two team secrets, in keyring only: the team secret and the webhook URL.

The team secret keys the pseudonymous member id; a webhook URL (Slack's in
particular) is a bearer credential. Neither is written to the database, a log,
an export or an error message. Lookup order: keyring, then an environment
variable (for headless machines without a keyring backend).

The keyring itself is reached through tracker.credentials, like every key.
"""

from __future__ import annotations

import os

from tracker import credentials

SECRET_PREFIX = "team/"
TEAM_SECRET = "team-secret"
WEBHOOK_URL = "webhook-url"
ENV_VARS = {TEAM_SECRET: "TRACKER_TEAM_SECRET", WEBHOOK_URL: "TRACKER_TEAM_WEBHOOK_URL"}
MIN_SECRET_CHARS = 16


class TeamKeyError(RuntimeError):
    """A secret that cannot be read or stored; the text says how to fix it (and never holds the secret)."""


def get(name: str) -> str | None:
    return credentials.read_secret(SECRET_PREFIX + name) or os.environ.get(ENV_VARS[name]) or None


def put(name: str, value: str | None) -> None:
    try:
        credentials.write_secret(SECRET_PREFIX + name, value, name.replace("-", " "), ENV_VARS[name])
    except credentials.KeyringUnavailable as exc:
        raise TeamKeyError(str(exc)) from None


def check_secret(secret: str) -> str:
    secret = secret.strip()
    if len(secret) < MIN_SECRET_CHARS:
        raise ValueError(f"the team secret must have at least {MIN_SECRET_CHARS} characters; share one long "
                         "random phrase with your team, e.g. from "
                         "`python -c 'import secrets; print(secrets.token_urlsafe())'`")
    return secret
