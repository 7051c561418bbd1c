"""API keys: kept in the system keyring, never in the database, logs or messages.

Lookup order: an explicit key (given on the command line or by a test), then
the keyring entry of the account, then the provider's environment variable.
Headless Linux often has no usable keyring backend (`keyring.backends.fail`, or
a chainer with nothing in it): that is reported with a way to fix it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import keyring
import keyring.backends.chainer
import keyring.backends.fail
import keyring.errors

KEYRING_SERVICE = "tracker"

# Environment variables per source kind, most capable first.
ENV_VARS: dict[str, tuple[str, ...]] = {
    "openai": ("OPENAI_ADMIN_KEY",),
    "anthropic": ("ANTHROPIC_ADMIN_KEY",),
    "openrouter": ("OPENROUTER_MANAGEMENT_KEY", "OPENROUTER_API_KEY"),
    "deepseek": ("DEEPSEEK_API_KEY",),
}

NO_BACKEND_HELP = (
    "No usable keyring backend was found, so the key cannot be stored safely. Fix: on Linux install and "
    "start a Secret Service (e.g. gnome-keyring or KWallet) in your session; or install a keyring backend "
    "package (`pip install keyrings.alt` stores keys in a file, less safe); or skip storing and set the "
    "provider's environment variable ({env}) when running the tracker."
)


class CredentialError(Exception):
    """A key cannot be found or stored; the text says how to fix it."""


class KeyringUnavailable(CredentialError):
    pass


class MissingKey(CredentialError):
    pass


@dataclass(frozen=True)
class FoundKey:
    value: str
    origin: str  # "explicit", "keyring" or "env:NAME"

    def __repr__(self) -> str:  # never print the key by accident
        return f"FoundKey(origin={self.origin!r})"


def username(kind: str, label: str) -> str:
    return f"{kind}:{label}"


def env_names(kind: str) -> tuple[str, ...]:
    return ENV_VARS.get(kind, ())


def backend_problem() -> str | None:
    """Why the active keyring backend cannot hold keys, or None when it can."""
    try:
        backend = keyring.get_keyring()
    except Exception as exc:  # a broken keyring config file, for one
        return f"the keyring could not be loaded ({type(exc).__name__})"
    if isinstance(backend, keyring.backends.fail.Keyring):
        return "the only keyring backend available is the 'fail' backend"
    if isinstance(backend, keyring.backends.chainer.ChainerBackend) and not backend.backends:
        return "the keyring chainer has no backends to chain"
    try:
        if float(getattr(backend, "priority", 1)) <= 0:
            return f"the keyring backend {type(backend).__name__} is not usable here"
    except Exception:
        return f"the keyring backend {type(backend).__name__} is not usable here"
    return None


# keyring's own backends that keep keys in the operating system's encrypted store, by module.
SYSTEM_STORES = {
    "keyring.backends.SecretService": "the system keyring (Secret Service: GNOME Keyring, KWallet or KeePassXC)",
    "keyring.backends.libsecret": "the system keyring (Secret Service, through libsecret)",
    "keyring.backends.kwallet": "the system keyring (KWallet)",
    "keyring.backends.macOS": "the macOS Keychain",
    "keyring.backends.Windows": "the Windows Credential Manager",
}
WEAK_HELP = ("Anyone who can read that file can read the keys. Install and unlock a system keyring (e.g. "
             "gnome-keyring) and remove keyrings.alt, or set the provider's environment variable instead of "
             "storing keys (`tracker sources add --env-only`).")


@dataclass(frozen=True)
class KeyStore:
    """Where keys go, said truthfully: what the active keyring backend is and whether it encrypts."""

    name: str  # the backend's class, as keyring names it (module.Class)
    where: str  # for a sentence: "the macOS Keychain", "a plain file, /home/u/.local/share/..."
    encrypted: bool | None  # None: a third-party backend that does not say
    problem: str | None = None  # it cannot hold keys at all (backend_problem)

    @property
    def warning(self) -> str | None:
        """A sentence when keys would be stored unencrypted (None otherwise)."""
        if self.problem is None and self.encrypted is False:
            return f"Keys are kept in {self.where}, NOT encrypted. {WEAK_HELP}"
        return None


def key_store() -> KeyStore:
    """The active keyring backend, named for the user; for a chainer, the backend keys land in (its first)."""
    problem = backend_problem()
    try:
        backend = keyring.get_keyring()
    except Exception as exc:  # noqa: BLE001 - reported as the problem already
        return KeyStore(f"unavailable ({type(exc).__name__})", "no keyring", None, problem)
    chained = ""
    if isinstance(backend, keyring.backends.chainer.ChainerBackend) and backend.backends:
        others = len(backend.backends) - 1
        # set_password tries them in priority order: a key lands in the first
        chained = f" (first of {others + 1} chained backends)" if others else ""
        backend = backend.backends[0]
    cls = type(backend)
    name = f"{cls.__module__}.{cls.__name__}"
    if problem:
        return KeyStore(name, f"no usable keyring ({problem})", None, problem)
    if cls.__module__ in SYSTEM_STORES:
        return KeyStore(name, SYSTEM_STORES[cls.__module__] + chained, True)
    if cls.__module__.startswith("keyrings.alt"):
        file_path = getattr(backend, "file_path", None)
        encrypted = "Encrypted" in cls.__name__  # keyrings.alt's EncryptedKeyring: a password of its own
        kind = "an encrypted file" if encrypted else "a plain file"
        place = f"{kind}, {file_path}" if file_path else f"{kind} or store of keyrings.alt"
        return KeyStore(name, f"{place} (keyrings.alt {cls.__name__}){chained}", encrypted)
    if "plaintext" in cls.__name__.lower():
        return KeyStore(name, f"a plain-text store ({name}){chained}", False)
    return KeyStore(name, f"the keyring backend {name}{chained}, whose encryption is not known", None)


def backend_description() -> str:
    """The active keyring backend's name, where keys go and whether it can hold keys (for `--self-test`)."""
    store = key_store()
    if store.problem:
        return f"{store.name} (not usable: {store.problem})"
    return f"{store.name} (usable: {store.where}{'; NOT encrypted' if store.encrypted is False else ''})"


