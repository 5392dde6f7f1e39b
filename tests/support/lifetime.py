"""The processes a test run starts end with it, whatever ends it (issue 19).

Three layers, each for a way the run can end:

- SIGTERM or SIGHUP (a CI timeout, `timeout make test`, a closed terminal) ends the run
  as Ctrl+C does: the test stops where it is, and the fixtures' finalizers and the
  ``with`` blocks stop the servers they started (``stop_cleanly_on_signals``).
- A child that ``spawn`` starts from the main thread gets PR_SET_PDEATHSIG on Linux:
  the kernel kills it when this process dies, SIGKILL included (``dying_with_this_thread``).
- What the children start in turn (runserver's autoreloader child, gunicorn's workers,
  honcho's processes, a daemon that pg_ctl starts) is not a child of ours: every process
  started under the run carries TAG in its environment, and a reaper that outlives the
  run kills those left once the run has ended, however it ended (``start_reaper``).
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import secrets
import select
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path

TAG = "TEST_SESSION_TAG"
PR_SET_PDEATHSIG = 1  # <linux/prctl.h>
STOP_SIGNALS = (signal.SIGTERM, signal.SIGHUP)

# Run as `python -c REAPER TAG=VALUE`, its stdin the read end of a pipe only the run holds:
# it leaves the run's process tree at once, waits for the end of the run (the pipe's end),
# then kills, round after round, each process whose environment holds TAG=VALUE.
REAPER = r"""
import os, select, signal, sys
if os.fork():
    os._exit(0)
os.setsid()
entry = sys.argv[1].encode() + b"\0"
sys.stdin.buffer.read()
killed = {}
for _ in range(20):
    found = {}
    for name in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{name}/environ", "rb") as environ:
                tagged = entry in b"\0" + environ.read()
            if tagged:
                with open(f"/proc/{name}/cmdline", "rb") as cmdline:
                    found[int(name)] = cmdline.read().replace(b"\0", b" ").decode(errors="replace")
        except (OSError, ValueError):
            pass
    if not found:
        break
    for pid, argv in found.items():
        try:
            pidfd = os.pidfd_open(pid)  # the process itself, even if its pid were reused
        except OSError:
            pidfd = None
        try:
            if pidfd is None:
                os.kill(pid, signal.SIGKILL)
            else:
                signal.pidfd_send_signal(pidfd, signal.SIGKILL)
            killed[pid] = argv
        except OSError:
            pass
        if pidfd is not None:
            select.select([pidfd], [], [], 5)  # until it has exited
            os.close(pidfd)
if killed:
    lines = "".join(f"\n  {pid} {argv}" for pid, argv in killed.items())
    try:
        print(f"reaper: killed {len(killed)} processes the test run left behind:{lines}",
              file=sys.stderr, flush=True)
    except OSError:
        pass
"""
_reaper_pipe: int | None = None  # the write end: open until this process ends


def _tools_children():
    """tools/children.py, whose prctl this module shares: the step suites do not have
    tools/ on their path, so it is loaded from its file."""
    path = Path(__file__).resolve().parents[2] / "tools" / "children.py"
    spec = importlib.util.spec_from_file_location("tools_children", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


PRCTL = _tools_children().PRCTL


def dying_with_this_thread(signum: int = signal.SIGKILL) -> Callable[[], None] | None:
    """A preexec_fn that has the kernel send the child SIGNUM when this process dies;
    None where there is no prctl, or off the main thread: the kernel counts the thread
    that forks as the parent, and a child must not die with a short-lived thread."""
    if PRCTL is None or threading.current_thread() is not threading.main_thread():
        return None
    parent = os.getpid()

    def preexec() -> None:
        PRCTL(PR_SET_PDEATHSIG, signum, 0, 0, 0)
        if os.getppid() != parent:  # the parent died before the call took hold
            os.kill(os.getpid(), signum)

    return preexec


class Terminated(KeyboardInterrupt):
    """A stop signal, turned into what pytest does on Ctrl+C: it stops the test where
    it is, tears down every fixture, reports, and exits with status 2."""


def stop_cleanly_on_signals() -> None:
    """SIGTERM and SIGHUP end the run as Ctrl+C does, and Ctrl+C is heard even where a
    shell started the run in the background (main thread only). A second SIGTERM while
    the finalizers run is let pass: they are stopping what was started."""
    stopping = []

    def stop(signum: int, frame: object) -> None:
        if stopping:
            return
        stopping.append(signum)
        name = signal.Signals(signum).name
        raise Terminated(f"{name}: the run stops; the fixtures stop what they started")

    for signum in STOP_SIGNALS:
        signal.signal(signum, stop)
    if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:  # started in the background
        signal.signal(signal.SIGINT, signal.default_int_handler)


def start_reaper() -> None:
    """Tag this process's environment, inherited by everything it starts, and start the
    reaper that kills what carries the tag once this process has ended (Linux: /proc)."""
    global _reaper_pipe
    if _reaper_pipe is not None or not Path("/proc/self/environ").is_file():
        return
    value = f"{os.getpid()}-{secrets.token_hex(8)}"
    read_end, write_end = os.pipe()
    try:
        subprocess.run(  # returns at once: the reaper goes on in a child of its own
            [sys.executable, "-c", REAPER, f"{TAG}={value}"],
            stdin=read_end,
            stdout=subprocess.DEVNULL,
            check=True,
            timeout=30,
        )
    finally:
        os.close(read_end)
    _reaper_pipe = write_end
    os.environ[TAG] = value


def tie_children_to_this_run() -> None:
    """All three layers: call from pytest_configure."""
    stop_cleanly_on_signals()
    start_reaper()


def descendants(pid: int) -> dict[int, int]:
    """PID's descendants (Linux: from /proc), each with its process group."""
    children: dict[int, list[tuple[int, int]]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            fields = stat.read_text().rpartition(")")[2].split()
            children.setdefault(int(fields[1]), []).append((int(stat.parent.name), int(fields[2])))
    found, todo = {}, [pid]
    while todo:
        for child, group in children.get(todo.pop(), []):
            found[child] = group
            todo.append(child)
    return found


def kill_groups(groups: Iterable[int]) -> None:
    for group in set(groups):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(group, signal.SIGKILL)


def wait_for_exits(pids: Iterable[int], timeout: float) -> set[int]:
    """Wait until each of PIDS (not children of ours) has exited; those still running
    after TIMEOUT seconds. Each wait is on the process's pidfd: woken by its exit."""
    deadline = time.monotonic() + timeout
    left = set()
    for pid in pids:
        try:
            pidfd = os.pidfd_open(pid)
        except ProcessLookupError:
            continue
        try:
            ready, _, _ = select.select([pidfd], [], [], max(0.0, deadline - time.monotonic()))
            if not ready:
                left.add(pid)
        finally:
            os.close(pidfd)
    return left
