"""Print the project's speed figures: `make bench` (or `python tools/bench.py STEP_DIR...`).

For each step: the wall time to simulate one day of its schedule under the test
harness, and the acceleration factor. Then the wall time of the whole `make test`,
and of the strict docs build in all four languages (the target is 30 s on 2 cores).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
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


def step_figures(step: Path) -> list[str]:
    result = subprocess.run(
        PYTEST + BENCH_ARGS, cwd=step, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        return [f"FAILED:\n{result.stdout}\n{result.stderr}"]
    return [
        line.removeprefix("BENCH ")
        for line in result.stdout.splitlines()
        if line.startswith("BENCH ")
    ]


def timed_make_test() -> str:
    started = time.perf_counter()
    result = subprocess.run(["make", "test"], cwd=ROOT, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - started
    outcome = "passed" if result.returncode == 0 else "FAILED"
    return f"{wall:.1f} s ({outcome})"


def timed_docs_build() -> str:
    with tempfile.TemporaryDirectory() as site_dir:
        started = time.perf_counter()
        result = subprocess.run(
            [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", site_dir],
            cwd=ROOT,
            env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
            capture_output=True,
            text=True,
            check=False,
        )
        wall = time.perf_counter() - started
    outcome = "passed" if result.returncode == 0 else f"FAILED:\n{result.stderr}"
    return f"{wall:.1f} s on {os.cpu_count()} cores ({outcome})"


def main(step_names: list[str]) -> None:
    steps = [ROOT / name for name in step_names] or sorted(ROOT.glob("step0*_*"))
    for step in steps:
        print(f"{step.name}")
        for figure in step_figures(step):
            print(f"  {figure}")
    print(f"docs build, 4 languages, strict: {timed_docs_build()}")
    print(f"whole make test: {timed_make_test()}")


if __name__ == "__main__":
    main(sys.argv[1:])
