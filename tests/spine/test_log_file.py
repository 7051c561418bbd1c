"""The tracker's own log file: private after rotation, and quiet when it cannot be written (issue #24, item 5)."""

from __future__ import annotations

import logging
import os
import stat

from tracker import log as tracker_log


def _logger(path, name):
    handler = tracker_log._RotatingLogFile(path)
    handler.setFormatter(logging.Formatter("%(message)s"))
    logger = logging.getLogger(f"tracker.test.{name}")
    logger.propagate = False
    logger.addHandler(handler)
    return logger, handler


def test_rotated_log_files_stay_private(tmp_path, monkeypatch):
    """The standard handler opened each new file after a rotation with the umask's mode: 0644."""
    monkeypatch.setattr(tracker_log, "LOG_MAX_BYTES", 2_000)
    old_umask = os.umask(0o022)
    try:
        logger, handler = _logger(tmp_path / "logs" / "tracker.log", "rotate")
        for i in range(200):
            logger.warning("line %d %s", i, "x" * 40)
        handler.close()
    finally:
        os.umask(old_umask)
    files = sorted((tmp_path / "logs").iterdir())
    assert [p.name for p in files] == ["tracker.log", "tracker.log.1", "tracker.log.2", "tracker.log.3"]
    assert {p.name: oct(stat.S_IMODE(p.stat().st_mode)) for p in files} == {p.name: "0o600" for p in files}


def test_a_log_that_cannot_be_written_costs_one_line(tmp_path, capsys):
    (tmp_path / "logs").write_text("a file where the log folder should be")
    logger, handler = _logger(tmp_path / "logs" / "tracker.log", "broken")
    for i in range(5):
        logger.warning("record %d", i)  # no exception reaches the code that logs
    handler.close()
    err = capsys.readouterr().err
    assert "Traceback" not in err and "Logging error" not in err
    assert len(err.splitlines()) == 1 and "cannot write the log file" in err, err



def _in_a_process(code: str, log_file) -> str:
    """Run `code` in a fresh interpreter (where logging is not loaded yet); the log file's text after.

    `install()` is what the app does when logging loads (commands.state): tracker.log.setup_logging(log_file)."""
    import subprocess
    import sys
    import textwrap

    prelude = ("import sys\nfrom pathlib import Path\nfrom tracker.core.lazy_logging import get_logger, pending, "
               f"when_logging_loads\nlog_file = Path({str(log_file)!r})\n"
               "def install():\n    from tracker.log import setup_logging\n    setup_logging(log_file)\n")
    done = subprocess.run([sys.executable, "-c", prelude + textwrap.dedent(code)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    return log_file.read_text() if log_file.exists() else ""


def test_the_log_file_is_installed_when_a_lazy_logger_first_logs(tmp_path):
    text = _in_a_process("""
        when_logging_loads(install)
        log = get_logger("tracker.somewhere")
        assert "logging" not in sys.modules and pending() == 1  # nothing loaded yet
        log.debug("not at INFO")
        log.warning("a key %s in a message", "sk-ant-admin01-CANARY0123456789")
        assert "logging" in sys.modules and pending() == 0
    """, tmp_path / "logs" / "tracker.log")
    assert text.endswith(" WARNING tracker.somewhere: a key sk-…[redacted] in a message\n"), text
    assert "not at INFO" not in text and "CANARY" not in text


def test_a_record_logged_straight_through_logging_reaches_the_log_file(tmp_path):
    """Any module (the app's own or a library's) that loads logging itself installs the pending log file."""
    text = _in_a_process("""
        when_logging_loads(install)
        assert "logging" not in sys.modules
        import logging
        logging.getLogger("tracker.direct").info("straight through logging")
        logging.getLogger("tracker.direct").debug("not at INFO")
        assert pending() == 0 and logging.__loader__ is logging.__spec__.loader  # left as any import leaves it
        assert type(logging.__loader__).__name__ == "SourceFileLoader"
        assert not [f for f in sys.meta_path if type(f).__module__ == "tracker.core.lazy_logging"]
    """, tmp_path / "logs" / "tracker.log")
    assert text.endswith(" INFO tracker.direct: straight through logging\n") and "not at INFO" not in text, text


def test_a_log_file_set_up_after_logging_loaded_is_installed_at_once(tmp_path):
    text = _in_a_process("""
        import logging
        when_logging_loads(install)
        assert pending() == 0 and any(getattr(h, "_tracker_file", None) == str(log_file)
                                      for h in logging.getLogger("tracker").handlers)
        when_logging_loads(install)  # twice: one handler, as setup_logging always did
        get_logger("tracker.once").error("once")
    """, tmp_path / "logs" / "tracker.log")
    assert text.count("ERROR tracker.once: once") == 1, text


def test_nothing_logged_leaves_no_log_file_and_no_logging_loaded(tmp_path):
    log_file = tmp_path / "logs" / "tracker.log"
    _in_a_process("""
        when_logging_loads(install)
        get_logger("tracker.quiet")
        assert "logging" not in sys.modules
    """, log_file)
    assert not log_file.exists()


def test_the_commands_install_the_log_file_when_logging_loads(tmp_path):
    """What `tracker import` does (commands.state.AppState): the log file, once logging loads."""
    text = _in_a_process(f"""
        import os
        os.environ["TRACKER_HOME"] = {str(tmp_path / "home")!r}
        from tracker.commands.state import AppState
        state = AppState()
        state.context()
        assert "logging" not in sys.modules and pending() == 1
        get_logger("tracker.command").warning("said")
        state.close()
    """, tmp_path / "home" / "logs" / "tracker.log")
    assert text.endswith(" WARNING tracker.command: said\n"), text
