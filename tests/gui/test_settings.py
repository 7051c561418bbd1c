"""Settings dialog and services: keys go to the (test, in-memory) keyring only; start at login for real."""

from __future__ import annotations

import plistlib

import pytest
from PySide6.QtWidgets import QLineEdit

from tracker.gui.settings_dialog import SettingsDialog
from tracker.services import autostart
from tracker.services import settings as svc

SECRET = "sk-admin-test-0123456789"
CLOSED_LOOPBACK = "http://127.0.0.1:9"  # the discard port: nothing answers, the test stays on this machine


def test_dialog_stores_key_in_keyring_and_never_shows_it(qtbot, ctx, memory_keyring, tmp_path):
    dialog = SettingsDialog(ctx.store)
    qtbot.addWidget(dialog)
    assert dialog.key.echoMode() == QLineEdit.EchoMode.Password
    dialog.kind.setCurrentIndex(dialog.kind.findData("openai"))
    dialog.label.setText("work")
    dialog.key.setText(SECRET)
    dialog.base_url.setText(CLOSED_LOOPBACK)
    with qtbot.waitSignal(dialog.settingsChanged):
        dialog.add_button.click()
    assert memory_keyring.items == {("tracker", "openai:work"): SECRET}
    assert dialog.key.text() == ""  # not kept in the widget
    assert [s.key_name for s in svc.list_sources(ctx.store)] == ["openai:work"]
    assert dialog.source_list.count() == 1 and SECRET not in dialog.source_list.item(0).text()
    # the key is nowhere in the database file
    ctx.store.conn.execute("PRAGMA wal_checkpoint(FULL)")
    assert SECRET.encode() not in ctx.store.path.read_bytes()

    # testing asks the provider (here nobody listens) and says so, without the key
    dialog.source_list.setCurrentRow(0)
    dialog.test_button.click()
    assert "127.0.0.1" in dialog.message.text() and SECRET not in dialog.message.text()

    # a duplicate is refused with a sentence
    dialog.label.setText("work")
    dialog.key.setText("other")
    dialog.add_button.click()
    assert "already" in dialog.message.text()
    assert memory_keyring.items[("tracker", "openai:work")] == SECRET

    dialog.source_list.setCurrentRow(0)
    dialog.remove_button.click()
    assert memory_keyring.items == {}
    assert svc.list_sources(ctx.store) == []


def test_dialog_saves_intervals_timezone_folders_and_autostart(qtbot, ctx, tmp_path):
    dialog = SettingsDialog(ctx.store)
    qtbot.addWidget(dialog)
    dialog.logs_interval.setValue(120)
    dialog.providers_interval.setValue(30)
    dialog.timezone.setCurrentIndex(dialog.timezone.findData("Europe/Paris"))
    dialog.folders.addItem("/data/claude-logs")
    dialog.autostart.setChecked(True)
    with qtbot.waitSignal(dialog.settingsChanged):
        dialog.save()
    assert svc.sync_intervals(ctx.store) == (120, 1800)
    assert svc.timezone_name(ctx.store) == "Europe/Paris"
    assert str(ctx.zone()) == "Europe/Paris"
    assert not hasattr(dialog, "currency")  # no control that changes nothing
    assert svc.import_folders(ctx.store) == ["/data/claude-logs"]
    desktop = tmp_path / "xdg" / "autostart" / "tracker.desktop"
    assert desktop.exists() and "Exec=" in desktop.read_text()
    dialog.autostart.setChecked(False)
    dialog.save()
    assert not desktop.exists()


@pytest.mark.parametrize("kind,label,key,error", [
    ("nope", "work", "k", "Unknown source kind"),
    ("openai", "bad label!", "k", "label"),
    ("openai", "work", "  ", "Paste the API key"),
])
def test_add_source_validation(ctx, memory_keyring, kind, label, key, error):
    with pytest.raises(svc.SettingsError, match=error):
        svc.add_source(ctx.store, kind, label, key)
    assert memory_keyring.items == {}


