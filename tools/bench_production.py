"""Step 6 at its real pace, for `make bench`: how late a one-second job starts in
`runapscheduler`, alone and while gunicorn's workers serve a local load, and how much
memory a web worker and the scheduler hold. Bounded: a few seconds per phase.

    python tools/bench_production.py
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path

from children import dying_with_this_thread

ROOT = Path(__file__).resolve().parent.parent
STEP = ROOT / "step06_production"
PHASE_SECONDS = 12
CLIENTS = 8
ADD_ONE_SECOND_JOB = (
    "from eventapp.updater.updater import TASKS, job_editor; "
    "job_editor().add_job(TASKS['report_open_campaigns'], 'interval', seconds=1, "
    "id='every_second', misfire_grace_time=None, replace_existing=True)"
)
# runapscheduler's log names a job by its function, with its trigger:
# '<asctime> INFO ...: Running job "report_open_campaigns (trigger: interval[0:00:01], ...)"
#  (scheduled at <time>)'
RUNNING = re.compile(
    r"^(?P<logged>\S+ \S+) INFO \S+: Running job \"\w+ \(trigger: interval\[0:00:01\].*"
    r"\(scheduled at (?P<due>[^)]+)\)"
)


def manage(step: Path, *args: str, env: dict[str, str]) -> None:
    subprocess.run(
        [sys.executable, "manage.py", *args], cwd=step, env=env, check=True, capture_output=True
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def lateness_ms(lines: list[str]) -> list[float]:
    """Actual start minus scheduled time, in ms, of each run logged in LINES."""
    late = []
    for line in lines:
        if match := RUNNING.match(line):
            due = datetime.fromisoformat(match["due"])
            # The log's time is the process's local time: TIME_ZONE, the zone of DUE too.
            logged = datetime.strptime(match["logged"], "%Y-%m-%d %H:%M:%S,%f")
            late.append((logged.replace(tzinfo=due.tzinfo) - due).total_seconds() * 1000)
    return late


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def p99(values: list[float]) -> float:
    """The 99th percentile of VALUES (at least one), as the benches print it."""
    if len(values) < 2:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[98]


def summary(late: list[float]) -> str:
    if len(late) < 2:
        return f"{len(late)} runs: too few to tell"
    return (
        f"p50 {statistics.median(late):.1f} ms, p99 {p99(late):.1f} ms, max {max(late):.1f} ms "
        f"({len(late)} runs)"
    )


def load(url: str, stop: threading.Event) -> int:
    """GET URL from CLIENTS threads until STOP; the number of pages served."""
    served = []

    def client() -> None:
        while not stop.is_set():
            with urllib.request.urlopen(url, timeout=10) as page:
                page.read()
            served.append(1)

    with ThreadPoolExecutor(CLIENTS) as pool:
        for _ in range(CLIENTS):
            pool.submit(client)
    return len(served)


def stop_on_a_signal(signum: int, frame: object) -> None:
    """SIGTERM or SIGHUP: exit as Ctrl+C would, stopping the processes started."""
    print(f"{signal.Signals(signum).name}: stopping the scheduler and gunicorn", flush=True)
    raise SystemExit(128 + signum)


def main() -> None:
    if not (Path("/proc") / "self").exists():
        print("step 6 at the real pace: needs Linux's /proc")
        return
    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, stop_on_a_signal)
    with tempfile.TemporaryDirectory() as scratch:
        step = Path(scratch) / STEP.name
        shutil.copytree(STEP, step, ignore=shutil.ignore_patterns("db.sqlite3*", "__pycache__"))
        env = dict(os.environ)
        env.update(PYTHONUNBUFFERED="1", DJANGO_SETTINGS_MODULE="eventproject.settings")
        manage(step, "migrate", "--noinput", env=env)
        manage(step, "shell", "-c", ADD_ONE_SECOND_JOB, env=env)
        scheduler = subprocess.Popen(
            [sys.executable, "manage.py", "runapscheduler"],
            cwd=step,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            preexec_fn=dying_with_this_thread(),  # even when this process is killed
        )
        lines: list[str] = []
        reader = threading.Thread(target=lambda: lines.extend(scheduler.stdout), daemon=True)
        reader.start()
        port = free_port()
        web = None
        try:
            time.sleep(PHASE_SECONDS)  # a benchmark: it measures the real clock on purpose
            alone = lateness_ms(list(lines))
            web = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "gunicorn",
                    "--workers",
                    "4",
                    "--no-control-socket",
                    "--bind",
                    f"127.0.0.1:{port}",
                    "eventproject.wsgi",
                ],
                cwd=step,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                preexec_fn=dying_with_this_thread(),  # its master stops its workers
            )
            url = f"http://127.0.0.1:{port}/"
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                try:
                    urllib.request.urlopen(url, timeout=2).read()
                    break
                except OSError:
                    time.sleep(0.2)
            before = len(lines)
            stop = threading.Event()
            threading.Timer(PHASE_SECONDS, stop.set).start()
            served = load(url, stop)
            loaded = lateness_ms(lines[before:])
            workers = children(web.pid)
            worker_mb = max(rss_mb(pid) for pid in workers) if workers else float("nan")
            scheduler_mb = rss_mb(scheduler.pid)
        finally:
            for process in (web, scheduler):
                if process is not None:
                    process.terminate()
                    process.wait(timeout=30)
    print(f"step 6, a one-second job, the scheduler alone: lateness {summary(alone)}")
    print(
        f"step 6, the same while 4 gunicorn workers serve {CLIENTS} local clients "
        f"({served} pages in {PHASE_SECONDS} s): lateness {summary(loaded)}"
    )
    print(
        f"step 6, resident memory: a gunicorn worker {worker_mb:.0f} MB, "
        f"runapscheduler {scheduler_mb:.0f} MB"
    )


if __name__ == "__main__":
    main()
