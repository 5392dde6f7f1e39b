"""How big each step is, and how much neighbouring steps differ: the figures the
one-lesson-per-step rules are about (tests/docs/test_steps.py holds them).

    python tools/step_sizes.py        # a Markdown table, one row per step

Python lines: every .py file of the step but its migrations. Changed lines: what
`diff -r` counts as `<` and `>` lines between two step folders, migrations and
Markdown aside: the files a reader compares (docsite/stepfiles.py), and pytest.ini.
"""

from __future__ import annotations

import difflib
import sys
from pathlib import Path, PurePath

sys.path.insert(0, str(Path(__file__).resolve().parent))

from docsite.stepfiles import lesson_files, step_folders

ROOT = Path(__file__).resolve().parent.parent
PYTEST_INI = "pytest.ini"  # not in a reader's download, but part of what a step changes


def python_lines(step: Path) -> int:
    files = [p for p in step.rglob("*.py") if "migrations" not in p.parts]
    return sum(len(p.read_text(encoding="utf-8").splitlines()) for p in files)


def file_lines(step: Path, relative) -> list[str]:
    path = step / relative
    return path.read_text(encoding="utf-8").splitlines() if path.is_file() else []


def compared_files(step: Path) -> set[PurePath]:
    return {*lesson_files(step), *(p.relative_to(step) for p in step.glob(PYTEST_INI))}


def diff_counts(old: Path, new: Path) -> tuple[int, int]:
    """Lines only in OLD's files and lines only in NEW's (diff's `<` and `>`)."""
    removed = added = 0
    for relative in sorted(compared_files(old) | compared_files(new)):
        for line in difflib.unified_diff(file_lines(old, relative), file_lines(new, relative)):
            if line.startswith("-") and not line.startswith("---"):
                removed += 1
            elif line.startswith("+") and not line.startswith("+++"):
                added += 1
    return removed, added


def changed_lines(old: Path, new: Path) -> int:
    return sum(diff_counts(old, new))


def table(root: Path = ROOT) -> str:
    steps = step_folders(root)
    rows = ["| step | Python lines | changed from the step before |", "| --- | --- | --- |"]
    for before, step in zip([None, *steps], steps, strict=False):
        change = "" if before is None else str(changed_lines(before, step))
        rows.append(f"| {step.name} | {python_lines(step)} | {change} |")
    return "\n".join(rows)


if __name__ == "__main__":
    print(table())
