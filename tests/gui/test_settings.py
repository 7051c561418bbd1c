"""The Settings page and services: keys go to the (test, in-memory) keyring only; start at login for real."""

from __future__ import annotations

import plistlib
from pathlib import Path

import pytest
from PySide6.QtWidgets import QLineEdit

from tracker.gui.model import DashboardModel
from tracker.gui.pages.settings_page import SettingsPage
from tracker.services import autostart
from tracker.services import settings as svc

SECRET = "sk-admin-test-0123456789"
CLOSED_LOOPBACK = "http://127.0.0.1:9"  # the discard port: nothing answers, the test stays on this machine


def settings_page(qtbot, ctx) -> SettingsPage:
    model = DashboardModel(ctx)
    page = SettingsPage(model)
    qtbot.addWidget(page)
    page.settingsChanged = model.settingsChanged
    return page


def test_dialog_stores_key_in_keyring_and_never_shows_it(qtbot, ctx, memory_keyring, tmp_path):
    dialog = settings_page(qtbot, ctx)
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
    assert dialog.accounts.rowCount() == 1 and SECRET not in dialog.accounts.item(0, 0).text()
    assert dialog.accounts.item(0, 0).text() == "OpenAI 'work'" and dialog.accounts.item(0, 1).text() == "Not polled yet"
    # the key is nowhere in the database file
    ctx.store.conn.execute("PRAGMA wal_checkpoint(FULL)")
    assert SECRET.encode() not in ctx.store.path.read_bytes()

    # testing asks the provider (here nobody listens) and says so, without the key
    assert not dialog.test_button.isEnabled() and not dialog.remove_button.isEnabled()  # none chosen yet
    dialog.accounts.selectRow(0)
    assert dialog.test_button.isEnabled() and dialog.remove_button.isEnabled()
    dialog.test_button.click()
    assert "127.0.0.1" in dialog.account_message.text() and SECRET not in dialog.account_message.text()

    # a duplicate is refused with a sentence
    dialog.label.setText("work")
    dialog.key.setText("other")
    dialog.add_button.click()
    assert "already" in dialog.account_message.text()
    assert memory_keyring.items[("tracker", "openai:work")] == SECRET

    dialog.accounts.selectRow(0)
    dialog.remove_button.click()
    assert memory_keyring.items == {}
    assert svc.list_sources(ctx.store) == []


def test_dialog_saves_intervals_timezone_folders_and_autostart(qtbot, ctx, tmp_path):
    dialog = settings_page(qtbot, ctx)
    dialog.logs_interval.setValue(120)
    dialog.providers_interval.setValue(30)
    dialog.timezone.setCurrentIndex(dialog.timezone.findData("Europe/Paris"))
    dialog.folders.addItem("/data/claude-logs")
    dialog.autostart.setChecked(True)
    dialog.appearance.setCurrentIndex(dialog.appearance.findData("dark"))
    with qtbot.waitSignal(dialog.settingsChanged):
        dialog.save()
    assert svc.sync_intervals(ctx.store) == (120, 1800)
    assert svc.timezone_name(ctx.store) == "Europe/Paris"
    assert str(ctx.zone()) == "Europe/Paris"
    assert not hasattr(dialog, "currency")  # no control that changes nothing
    assert svc.import_folders(ctx.store) == ["/data/claude-logs"]
    assert svc.appearance(ctx.store) == "dark"
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


def test_demo_lists_its_generated_accounts_and_says_so(qtbot, demo_ctx, ctx):
    """In the demo the empty account list sat beside OpenAI figures with no word."""
    page = settings_page(qtbot, demo_ctx)
    assert page.demo_note.isVisibleTo(page) and "generated" in page.demo_note.text()
    assert [page.accounts.item(r, 0).text() for r in range(page.accounts.rowCount())] == ["OpenAI", "OpenRouter"]
    assert not page.test_button.isEnabled() and not page.remove_button.isEnabled()
    page.accounts.selectRow(0)  # a generated row: nothing to test or remove
    assert not page.test_button.isEnabled() and not page.remove_button.isEnabled()
    page.remove_source()  # (called all the same: says to select an account)
    assert "Select an account" in page.account_message.text()
    plain = settings_page(qtbot, ctx)
    assert not plain.demo_note.isVisibleTo(plain)


