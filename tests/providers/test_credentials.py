"""Key lookup order and the messages for missing keys and unusable keyring backends."""

from __future__ import annotations

import keyring
import keyring.backends.chainer
import keyring.backends.fail
import pytest

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
