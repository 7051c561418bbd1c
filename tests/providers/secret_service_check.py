"""Run inside `dbus-run-session`: a private gnome-keyring, then the tracker's credentials against it.

Used by test_secret_service.py; HOME and XDG folders point at a temporary
folder (argv[1]) so the user's real keyring is never touched.
"""

from __future__ import annotations

import os
import subprocess
import sys


def main(home: str) -> None:
    os.environ["HOME"] = home
    os.environ["XDG_DATA_HOME"] = os.path.join(home, "data")
    os.environ["XDG_RUNTIME_DIR"] = os.path.join(home, "run")
    os.makedirs(os.environ["XDG_RUNTIME_DIR"], mode=0o700, exist_ok=True)
    started = subprocess.run(["gnome-keyring-daemon", "--unlock", "--components=secrets"],
                             input=b"integration-test\n", capture_output=True, timeout=30)
    for line in started.stdout.decode().splitlines():
        if "=" in line:
            name, value = line.split("=", 1)
            os.environ[name] = value
    import keyring
    from keyring.backends import SecretService

    keyring.set_keyring(SecretService.Keyring())
    from tracker import credentials

    print("problem:", credentials.backend_problem())
    credentials.store_key("openai", "integration", "sk-admin-integration-key")
    found = credentials.find_key("openai", "integration")
    print("found:", found.origin, found.value == "sk-admin-integration-key")
    print("deleted:", credentials.delete_key("openai", "integration"))
    print("after:", credentials.delete_key("openai", "integration"))


if __name__ == "__main__":
    main(sys.argv[1])
