"""Run the shared suite once per step, each step in its own pytest process.

`make test` calls this. Steps run side by side (two at a time by default, the
longest first), each from its own folder
with its own settings and coverage file. Their outputs are printed whole, one
after the other, then one closing line with the totals.

    python tools/run_tests.py STEP_DIR... [--jobs N] [--docs]

Stopped by SIGTERM, SIGINT or SIGHUP (a CI timeout, Ctrl+C), it passes the signal on to
the running suites and waits for them: each stops cleanly, its fixtures stopping the
servers they started (tools/children.py, tests/support/lifetime.py).
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from children import Children

ROOT = Path(__file__).resolve().parent.parent
COUNTS = re.compile(r"(\d+) (passed|failed|errors?|skipped)")
# Each suite in a process group of its own, stopped with this process (tools/children.py).
CHILDREN = Children()


@dataclass
class Suite:
    name: str
    command: list[str]
    cwd: Path
    env: dict[str, str]


@dataclass
class Outcome:
    suite: Suite
    returncode: int
    output: str
    seconds: float

    def counts(self) -> dict[str, int]:
        closing = next(
            (line for line in reversed(self.output.splitlines()) if COUNTS.search(line)), ""
        )
        found = {
            kind.rstrip("s") if kind.startswith("error") else kind: int(n)
            for n, kind in COUNTS.findall(closing)
        }
        return found


def coverage_core() -> dict[str, str]:
    """On Python 3.12+ coverage can measure through sys.monitoring, which costs a few
    per cent where a trace function costs half again (a simulated day: +3% against +60%)."""
    if sys.version_info >= (3, 12) and "COVERAGE_CORE" not in os.environ:
        return {"COVERAGE_CORE": "sysmon"}
    return {}


def step_suite(step: Path) -> Suite:
    coverage_file = ROOT / f".coverage.{step.name}"
    return Suite(
        name=step.name,
        command=[
            sys.executable,
            "-m",
            "pytest",
            "-c",
            "pytest.ini",
            "--cov=eventapp",
            "--cov=eventproject",
            f"--cov-config={ROOT / 'pyproject.toml'}",
            "--cov-report=term-missing:skip-covered",
        ],
        cwd=step,
        env={**os.environ, "COVERAGE_FILE": str(coverage_file), **coverage_core()},
    )


def root_suite(name: str) -> Suite:
    """The checks in tests/NAME, run from the repository root without Django."""
    ini, folder = f"tests/{name}/pytest.ini", f"tests/{name}"
    command = [sys.executable, "-m", "pytest", "-c", ini, folder]
    return Suite(name=name, command=command, cwd=ROOT, env=dict(os.environ))


def docs_suite() -> Suite:
    """The checks of the docs site: every page in every language, and a real build."""
    return root_suite("docs")


def tooling_suite() -> Suite:
    """The checks of the tools themselves: this runner, the tests' process helpers."""
    return root_suite("tooling")


def run(suite: Suite) -> Outcome:
    started = time.perf_counter()
    result = CHILDREN.run(suite.command, cwd=suite.cwd, env=suite.env)
    return Outcome(suite, result.returncode, result.stdout, time.perf_counter() - started)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("steps", nargs="+", type=Path)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument(
        "--docs", action="store_true", help="also run the docs checks and the tools' checks"
    )
    args = parser.parse_args()

    suites = [step_suite(ROOT / step) for step in args.steps]
    if args.docs:
        suites += [docs_suite(), tooling_suite()]
    return run_all(suites, args.jobs)


def run_all(suites: list[Suite], jobs: int) -> int:
    """Run SUITES, JOBS at a time; print their outputs and the totals; the exit status.
    A SIGTERM, SIGINT or SIGHUP is passed on to the running suites, which stop cleanly
    (their fixtures stop the servers they started); the rest do not start."""
    CHILDREN.pass_signals_on()
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        # The later a step, the more tests: start from the end, so no worker idles at the end.
        futures = {suite.name: pool.submit(run, suite) for suite in reversed(suites)}
        outcomes = [futures[suite.name].result() for suite in suites]

    totals: dict[str, int] = {}
    for outcome in outcomes:
        print(f"=== {outcome.suite.name} ({outcome.seconds:.1f} s) ===")
        print(outcome.output)
        for kind, number in outcome.counts().items():
            totals[kind] = totals.get(kind, 0) + number
    failed_suites = [o.suite.name for o in outcomes if o.returncode != 0]
    for outcome in outcomes:
        status = "ok" if outcome.returncode == 0 else f"FAILED (exit {outcome.returncode})"
        print(f"{outcome.suite.name}: {status}, {outcome.seconds:.1f} s")
    failed = totals.get("failed", 0) + totals.get("error", 0)
    if failed_suites and not failed:
        failed = len(failed_suites)  # a suite that crashed before reporting counts too
    closing = f"{totals.get('passed', 0)} passed, {failed} failed"
    if totals.get("skipped"):
        closing += f", {totals['skipped']} skipped"
    print(closing)
    if CHILDREN.stopped_by is not None:
        print(f"stopped by {signal.Signals(CHILDREN.stopped_by).name}")
        return 128 + CHILDREN.stopped_by
    return 1 if failed_suites else 0


if __name__ == "__main__":
    sys.exit(main())
