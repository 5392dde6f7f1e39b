"""A test run that is stopped, however it is stopped, leaves no process behind (issue 19).

Each test starts a small run of pytest of its own, whose one test starts a long-lived
family through support.processes.spawn: a leader, a child in the leader's group (as
runserver's autoreloader child or gunicorn's workers are) and a child in a session of its
own (as honcho's processes are), neither of which watches for its parent. Once the run
has reported the family's pids, it is stopped, and no process of it may remain.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import sys
import textwrap
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from support.lifetime import wait_for_exits
from support.processes import Server, clean_env, spawn

TESTS = Path(__file__).resolve().parents[1]
TOOLS = TESTS.parent / "tools"
MARKER = "PROBE_RUN"  # in the environment of every process of the probe's run
STOP_TIMEOUT = 30.0  # seconds for every process of the run to be gone
REPORT_TIMEOUT = 30.0  # seconds for the run to start its family and say so

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="walks /proc and waits on pidfds (Linux)"
)

PROBE_CONFTEST = """
from support import lifetime


def pytest_configure(config):
    lifetime.tie_children_to_this_run()
"""
# A process that prints a line once it is up, then waits (bounded) to be stopped.
WAITER = "import threading; print('up', flush=True); threading.Event().wait(120)"
FAMILY = f"""
import subprocess, sys, threading
waiter = [sys.executable, "-c", {WAITER!r}]
same = subprocess.Popen(waiter, stdout=subprocess.PIPE, text=True)
own = subprocess.Popen(waiter, stdout=subprocess.PIPE, text=True, start_new_session=True)
same.stdout.readline(), own.stdout.readline()
print("family", same.pid, own.pid, flush=True)
threading.Event().wait(120)
"""
PROBE_TEST = f"""
import json, os, socket, sys, threading

from support.processes import spawn


def test_a_family_runs_until_the_run_is_stopped():
    with spawn([sys.executable, "-c", {FAMILY!r}]) as family:
        [line] = family.wait_for("family ")
        pids = [os.getpid(), family.process.pid, *map(int, line.split()[1:])]
        with socket.create_connection(("127.0.0.1", int(os.environ["PROBE_PORT"]))) as report:
            report.sendall(json.dumps(pids).encode())
        threading.Event().wait(60)  # stopped before that, by the test that started the run
    raise AssertionError("the run was not stopped")
"""
RUNNER = """
import sys
sys.path.insert(0, sys.argv[1])
import run_tests
probe = run_tests.Suite("probe", sys.argv[2:], run_tests.Path.cwd(), dict(run_tests.os.environ))
sys.exit(run_tests.run_all([probe], jobs=1))
"""


def write_probe(folder: Path) -> list[str]:
    """The probe run's files in FOLDER; the command that runs it there."""
    (folder / "pytest.ini").write_text(
        f"[pytest]\naddopts = -p no:cacheprovider -p no:django\npythonpath = {TESTS}\n"
    )
    (folder / "conftest.py").write_text(PROBE_CONFTEST)
    (folder / "test_probe.py").write_text(textwrap.dedent(PROBE_TEST))
    return [sys.executable, "-m", "pytest", "-c", "pytest.ini", "-q"]


def tagged(entry: bytes) -> dict[int, str]:
    """The processes whose environment holds ENTRY (b"NAME=value"), with their argv."""
    found = {}
    for environ in Path("/proc").glob("[0-9]*/environ"):
        try:
            if entry + b"\0" in b"\0" + environ.read_bytes():
                argv = (environ.parent / "cmdline").read_bytes().replace(b"\0", b" ")
                found[int(environ.parent.name)] = argv.decode(errors="replace")
        except OSError:
            continue
    return found


def left_behind(entry: bytes, recorded: list[int], timeout: float) -> dict[int, str]:
    """What remains of the run after TIMEOUT seconds at most: the RECORDED pids, and
    every process tagged with ENTRY, each waited for until it exits."""
    deadline = time.monotonic() + timeout
    left = {pid: "(recorded)" for pid in wait_for_exits(recorded, timeout)}
    while found := tagged(entry):
        if time.monotonic() >= deadline:
            return {**left, **found}
        wait_for_exits(list(found), max(0.0, deadline - time.monotonic()))
    return left


@dataclass
class Probe:
    """A run of the probe: its process (the runner's or pytest's) and its marker."""

    run: Server
    entry: bytes
    listener: socket.socket

    def family(self) -> list[int]:
        """Wait until the probe's test has started its family; pytest's pid, the
        leader's, the two children's."""
        try:
            connection, _ = self.listener.accept()
        except TimeoutError:
            raise AssertionError(
                f"the probe reported nothing in {REPORT_TIMEOUT} s:\n{self.run.text}"
            ) from None
        with connection:
            connection.settimeout(REPORT_TIMEOUT)
            report = b""
            while chunk := connection.recv(4096):
                report += chunk
        return json.loads(report)


@contextmanager
def probe_run(folder: Path, under_the_runner: bool) -> Iterator[Probe]:
    """The probe run in FOLDER, under tools/run_tests.py or as a plain pytest."""
    entry = f"{MARKER}={secrets.token_hex(8)}".encode()
    command = write_probe(folder)
    if under_the_runner:
        command = [sys.executable, "-c", RUNNER, str(TOOLS), *command]
    with socket.create_server(("127.0.0.1", 0)) as listener:
        listener.settimeout(REPORT_TIMEOUT)
        env = clean_env(PROBE_PORT=str(listener.getsockname()[1]))
        env[MARKER] = entry.decode().partition("=")[2]
        with spawn(command, cwd=folder, env=env) as run:
            yield Probe(run, entry, listener)


@pytest.mark.parametrize(
    "signum", [signal.SIGTERM, signal.SIGINT, signal.SIGHUP], ids=lambda signum: signum.name
)
def test_a_stop_signal_to_the_runner_stops_the_suite_cleanly_and_leaves_no_process(
    tmp_path, signum
):
    with probe_run(tmp_path, under_the_runner=True) as probe:
        recorded = [probe.run.process.pid, *probe.family()]

        os.kill(probe.run.process.pid, signum)
        status = probe.run.process.wait(timeout=STOP_TIMEOUT)
        left = left_behind(probe.entry, recorded, STOP_TIMEOUT)

    assert left == {}, f"left behind: {left}\n{probe.run.text}"
    assert status == 128 + signum, probe.run.text
    assert f"stopped by {signal.Signals(signum).name}" in probe.run.text
    # pytest stopped as on Ctrl+C (support/lifetime.py turns the others into it) ...
    stopped = "KeyboardInterrupt" if signum == signal.SIGINT else "support.lifetime.Terminated"
    assert stopped in probe.run.text
    assert "reaper: killed" not in probe.run.text  # ... and its fixtures stopped it all


def test_a_killed_runner_leaves_no_process(tmp_path):
    with probe_run(tmp_path, under_the_runner=True) as probe:
        recorded = [probe.run.process.pid, *probe.family()]

        os.kill(probe.run.process.pid, signal.SIGKILL)
        left = left_behind(probe.entry, recorded, STOP_TIMEOUT)

    assert left == {}, f"left behind: {left}"


def test_a_killed_pytest_leaves_no_process_not_even_a_grandchild(tmp_path):
    with probe_run(tmp_path, under_the_runner=False) as probe:
        recorded = probe.family()

        os.kill(recorded[0], signal.SIGKILL)
        left = left_behind(probe.entry, recorded, STOP_TIMEOUT)

    assert left == {}, f"left behind: {left}\n{probe.run.text}"
    assert "reaper: killed" in probe.run.text  # the children of the leader, at least