def test_unusable_keyring_gives_a_sentence(ctx, monkeypatch):
    import keyring
    from keyring.backends import fail

    keyring.set_keyring(fail.Keyring())
    with pytest.raises(svc.SettingsError, match="keyring"):
        svc.add_source(ctx.store, "deepseek", "home", "sk-x")
    assert svc.list_sources(ctx.store) == []


def test_settings_validation(ctx):
    with pytest.raises(svc.SettingsError):
        svc.set_sync_intervals(ctx.store, 1, 900)
    with pytest.raises(ValueError, match="Unknown timezone"):
        svc.set_timezone(ctx.store, "Mars/Olympus")
    svc.set_timezone(ctx.store, "")
    assert svc.timezone_name(ctx.store) is None


def test_autostart_linux_and_macos(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    command = ["/usr/bin/python3", "-m", "tracker"]
    path = autostart.set_enabled(True, platform="linux", command=command)
    assert path == tmp_path / "xdg" / "autostart" / "tracker.desktop"
    assert "Exec=/usr/bin/python3 -m tracker" in path.read_text()
    assert autostart.is_enabled("linux")
    autostart.set_enabled(False, platform="linux")
    assert not autostart.is_enabled("linux")

    plist = autostart.set_enabled(True, platform="macos", command=command)
    assert plist == tmp_path / "home" / "Library" / "LaunchAgents" / "org.tracker.app.plist"
    data = plistlib.loads(plist.read_bytes())
    assert data["ProgramArguments"] == command and data["RunAtLoad"] is True
    autostart.set_enabled(False, platform="macos")
    assert not autostart.is_enabled("macos")


def test_demo_note_and_messages_that_stay_with_their_tab(qtbot, ctx):
    """In the demo the empty account list sat beside OpenAI figures with no word; an error from the
    Sources tab stayed under every other tab."""
    dialog = SettingsDialog(ctx.store, demo=True)
    qtbot.addWidget(dialog)
    assert dialog.demo_note.isVisibleTo(dialog) and "generated" in dialog.demo_note.text()
    dialog.remove_source()  # nothing selected: says so
    assert "Select a source" in dialog.message.text()
    dialog.tabs.setCurrentIndex(1)
    assert dialog.message.text() == ""
    plain = SettingsDialog(ctx.store)
    qtbot.addWidget(plain)
    assert not plain.demo_note.isVisibleTo(plain)


def test_dialog_names_a_plaintext_keyring_and_warns(qtbot, ctx, monkeypatch):
    """With keyrings.alt's PlaintextKeyring the dialog said "system keyring" (issue #24, item 6)."""
    import keyring

    alt_file = pytest.importorskip("keyrings.alt.file")
    monkeypatch.delenv("XDG_DATA_HOME", raising=False)
    previous = keyring.get_keyring()
    backend = alt_file.PlaintextKeyring()
    keyring.set_keyring(backend)
    try:
        dialog = SettingsDialog(ctx.store)
        qtbot.addWidget(dialog)
        assert "system keyring" not in dialog.key_note.text() and backend.file_path in dialog.key_note.text()
        assert not dialog.key_warning.isHidden() and "NOT encrypted" in dialog.key_warning.text()
    finally:
        keyring.set_keyring(previous)


def test_dialog_shows_no_warning_for_an_encrypted_keyring(qtbot, ctx, memory_keyring, monkeypatch):
    from tracker import credentials

    monkeypatch.setattr(credentials, "key_store", lambda: credentials.KeyStore(
        "keyring.backends.SecretService.Keyring", credentials.SYSTEM_STORES["keyring.backends.SecretService"], True))
    dialog = SettingsDialog(ctx.store)
    qtbot.addWidget(dialog)
    assert "Secret Service" in dialog.key_note.text() and dialog.key_warning.isHidden()
