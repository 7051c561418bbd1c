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
