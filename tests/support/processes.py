"""Run the step under test as real processes: manage.py commands, runserver, runapscheduler."""

from __future__ import annotations

import os
import queue
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from harness import DEFAULT_START

from support import lifetime

STEP_DIR = Path.cwd()
ACCELERATOR_DIR = Path(__file__).parent / "accelerator"
STARTED_LINE = "Scheduler started in process "


def hear_ctrl_c() -> None:
    """Give SIGINT its usual handling back in this process, so the processes it starts
    hear Ctrl+C: a shell that starts a job in the background makes it ignore SIGINT, and
    the processes it starts inherit that, while the tests press Ctrl+C on their servers."""
    if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)


def copy_step(destination: Path) -> Path:
    """Copy the step folder alone, as a reader would: it must run without the rest."""
    target = destination / STEP_DIR.name
    shutil.copytree(
        STEP_DIR,
        target,
        ignore=shutil.ignore_patterns("db.sqlite3*", "__pycache__", ".coverage*", "pytest.ini"),
    )
    return target


def clean_env(**overrides: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "RUN_MAIN"}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env.update(PYTHONUNBUFFERED="1", **overrides)
    return env


def manage(step: Path, *args: str, env: dict[str, str] | None = None, timeout: float = 60):
    """Run ``python manage.py ARGS`` in the step folder and return the finished process."""
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=step,
        env=env or clean_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def manage_side_by_side(
    step: Path, commands: dict[str, list[str]], env: dict[str, str]
) -> dict[str, tuple[int, str]]:
    """Run each ``manage.py`` command of COMMANDS at once; each name's exit code and output."""
    running = {
        name: subprocess.Popen(
            [sys.executable, "manage.py", *args],
            cwd=step,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for name, args in commands.items()
    }
    outputs = {name: process.communicate(timeout=60)[0] for name, process in running.items()}
    return {name: (running[name].returncode, output) for name, output in outputs.items()}


def schedulers_started(output: str) -> list[int]:
    """The pids that logged starting a scheduler."""
    return [
        int(line.split(STARTED_LINE, 1)[1].split()[0].rstrip(";"))
        for line in output.splitlines()
        if STARTED_LINE in line
    ]


def lines_through(output: str, last: str) -> str:
    """OUTPUT's lines up to and including the first that contains LAST."""
    lines = output.splitlines(keepends=True)
    end = next(n for n, line in enumerate(lines) if last in line)
    return "".join(lines[: end + 1])


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    """A running ``manage.py`` command (runserver, runapscheduler) read line by line."""

    process: subprocess.Popen
    port: int | None = None
    lines: queue.Queue[str] = field(default_factory=queue.Queue)
    output: list[str] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def wait_for(self, text: str, count: int = 1, timeout: float = 20) -> list[str]:
        """Block until COUNT lines containing TEXT have been printed; return them.

        Fails after TIMEOUT seconds, or when the process exits first.
        """
        return self.wait_for_any(text, count=count, timeout=timeout)

    def wait_for_any(self, *texts: str, count: int = 1, timeout: float = 20) -> list[str]:
        """Block until COUNT lines containing one of TEXTS have been printed; return them.

        Fails after TIMEOUT seconds, or when the process exits first.
        """
        deadline = time.monotonic() + timeout
        while (
            len(matches := [line for line in self.output if any(t in line for t in texts)]) < count
        ):
            try:
                line = self.lines.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                line = ""
            if line is None or time.monotonic() >= deadline:
                reason = "exited" if line is None else f"did not, within {timeout} s,"
                wanted = " or ".join(map(repr, texts))
                raise AssertionError(f"the process {reason} print {count} x {wanted}:\n{self.text}")
        return matches[:count]

    @property
    def text(self) -> str:
        return "".join(self.output)

    def _pump(self) -> None:
        for line in self.process.stdout:
            self.output.append(line)
            self.lines.put(line)
        self.lines.put(None)

    def interrupt(self, timeout: float = 20) -> int:
        """Press Ctrl+C: SIGINT to the whole process group, as a terminal does."""
        return self.send(signal.SIGINT, timeout)

    def send(self, signum: int, timeout: float = 20) -> int:
        """Send SIGNUM to the whole process group; wait for the exit and the last output."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signum)
        try:
            return self.process.wait(timeout=timeout)
        finally:
            self._reader.join(timeout=timeout)


def accelerated(
    env: dict[str, str], start: datetime | None = None, until: datetime | None = None
) -> dict[str, str]:
    """ENV for a process whose simulated time runs fast (accelerator/sitecustomize.py),
    from START (default: now), up to UNTIL (default: for ever) and at the real pace after."""
    env = dict(env)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ACCELERATOR_DIR), env.get("PYTHONPATH")]))
    env["ACCELERATE_SCHEDULER"] = "1"
    if start is not None:
        env["ACCELERATE_START"] = start.isoformat()
    if until is not None:
        env["ACCELERATE_UNTIL"] = until.isoformat()
    return env


def on_the_pages_day(env: dict[str, str] | None = None) -> dict[str, str]:
    """ENV for a process whose output a page shows: its clock starts at the tests'
    simulated moment (harness.DEFAULT_START), the date on every page, and runs at the
    real pace, so what it prints looks like the reader's run on that day."""
    return accelerated(env or clean_env(), start=DEFAULT_START, until=DEFAULT_START)


@contextmanager
def spawn(
    argv: list[str],
    *,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
    port: int | None = None,
) -> Iterator[Server]:
    """Start ARGV in its own process group, reading its output as it comes. On the way
    out, kill the whole group (children included) if still running, and the groups of
    its descendants (honcho gives each of its processes a session of its own). It dies
    with this process, even a killed one (support/lifetime.py)."""
    process = subprocess.Popen(
        argv,
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
        preexec_fn=lifetime.dying_with_this_thread(),
    )
    server = Server(process, port)
    server._reader = threading.Thread(target=server._pump, daemon=True)
    server._reader.start()
    try:
        yield server
    finally:
        lifetime.kill_groups([process.pid, *lifetime.descendants(process.pid).values()])
        process.wait()
        server._reader.join(timeout=10)


@contextmanager
def command(
    step: Path,
    *args: str,
    accelerate: bool = False,
    start: datetime | None = None,
    env: dict[str, str] | None = None,
    port: int | None = None,
) -> Iterator[Server]:
    """Run ``manage.py ARGS`` in its own process group, reading its output as it comes.

    With ACCELERATE, simulated time runs fast in the process (from START, default
    now), so a once-a-minute job runs every few hundredths of a second. The process
    is killed on the way out if still running.
    """
    env = env or clean_env()
    if accelerate:
        env = accelerated(env, start)
    with spawn([sys.executable, "manage.py", *args], cwd=step, env=env, port=port) as server:
        yield server


@contextmanager
def runserver(
    step: Path, *args: str, accelerate: bool = False, env: dict[str, str] | None = None
) -> Iterator[Server]:
    """Start ``manage.py runserver`` (autoreloader on unless ARGS say otherwise)."""
    port = free_port()
    with command(
        step, "runserver", f"127.0.0.1:{port}", *args, accelerate=accelerate, env=env, port=port
    ) as server:
        yield server
