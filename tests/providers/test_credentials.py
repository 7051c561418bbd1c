"""Key lookup order and the messages for missing keys and unusable keyring backends."""

from __future__ import annotations

import keyring
import keyring.backends.chainer
import keyring.backends.fail
import pytest

from tests.conftest import MemoryKeyring
from tracker import credentials


def test_lookup_order_explicit_then_keyring_then_env(monkeypatch):
    monkeypatch.setenv("OPENAI_ADMIN_KEY", "from-env")
    assert credentials.find_key("openai", "main").origin == "env:OPENAI_ADMIN_KEY"
    credentials.store_key("openai", "main", "from-keyring")
    found = credentials.find_key("openai", "main")
    assert (found.value, found.origin) == ("from-keyring", "keyring")
    assert credentials.find_key("openai", "main", explicit="given").origin == "explicit"
    assert "from-keyring" not in repr(found)


def test_openrouter_prefers_the_management_key(monkeypatch):
    monkeypatch.setenv("OPENROUTER_API_KEY", "normal")
    monkeypatch.setenv("OPENROUTER_MANAGEMENT_KEY", "mgmt")
    assert credentials.find_key("openrouter", "x").value == "mgmt"


def test_missing_key_says_how_to_add_one():
    with pytest.raises(credentials.MissingKey) as info:
        credentials.find_key("anthropic", "org")
    text = str(info.value)
    assert "tracker sources add anthropic --label org" in text and "ANTHROPIC_ADMIN_KEY" in text


class EmptyChainer(keyring.backends.chainer.ChainerBackend):
    backends = []  # what a headless machine without a Secret Service ends up with


@pytest.mark.parametrize("backend", [keyring.backends.fail.Keyring(), EmptyChainer()])
def test_unusable_backend_explains_the_fix(backend, monkeypatch):
    keyring.set_keyring(backend)
    with pytest.raises(credentials.KeyringUnavailable) as info:
        credentials.store_key("deepseek", "main", "k")
    text = str(info.value)
    assert "gnome-keyring" in text and "keyrings.alt" in text and "DEEPSEEK_API_KEY" in text
    with pytest.raises(credentials.KeyringUnavailable):
        credentials.find_key("deepseek", "main")
    monkeypatch.setenv("DEEPSEEK_API_KEY", "env-key")  # the environment still works without a keyring
    assert credentials.find_key("deepseek", "main").value == "env-key"


def test_delete_key():
    credentials.store_key("openai", "a", "k")
    assert credentials.delete_key("openai", "a") is True
    assert credentials.delete_key("openai", "a") is False


# -- where keys go, named truthfully (issue #24, item 6) ------------------------------------------
def plaintext_keyring(tmp_path):
    """keyrings.alt's PlaintextKeyring, as named (tests/keyring_fakes.py): keys base64-encoded in a file."""
    from tests.keyring_fakes import PlaintextKeyring

    backend = PlaintextKeyring(tmp_path / "python_keyring" / "keyring_pass.cfg")
    keyring.set_keyring(backend)
    return backend


def test_a_plaintext_keyring_is_named_with_its_file_and_warned_about(tmp_path):
    backend = plaintext_keyring(tmp_path)
    credentials.store_key("openai", "work", "sk-admin-plain-0001")
    stored = open(backend.file_path).read()
    assert "sk-admin-plain-0001" not in stored  # base64: not readable at a glance, and not encrypted either
    store = credentials.key_store()
    assert store.name == "keyrings.alt.file.PlaintextKeyring" and store.encrypted is False
    assert backend.file_path in store.where and "plain file" in store.where
    assert "NOT encrypted" in store.warning and "gnome-keyring" in store.warning
    assert "NOT encrypted" in credentials.backend_description()


class SecretServiceLike(MemoryKeyring):
    """Stands for keyring's Secret Service backend (this machine has no D-Bus session to reach the real one)."""


SecretServiceLike.__module__ = "keyring.backends.SecretService"


def test_a_system_keyring_is_named_and_not_warned_about():
    keyring.set_keyring(SecretServiceLike())
    store = credentials.key_store()
    assert store.encrypted is True and store.warning is None and "Secret Service" in store.where


def test_a_chainer_of_weak_backends_only_is_warned_about(tmp_path):
    weak = plaintext_keyring(tmp_path)

    class WeakChain(keyring.backends.chainer.ChainerBackend):
        backends = [weak, keyring.backends.fail.Keyring()]

    keyring.set_keyring(WeakChain())
    store = credentials.key_store()
    assert store.encrypted is False and store.warning is not None and weak.file_path in store.where

    class StrongFirst(keyring.backends.chainer.ChainerBackend):
        backends = [SecretServiceLike(), weak]  # keys land in the first

    keyring.set_keyring(StrongFirst())
    assert credentials.key_store().warning is None


def test_an_unusable_backend_is_no_store_at_all():
    keyring.set_keyring(keyring.backends.fail.Keyring())
    store = credentials.key_store()
    assert store.problem and store.warning is None and "no usable keyring" in store.where


def test_sources_add_and_list_say_where_keys_are_and_warn(monkeypatch, tmp_path):
    from click.testing import CliRunner

    from tracker.cli import main

    backend = plaintext_keyring(tmp_path)
    monkeypatch.setenv("CANARY_KEY", "sk-admin-plain-0002")
    added = CliRunner().invoke(main, ["sources", "add", "openai", "--label", "w", "--key-env", "CANARY_KEY",
                                      "--base-url", "http://127.0.0.1:9/v1", "--no-test", "--no-poll"])
    assert added.exit_code == 0, added.output
    assert "its key is in the system keyring" not in added.output  # it is a file, and was called that
    assert f"its key is in a plain file, {backend.file_path}" in added.output
    assert "warning: Keys are kept in a plain file" in added.output and "NOT encrypted" in added.output
    listed = CliRunner().invoke(main, ["sources", "list"])
    assert f"Keys are kept in a plain file, {backend.file_path}" in listed.output
    assert "NOT encrypted" in listed.output
