"""Entry script for the pyinstaller bundle: the same `tracker` command."""

from tracker.cli import main

if __name__ == "__main__":
    main()