def _unavailable(kind: str, reason: str) -> KeyringUnavailable:
    env = " or ".join(env_names(kind)) or "the provider's key variable"
    return KeyringUnavailable(f"Cannot use the keyring: {reason}. " + NO_BACKEND_HELP.format(env=env))


def require_backend(kind: str) -> None:
    problem = backend_problem()
    if problem:
        raise _unavailable(kind, problem)


def store_key(kind: str, label: str, key: str) -> None:
    require_backend(kind)
    try:
        keyring.set_password(KEYRING_SERVICE, username(kind, label), key)
    except keyring.errors.KeyringError as exc:
        raise _unavailable(kind, f"saving failed ({type(exc).__name__})") from None


def delete_key(kind: str, label: str) -> bool:
    """Remove the stored key; False when there was none (or no keyring to hold one)."""
    if backend_problem():
        return False
    try:
        keyring.delete_password(KEYRING_SERVICE, username(kind, label))
        return True
    except keyring.errors.PasswordDeleteError:
        return False
    except keyring.errors.KeyringError:
        return False


def read_secret(name: str) -> str | None:
    """Any other secret the app keeps (team secret, webhook URL): None when absent or unreadable."""
    if backend_problem():
        return None
    try:
        return keyring.get_password(KEYRING_SERVICE, name) or None
    except keyring.errors.KeyringError:
        return None


def write_secret(name: str, value: str | None, what: str, env: str) -> None:
    """Store (or, with None, delete) a secret; KeyringUnavailable says how to fix a missing keyring."""
    problem = backend_problem()
    if problem:
        raise KeyringUnavailable(f"Cannot keep the {what}: {problem}. Install and unlock a keyring (e.g. "
                                 f"gnome-keyring), or set {env} in the environment instead.")
    try:
        if value:
            keyring.set_password(KEYRING_SERVICE, name, value)
        else:
            try:
                keyring.delete_password(KEYRING_SERVICE, name)
            except keyring.errors.PasswordDeleteError:
                pass
    except keyring.errors.KeyringError as exc:
        raise KeyringUnavailable(f"Cannot keep the {what} ({type(exc).__name__}). Install and unlock a keyring, "
                                 f"or set {env} in the environment instead.") from None


def find_key(kind: str, label: str, explicit: str | None = None) -> FoundKey:
    """explicit -> keyring -> environment; MissingKey says how to provide one."""
    if explicit:
        return FoundKey(explicit, "explicit")
    problem = backend_problem()
    if problem is None:
        try:
            stored = keyring.get_password(KEYRING_SERVICE, username(kind, label))
        except keyring.errors.KeyringError as exc:
            problem = f"reading failed ({type(exc).__name__})"
            stored = None
        if stored:
            return FoundKey(stored, "keyring")
    for name in env_names(kind):
        value = os.environ.get(name, "").strip()
        if value:
            return FoundKey(value, f"env:{name}")
    env = " or ".join(env_names(kind)) or "the provider's key variable"
    if problem:
        raise _unavailable(kind, problem)
    raise MissingKey(
        f"No key for {kind} account {label!r}: add one with `tracker sources add {kind} --label {label}` "
        f"(it is kept in the system keyring), or set {env}."
    )
