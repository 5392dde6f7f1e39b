"""Children that end with the tool that starts them, whatever ends it (issue 19).

A child started here runs in a process group of its own, so a signal to the group reaches
what it started there too (pytest's own short commands). SIGTERM, SIGINT and SIGHUP to
this process are passed on to every child's group, and the tool waits for the children:
each gets GRACE seconds to stop cleanly (pytest's fixtures stop their servers), then its
group is killed. On Linux each child also gets PR_SET_PDEATHSIG, so that if this process
dies without a word (SIGKILL), the kernel sends the child SIGTERM. Once a child has
ended, whatever is left in its group is killed.

    children = Children()
    children.pass_signals_on()        # in the main thread
    done = children.run([...], cwd=...)
    if children.stopped_by: ...
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable

GRACE = 30.0  # seconds a child has to stop once the signal is passed on
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)
PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def _prctl() -> Callable[..., int] | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None
    prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong]
    prctl.restype = ctypes.c_int
    return prctl


PRCTL = _prctl()


def dying_with_this_thread(
    signum: int = signal.SIGTERM, *, own_group: bool = False
) -> Callable[[], None]:
    """A preexec_fn: on Linux the child gets SIGNUM when the thread that starts it ends
    (the kernel counts the forking thread as the parent: start children from a thread
    that outlives them, as the main thread does). With OWN_GROUP, the child leads a
    process group of its own."""
    parent = os.getpid()

    def preexec() -> None:
        if own_group:
            os.setpgid(0, 0)
        if PRCTL is not None:
            PRCTL(PR_SET_PDEATHSIG, signum, 0, 0, 0)
            if os.getppid() != parent:  # the parent died before the call took hold
                os.kill(os.getpid(), signum)

    return preexec


def kill_group(pid: int, signum: int = signal.SIGKILL) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signum)


class Children:
    """The children of this process, each in its own group, stopped with it."""

    def __init__(self, grace: float = GRACE) -> None:
        self.grace = grace
        self.stopped_by: int | None = None
        self._running: set[subprocess.Popen] = set()
        self._lock = threading.Lock()

    def pass_signals_on(self) -> None:
        """From now on SIGTERM, SIGINT and SIGHUP stop the children (main thread only)."""
        for signum in STOP_SIGNALS:
            signal.signal(signum, self._stop)

    def _stop(self, signum: int, frame: object) -> None:
        if self.stopped_by is not None:
            return  # the children have it already; they are stopping
        self.stopped_by = signum
        name = signal.Signals(signum).name
        with contextlib.suppress(OSError):  # not print(): it may be printing right now
            os.write(2, f"{name}: passed on to the running children; waiting for them\n".encode())
        for child in list(self._running):
            kill_group(child.pid, signum)
        killer = threading.Timer(self.grace, self._kill_all)
        killer.daemon = True
        killer.start()

    def _kill_all(self) -> None:
        for child in list(self._running):
            kill_group(child.pid)

    def run(self, argv: list[str], **popen: object) -> subprocess.CompletedProcess:
        """Run ARGV to its end (or until stopped) with its output, stdout and stderr in
        one, read as text. Not started once the children are being stopped."""
        with self._lock:
            if self.stopped_by is not None:
                name = signal.Signals(self.stopped_by).name
                return subprocess.CompletedProcess(argv, -self.stopped_by, f"not run: {name}\n")
            child = subprocess.Popen(
                argv,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
                preexec_fn=dying_with_this_thread(own_group=True),
                **popen,
            )
            self._running.add(child)
        if self.stopped_by is not None:  # a signal came between the check and the start
            kill_group(child.pid, self.stopped_by)
        output: list[str] = []
        reader = threading.Thread(target=lambda: output.append(child.stdout.read()), daemon=True)
        reader.start()
        try:
            if hasattr(os, "waitid"):  # ended, but not reaped: its pid cannot be reused yet
                os.waitid(os.P_PID, child.pid, os.WEXITED | os.WNOWAIT)
            else:
                child.wait()
            kill_group(child.pid)  # what it left in its group
            child.wait()
        finally:
            self._running.discard(child)
        # Another process may hold the pipe open for a moment still (the tests' reaper).
        reader.join(timeout=self.grace)
        return subprocess.CompletedProcess(argv, child.returncode, "".join(output))
