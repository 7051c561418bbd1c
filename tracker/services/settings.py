"""Settings the GUI edits: provider sources, sync intervals, timezone, currency, folders.

Source keys go to keyring through `save_source_key` only, so that pointing the
app at `tracker.credentials` later is a one-function change. A key is never
returned to the GUI, logged or stored in the database.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass

from tracker.core.timeutil import get_zone
from tracker.services.context import TIMEZONE_SETTING
from tracker.storage import Store

KEYRING_SERVICE = "tracker"
SOURCE_KINDS = ("openai", "anthropic", "openrouter", "deepseek")
SOURCES_SETTING = "sources"
LOGS_INTERVAL_SETTING = "sync.logs_interval_s"
PROVIDERS_INTERVAL_SETTING = "sync.providers_interval_s"
CURRENCY_SETTING = "display.currency"
IMPORT_FOLDERS_SETTING = "import.folders"
DEFAULT_LOGS_INTERVAL_S = 60
DEFAULT_PROVIDERS_INTERVAL_S = 15 * 60
MIN_INTERVAL_S = 15
DISPLAY_CURRENCIES = ("USD", "EUR", "GBP")  # only USD is converted today: the others are a note
_LABEL_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


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
        return f"{self.kind}:{self.label}"


def list_sources(store: Store) -> list[SourceConfig]:
    return [SourceConfig(**raw) for raw in store.get_setting(SOURCES_SETTING, [])]


def save_source_key(source: SourceConfig, key: str) -> None:
    """Keep an API key in the system keyring (the one place keys are written)."""
    import keyring
    from keyring.errors import KeyringError

    try:
        keyring.set_password(KEYRING_SERVICE, source.key_name, key)
    except KeyringError as exc:
        raise SettingsError(
            f"The key could not be saved in the system keyring ({type(exc).__name__}). "
            "Install and unlock a keyring (e.g. gnome-keyring or KWallet), then try again."
        ) from None


def delete_source_key(source: SourceConfig) -> None:
    import keyring
    from keyring.errors import KeyringError, PasswordDeleteError

    try:
        keyring.delete_password(KEYRING_SERVICE, source.key_name)
    except PasswordDeleteError:
        pass  # already gone
    except KeyringError as exc:
        raise SettingsError(f"The key could not be removed from the keyring ({type(exc).__name__}).") from None


def has_source_key(source: SourceConfig) -> bool:
    import keyring
    from keyring.errors import KeyringError

    try:
        return keyring.get_password(KEYRING_SERVICE, source.key_name) is not None
    except KeyringError:
        return False


def add_source(store: Store, kind: str, label: str, key: str, base_url: str | None = None) -> SourceConfig:
    kind = kind.strip().lower()
    label = label.strip()
    if kind not in SOURCE_KINDS:
        raise SettingsError(f"Unknown source kind {kind!r}: choose one of {', '.join(SOURCE_KINDS)}.")
    if not _LABEL_RE.match(label):
        raise SettingsError("A label is 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit.")
    if not key.strip():
        raise SettingsError("Paste the API key for this account.")
    existing = list_sources(store)
    if any(s.kind == kind and s.label == label for s in existing):
        raise SettingsError(f"There is already a {kind} source labelled {label!r}: remove it first.")
    source = SourceConfig(kind, label, base_url.strip() or None if base_url else None)
    save_source_key(source, key.strip())
    store.set_setting(SOURCES_SETTING, [asdict(s) for s in [*existing, source]])
    return source


def remove_source(store: Store, kind: str, label: str) -> None:
    remaining = [s for s in list_sources(store) if not (s.kind == kind and s.label == label)]
    delete_source_key(SourceConfig(kind, label))
    store.set_setting(SOURCES_SETTING, [asdict(s) for s in remaining])


def test_source(store: Store, source: SourceConfig) -> tuple[bool, str]:
    """Check that a source answers with its key: (ok, sentence for the user)."""
    if not has_source_key(source):
        return False, f"No key found in the keyring for {source.kind} '{source.label}': add the source again."
    try:
        from tracker.services.poll import test_source as poll_test  # provider clients (another module)
    except ImportError:
        return False, ("The key is saved, but this build has no provider client to test it with yet; "
                       "it will be checked on the next sync.")
    return poll_test(store, source)


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


def display_currency(store: Store) -> str:
    return store.get_setting(CURRENCY_SETTING, "USD")


def set_display_currency(store: Store, code: str) -> None:
    if code not in DISPLAY_CURRENCIES:
        raise SettingsError(f"Choose one of {', '.join(DISPLAY_CURRENCIES)}.")
    store.set_setting(CURRENCY_SETTING, code)


def import_folders(store: Store) -> list[str]:
    return list(store.get_setting(IMPORT_FOLDERS_SETTING, []))


def set_import_folders(store: Store, folders: list[str]) -> None:
    cleaned = []
    for folder in folders:
        folder = folder.strip()
        if folder and folder not in cleaned:
            cleaned.append(folder)
    store.set_setting(IMPORT_FOLDERS_SETTING, cleaned)