def test_the_page_says_where_each_agents_logs_were_found(qtbot, ctx, tmp_path, monkeypatch):
    projects = tmp_path / "claude" / "projects"
    (projects / "p").mkdir(parents=True)
    monkeypatch.setenv("CLAUDE_CONFIG_DIR", str(tmp_path / "claude"))
    page = settings_page(qtbot, ctx)
    rows = {page.log_table.item(r, 0).text(): page.log_table.item(r, 1).text()
            for r in range(page.log_table.rowCount())}
    assert rows["Claude Code"] == str(projects)
    assert rows["Codex CLI"].startswith("not found (looked in ~/.codex/sessions; CODEX_HOME moves it)")
    # a folder under the home folder reads as the agents' own docs write it: ~/...
    (Path.home() / ".codex" / "sessions").mkdir(parents=True)
    page.reload_logs()
    rows = {page.log_table.item(r, 0).text(): page.log_table.item(r, 1).text()
            for r in range(page.log_table.rowCount())}
    assert rows["Codex CLI"] == "~/.codex" and str(Path.home()) not in rows["Codex CLI"]


def test_dialog_names_a_plaintext_keyring_and_warns(qtbot, ctx, tmp_path):
    """With keyrings.alt's PlaintextKeyring the dialog said "system keyring" (issue #24, item 6)."""
    import keyring

    from tests.keyring_fakes import PlaintextKeyring

    previous = keyring.get_keyring()
    backend = PlaintextKeyring(tmp_path / "keyring_pass.cfg")
    keyring.set_keyring(backend)
    try:
        dialog = settings_page(qtbot, ctx)
        assert "system keyring" not in dialog.key_note.text() and backend.file_path in dialog.key_note.text()
        assert dialog.key_warning.isVisibleTo(dialog) and "NOT encrypted" in dialog.key_warning.text()
    finally:
        keyring.set_keyring(previous)


def test_dialog_shows_no_warning_for_an_encrypted_keyring(qtbot, ctx, memory_keyring, monkeypatch):
    from tracker import credentials

    monkeypatch.setattr(credentials, "key_store", lambda: credentials.KeyStore(
        "keyring.backends.SecretService.Keyring", credentials.SYSTEM_STORES["keyring.backends.SecretService"], True))
    dialog = settings_page(qtbot, ctx)
    assert "Secret Service" in dialog.key_note.text() and dialog.key_warning.isHidden()


def test_the_extra_folders_say_how_to_add_one_and_remove_only_a_chosen_one(qtbot, ctx, monkeypatch, tmp_path):
    """An empty list said nothing; "Remove folder" with none chosen did nothing; a folder added twice would be
    listed (and kept) twice."""
    from PySide6.QtWidgets import QFileDialog

    dialog = settings_page(qtbot, ctx)
    assert dialog.folders.isHidden() and not dialog.folders_empty.isHidden()
    assert "Add folder" in dialog.folders_empty.text() and "Save changes" in dialog.folders_empty.text()
    assert not dialog.remove_folder_button.isEnabled()

    monkeypatch.setattr(QFileDialog, "getExistingDirectory", staticmethod(lambda *args: str(tmp_path)))
    dialog._add_folder()
    dialog._add_folder()
    assert dialog.folder_list() == [str(tmp_path)]
    assert not dialog.folders.isHidden() and dialog.folders_empty.isHidden()
    assert dialog.remove_folder_button.isEnabled()  # the folder just added is the chosen one

    dialog.remove_folder_button.click()
    assert dialog.folder_list() == [] and not dialog.remove_folder_button.isEnabled()
    assert dialog.folders.isHidden() and not dialog.folders_empty.isHidden()
