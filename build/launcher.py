"""Entry script for the pyinstaller bundle: the same `tracker` command."""

if __name__ == "__main__":
    import multiprocessing

    # A parse worker of the log import is this executable started again with multiprocessing's
    # arguments (spawn: the tray app's sync, macOS, Windows): it works and exits here, before
    # the command line is read, instead of starting a second app.
    multiprocessing.freeze_support()

    from tracker.quick import run

    run()
