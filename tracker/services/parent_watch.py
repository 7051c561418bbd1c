"""Worker processes that end when the process they work for dies.

A log import's parse workers wait for work on a queue that only their parent
feeds. When the parent is killed outright (SIGKILL: the out-of-memory killer,
a crash, a logout), nothing tells them: they waited forever in a futex, ~50 MB
each, holding the database file open. So each worker, first thing:

* on Linux asks the kernel for SIGKILL when its parent dies
  (prctl(PR_SET_PDEATHSIG), through ctypes): immediate, nothing to clean up,
  since workers only read logs and write nothing;
* everywhere starts a daemon thread that watches the parent: on POSIX a worker
  whose parent died is re-parented (getppid() changes), and where the importing
  process is not the direct parent (a pyinstaller bootloader in between) the
  pid is probed; on Windows a handle to the parent process is waited on.
"""

from __future__ import annotations

import os
import sys
import threading
import time

PARENT_CHECK_S = 1.0  # how often the watch looks (POSIX); the Linux death signal is immediate
ORPHANED_EXIT_STATUS = 70  # os._exit status of a worker that outlived its parent
_PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def exit_with_parent(parent_pid: int) -> None:
    """End this process (os._exit) as soon as the process `parent_pid` has ended.

    Call it first thing in a worker, with the pid of the process it works for.
    """
    if sys.platform.startswith("linux"):
        _ask_kernel_for_death_signal()
    if sys.platform == "win32":
        handle = _open_process(parent_pid)
        if handle is None:  # gone already
            os._exit(ORPHANED_EXIT_STATUS)
        target, args = _wait_for_process, (handle,)
    else:
        # the direct child of the importing process (fork, spawn) sees the death as a new parent pid
        direct = os.getppid() == parent_pid
        if not _posix_alive(parent_pid, direct):  # it died before the death signal was asked for
            os._exit(ORPHANED_EXIT_STATUS)
        target, args = _poll_parent, (parent_pid, direct)
    threading.Thread(target=target, args=args, name="tracker-parent-watch", daemon=True).start()


def _ask_kernel_for_death_signal() -> None:
    import ctypes
    import signal

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)
    except (OSError, AttributeError):  # no prctl (a libc without it): the watch thread still works
        pass


def _posix_alive(pid: int, direct: bool) -> bool:
    if direct:
        return os.getppid() == pid
    try:
        os.kill(pid, 0)  # no signal sent: does the process exist?
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, another user's (the pid was reused): ours is gone
        return False
    return True


def _poll_parent(pid: int, direct: bool) -> None:
    while _posix_alive(pid, direct):
        time.sleep(PARENT_CHECK_S)
    os._exit(ORPHANED_EXIT_STATUS)


def _open_process(pid: int):
    """A handle that becomes signalled when the process ends (it also keeps its pid from being reused)."""
    import _winapi  # multiprocessing's own Windows layer

    try:
        return _winapi.OpenProcess(_winapi.SYNCHRONIZE, False, pid)
    except OSError:
        return None


def _wait_for_process(handle) -> None:
    import _winapi

    _winapi.WaitForSingleObject(handle, _winapi.INFINITE)
    os._exit(ORPHANED_EXIT_STATUS)
