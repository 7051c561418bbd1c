"""The team's secrets, in keyring only: this install's member keys, a founder's signing key, a webhook URL.

The member keys mask this member's figures and sign its files; the founder
key signs the team's settings; a webhook URL (Slack's in particular) is a
bearer credential. None of them is written to the database, a log, an export
or an error message. They are kept per install (named by its install id), so
two installs sharing one keyring never mix them up. Lookup order: keyring,
then an environment variable (for headless machines without a keyring
backend).

The keyring itself is reached through tracker.credentials, like every key.
"""

from __future__ import annotations

import os

from tracker import credentials

SECRET_PREFIX = "team/"
WEBHOOK_URL = "webhook-url"
MEMBER_KEY = "member-key"
FOUNDER_KEY = "founder-key"
ENV_VARS = {WEBHOOK_URL: "TRACKER_TEAM_WEBHOOK_URL", MEMBER_KEY: "TRACKER_TEAM_MEMBER_KEY",
            FOUNDER_KEY: "TRACKER_TEAM_FOUNDER_KEY"}
INSTALL_KEYED = (MEMBER_KEY, FOUNDER_KEY, WEBHOOK_URL)
INSTALL_PREFIX_CHARS = 16


class TeamKeyError(RuntimeError):
    """A secret that cannot be read or stored; the text says how to fix it (and never holds the secret)."""


def _entry(name: str, install: str | None) -> str:
    if name in INSTALL_KEYED:
        if not install:
            raise ValueError(f"{name} is kept per install: give the install id")
        return f"{SECRET_PREFIX}{name}/{install[:INSTALL_PREFIX_CHARS]}"
    return SECRET_PREFIX + name


def get(name: str, install: str | None = None) -> str | None:
    return credentials.read_secret(_entry(name, install)) or os.environ.get(ENV_VARS[name]) or None


def put(name: str, value: str | None, install: str | None = None) -> None:
    try:
        credentials.write_secret(_entry(name, install), value, name.replace("-", " "), ENV_VARS[name])
    except credentials.KeyringUnavailable as exc:
        raise TeamKeyError(str(exc)) from None
