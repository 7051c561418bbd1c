"""Provider accounts as use cases: add (test the key, then keep it), remove, test.

The CLI (`tracker sources`) and the GUI's settings both call these; keys go to
the keyring, the account's kind/label/base URL to the database.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from tracker import credentials
from tracker.net import BadResponse, ProviderError, is_private_url
from tracker.sources.base import BadRecord
from tracker.sources.providers import SOURCE_KINDS, make_source
from tracker.storage import Store
from tracker.storage import providers as pstore

LABEL_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


class AccountError(ValueError):
    """A user-fixable problem with an account; the text says what to do."""


@dataclass(frozen=True)
class KeyCheck:
    label: str
    ok: bool
    message: str
    key_origin: str | None = None


def validate(kind: str, label: str, base_url: str | None) -> None:
    if kind not in SOURCE_KINDS:
        raise AccountError(f"unknown source kind {kind!r}; choose one of {', '.join(SOURCE_KINDS)}")
    if not LABEL_PATTERN.match(label or ""):
        raise AccountError("a label is 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit")
    if base_url and (not re.match(r"^https?://[^/\s]+", base_url) or not is_private_url(base_url)):
        # the key goes with every request: never in clear text over the network
        raise AccountError("the base URL must start with https:// (plain http:// only to this computer, "
                           "for a local test server)")


def check_key(kind: str, label: str, key: str, base_url: str | None = None) -> str:
    """Ask the provider whether the key works; a sentence on success, ProviderError otherwise."""
    source = make_source(kind, label, key, base_url)
    try:
        return source.test()
    except BadRecord as exc:
        raise BadResponse(f"{kind} sent a response the tracker cannot read ({exc}); check the base URL.") from None
    finally:
        source.close()


def account_exists(store: Store, label: str) -> bool:
    return pstore.get_account(store, label) is not None


def add_account(store: Store, kind: str, label: str, key: str, base_url: str | None = None,
                test: bool = True, keep_key: bool = True) -> str | None:
    """Test the key (unless told not to), keep it in the keyring, record the account.

    With keep_key=False nothing goes to the keyring: the poll will read the
    provider's environment variable (for machines without a keyring).
    Returns the provider's test message. Nothing is saved when a step fails.
    """
    validate(kind, label, base_url)
    existing = pstore.get_account(store, label)
    if existing and existing.kind != kind:
        raise AccountError(f"the label {label!r} is already used by a {existing.kind} account: "
                           f"remove it first (`tracker sources remove {label}`) or choose another label")
    if keep_key:
        credentials.require_backend(kind)  # fail before the user's key goes anywhere
    message = None
    if test:
        try:
            message = check_key(kind, label, key, base_url)
        except ProviderError as exc:
            raise AccountError(f"The key was not saved. {exc}") from None
    if keep_key:
        credentials.store_key(kind, label, key)
    pstore.add_account(store, pstore.Account(label, kind, base_url))
    return message


def remove_account(store: Store, label: str) -> tuple[pstore.Account, bool]:
    """Forget the account and delete its key; usage already fetched stays. (account, key_deleted)."""
    account = pstore.remove_account(store, label)
    if account is None:
        raise AccountError(f"No provider account labelled {label!r}: see `tracker sources list`.")
    return account, credentials.delete_key(account.kind, label)


def check_accounts(store: Store, labels: list[str] | None = None) -> list[KeyCheck]:
    accounts = pstore.list_accounts(store)
    if labels:
        unknown = set(labels) - {a.label for a in accounts}
        if unknown:
            raise AccountError(f"No provider account labelled {', '.join(sorted(unknown))}.")
        accounts = [a for a in accounts if a.label in labels]
    results = []
    for account in accounts:
        try:
            key = credentials.find_key(account.kind, account.label)
            message = check_key(account.kind, account.label, key.value, account.base_url)
            results.append(KeyCheck(account.label, True, message, key.origin))
        except (ProviderError, credentials.CredentialError) as exc:
            results.append(KeyCheck(account.label, False, str(exc)))
    return results
