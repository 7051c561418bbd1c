"""Settings the GUI edits: provider sources, sync intervals, timezone, currency, folders.

Provider sources are the accounts of `services.accounts` (the same list the CLI's
`tracker sources` and the poll use); their keys go through `tracker.credentials`
to the system keyring only. A key is never returned to the GUI, logged or
stored in the database.
"""

from __future__ import annotations

from dataclasses import dataclass

from tracker import credentials
from tracker.core.timeutil import get_zone
from tracker.services import accounts
from tracker.services.choices import ChoiceSetting
from tracker.services.context import TIMEZONE_SETTING
# Kept with the import (whose start-up must not load keyring and requests); the GUI uses them from here.
from tracker.services.log_import import IMPORT_FOLDERS_SETTING, import_folders, set_import_folders  # noqa: F401
from tracker.storage import Store
from tracker.storage import providers as pstore

SOURCE_KINDS = tuple(sorted(accounts.SOURCE_KINDS))
LOGS_INTERVAL_SETTING = "sync.logs_interval_s"
PROVIDERS_INTERVAL_SETTING = "sync.providers_interval_s"
DEFAULT_LOGS_INTERVAL_S = 60
DEFAULT_PROVIDERS_INTERVAL_S = 15 * 60
MIN_INTERVAL_S = 15


class SettingsError(ValueError):
    """A setting the user entered that cannot be used; the text says why."""


@dataclass(frozen=True)
class SourceConfig:
    kind: str
    label: str
    base_url: str | None = None

    @property
    def key_name(self) -> str:
        """The keyring user name under which this source's key is kept."""
        return credentials.username(self.kind, self.label)


def list_sources(store: Store) -> list[SourceConfig]:
    return [SourceConfig(a.kind, a.label, a.base_url) for a in pstore.list_accounts(store)]


def key_storage() -> credentials.KeyStore:
    """Where keys go (the keyring backend by its real name) and a warning when it does not encrypt them."""
    return credentials.key_store()


def has_source_key(source: SourceConfig) -> bool:
    """A key is available (keyring or the provider's environment variable)."""
    try:
        credentials.find_key(source.kind, source.label)
        return True
    except credentials.CredentialError:
        return False


def add_source(store: Store, kind: str, label: str, key: str, base_url: str | None = None) -> SourceConfig:
    """Keep the key in the keyring and record the account; "Test" asks the provider."""
    kind = (kind or "").strip().lower()
    label = (label or "").strip()
    if kind not in SOURCE_KINDS:
        raise SettingsError(f"Unknown source kind {kind!r}: choose one of {', '.join(SOURCE_KINDS)}.")
    if not key.strip():
        raise SettingsError("Paste the API key for this account.")
    base_url = (base_url or "").strip() or None
    if pstore.get_account(store, label) is not None:
        raise SettingsError(f"There is already a source labelled {label!r}: remove it first.")
    try:
        # Saved without a network round trip on the GUI thread; the Test button asks the provider.
        accounts.add_account(store, kind, label, key.strip(), base_url, test=False)
    except (accounts.AccountError, credentials.CredentialError) as exc:
        raise SettingsError(_sentence(str(exc))) from None
    return SourceConfig(kind, label, base_url)


def remove_source(store: Store, kind: str, label: str) -> None:
    try:
        accounts.remove_account(store, label)
    except accounts.AccountError as exc:
        raise SettingsError(_sentence(str(exc))) from None


def test_source(store: Store, source: SourceConfig) -> tuple[bool, str]:
    """Ask the provider whether the key works: (ok, sentence for the user)."""
    try:
        [check] = accounts.check_accounts(store, [source.label])
    except accounts.AccountError as exc:
        return False, _sentence(str(exc))
    return check.ok, _sentence(check.message)


def _sentence(text: str) -> str:
    text = text.strip()
    return text[:1].upper() + text[1:] if text else text


# -- plain settings ----------------------------------------------------------

def sync_intervals(store: Store) -> tuple[int, int]:
    """(agent logs, provider accounts) sync intervals in seconds."""
    return (
        int(store.get_setting(LOGS_INTERVAL_SETTING, DEFAULT_LOGS_INTERVAL_S)),
        int(store.get_setting(PROVIDERS_INTERVAL_SETTING, DEFAULT_PROVIDERS_INTERVAL_S)),
    )


def set_sync_intervals(store: Store, logs_s: int, providers_s: int) -> None:
    if logs_s < MIN_INTERVAL_S or providers_s < MIN_INTERVAL_S:
        raise SettingsError(f"Sync intervals must be at least {MIN_INTERVAL_S} seconds.")
    store.set_setting(LOGS_INTERVAL_SETTING, int(logs_s))
    store.set_setting(PROVIDERS_INTERVAL_SETTING, int(providers_s))


def timezone_name(store: Store) -> str | None:
    """The configured IANA zone, or None for the system's."""
    return store.get_setting(TIMEZONE_SETTING)


def set_timezone(store: Store, name: str | None) -> None:
    name = (name or "").strip() or None
    if name:
        get_zone(name)  # raises TimezoneError with a sentence
    store.set_setting(TIMEZONE_SETTING, name)




APPEARANCE = ChoiceSetting("appearance", ("auto", "light", "dark"), "The appearance is")  # auto: the desktop's
APPEARANCES = APPEARANCE.choices


def appearance(store: Store) -> str:
    return APPEARANCE.get(store)


def set_appearance(store: Store, value: str) -> None:
    try:
        APPEARANCE.set(store, value)
    except ValueError as exc:
        raise SettingsError(str(exc)) from None
