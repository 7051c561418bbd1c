"""Keyring backends that stand for ones a test machine lacks, named as keyring's discovery names them.

keyrings.alt is not a test dependency: installed in the same virtual environment as the app (the
README's two commands share one), its PlaintextKeyring would become the app's default backend and
keep the user's keys in a plain file. This stand-in has its module and class name, and keeps keys
base64-encoded in a file as it does.
"""

from __future__ import annotations

import base64
import configparser
from pathlib import Path

from keyring.backend import KeyringBackend
from keyring.errors import PasswordDeleteError


class PlaintextKeyring(KeyringBackend):
    """Like keyrings.alt.file.PlaintextKeyring: base64 in an INI file, nothing encrypted."""

    priority = 0.5

    def __init__(self, file_path: Path):
        super().__init__()
        self.file_path = str(file_path)

    def _config(self) -> configparser.RawConfigParser:
        config = configparser.RawConfigParser()
        config.read(self.file_path)
        return config

    def get_password(self, service, username):
        config = self._config()
        if not config.has_option(service, username):
            return None
        return base64.b64decode(config.get(service, username)).decode()

    def set_password(self, service, username, password):
        config = self._config()
        if not config.has_section(service):
            config.add_section(service)
        config.set(service, username, base64.b64encode(password.encode()).decode())
        Path(self.file_path).parent.mkdir(parents=True, exist_ok=True)
        with open(self.file_path, "w") as handle:
            config.write(handle)

    def delete_password(self, service, username):
        config = self._config()
        if not config.remove_option(service, username):
            raise PasswordDeleteError("not found")
        with open(self.file_path, "w") as handle:
            config.write(handle)


PlaintextKeyring.__module__ = "keyrings.alt.file"
