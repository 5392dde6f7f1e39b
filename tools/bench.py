"""Print the project's speed figures: `make bench` (or `python tools/bench.py STEP_DIR...`).

For each step: the wall time to simulate one day of its schedule under the test
harness, and the acceleration factor. For steps 6 and 8: how far one scheduler goes,
1,000s of jobs due at the same minute on real processes (tools/bench_scale.py). Then
the wall time of the whole `make test`, and of the strict docs build in all four
languages (the target is 30 s on 2 cores).
"""

from __future__ import annotations

import os
import re
import signal
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

from children import Children

ROOT = Path(__file__).resolve().parent.parent
# Each measured run in a process group of its own, stopped with this process: a timeout
# that ends `make bench` ends the test runs and their servers too (tools/children.py).
CHILDREN = Children()
PYTEST = [sys.executable, "-m", "pytest"]
BENCH_ARGS = [
    "-c",
    "pytest.ini",
    "-q",
    "-s",
    "-p",
    "no:logging",
    "-o",
    "python_files=bench_*.py",
    "../tests/bench",
]


RUNS_A_DAY = 1440
SCALE_STEPS = ("step06", "step08")  # the production scheduler, and Celery beat
DAY_FIGURE = re.compile(r"(one simulated day|the job alone, 1,440 calls): (?P<seconds>[\d.]+) s")


def test_db_folder() -> Path:
    """Where the tests keep their databases: memory-backed /dev/shm if there is one."""
    shm = Path("/dev/shm")
    return shm if shm.is_dir() and os.access(shm, os.W_OK) else Path(tempfile.gettempdir())


def floor_of_a_day() -> float:
    """The job's own work, nothing else: a day of "connect, insert one row, commit,
    close" in plain sqlite3, on a WAL file where the tests keep theirs."""
    with tempfile.TemporaryDirectory(dir=test_db_folder()) as folder:
        path = Path(folder) / "floor.sqlite3"
        with sqlite3.connect(path) as db:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("CREATE TABLE save (id INTEGER PRIMARY KEY, saved INT, created TEXT)")
        started = time.perf_counter()
        for n in range(RUNS_A_DAY):
            db = sqlite3.connect(path)
            db.execute("PRAGMA synchronous=NORMAL")
            db.execute("INSERT INTO save (saved, created) VALUES (?, datetime('now'))", (n,))
            db.commit()
            db.close()
        return time.perf_counter() - started


def with_floor(figure: str, floor: float) -> str:
    """A day's figure with the floor beside it, and how many floors it costs."""
    match = DAY_FIGURE.search(figure)
    if not match:
        return figure
    return f"{figure} (floor {floor:.2f} s: {float(match['seconds']) / floor:.1f}x)"


def step_figures(step: Path) -> list[str]:
    if not (step / "eventapp" / "updater").is_dir():
        return ["no APScheduler here: Celery's timing is measured by tests/celery"]
    result = CHILDREN.run(PYTEST + BENCH_ARGS, cwd=step)
    if result.returncode != 0:
        return [f"FAILED:\n{result.stdout}"]
    return [
        line.removeprefix("BENCH ")
        for line in result.stdout.splitlines()
        if line.startswith("BENCH ")
    ]


def timed_make_test() -> str:
    started = time.perf_counter()
    result = CHILDREN.run(["make", "test"], cwd=ROOT)
    wall = time.perf_counter() - started
    outcome = "passed" if result.returncode == 0 else "FAILED"
    return f"{wall:.1f} s ({outcome})"


def timed_docs_build() -> str:
    with tempfile.TemporaryDirectory() as site_dir:
        started = time.perf_counter()
        result = CHILDREN.run(
            [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", site_dir],
            cwd=ROOT,
            env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
        )
        wall = time.perf_counter() - started
    outcome = "passed" if result.returncode == 0 else f"FAILED:\n{result.stdout}"
    return f"{wall:.1f} s on {os.cpu_count()} cores ({outcome})"


def main(step_names: list[str]) -> int:
    CHILDREN.pass_signals_on()  # once stopped, each figure left says "not run"
    steps = [ROOT / name for name in step_names] or sorted(ROOT.glob("step0*_*"))
    floor = floor_of_a_day()
    print(
        f"floor: a day of the job's own writes in plain sqlite3 ({test_db_folder()}): {floor:.2f} s"
    )
    for step in steps:
        print(f"{step.name}")
        for figure in step_figures(step):
            print(f"  {with_floor(figure, floor)}")
    if any(step.name.startswith("step06") for step in steps):
        production = CHILDREN.run([sys.executable, str(ROOT / "tools" / "bench_production.py")])
        print(production.stdout, end="")
    for step in steps:
        if step.name.startswith(SCALE_STEPS):
            scale = CHILDREN.run([sys.executable, str(ROOT / "tools" / "bench_scale.py")], cwd=step)
            print(scale.stdout, end="")
    print(f"docs build, 4 languages, strict: {timed_docs_build()}")
    print(f"whole make test: {timed_make_test()}")
    if CHILDREN.stopped_by is not None:
        print(f"stopped by {signal.Signals(CHILDREN.stopped_by).name}")
        return 128 + CHILDREN.stopped_by
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
