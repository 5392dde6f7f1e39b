"""Which files of a step folder belong to the project a reader gets, and which to the lesson."""

from __future__ import annotations

import re
from pathlib import Path, PurePath

STEP_FOLDER = re.compile(r"^step\d\d_\w+$")
# Made by running the project, not part of it. Hidden files too: .coverage,
# .pytest_cache/, an .env with local secrets.
LOCAL_DIRS = {"__pycache__", "staticfiles"}
LOCAL_PREFIXES = ("db.sqlite3",)
LOCAL_SUFFIXES = (".pyc",)
# Ties the step to the repository's shared tests/, which a copy on its own lacks.
REPOSITORY_ONLY = {"pytest.ini"}
# A diff of these teaches nothing: generated migrations, and READMEs the pages retell.
NOT_THE_LESSON_DIRS = {"migrations"}
NOT_THE_LESSON_SUFFIXES = (".md",)


def step_folders(root: Path) -> list[Path]:
    return sorted(p for p in root.iterdir() if p.is_dir() and STEP_FOLDER.match(p.name))


def step_folder(root: Path, name: str) -> Path:
    """The step folder ``name`` under ``root``; a missing one is an error that names it."""
    folder = root / name
    if not STEP_FOLDER.match(name) or not folder.is_dir():
        raise FileNotFoundError(f"step folder {name!r} does not exist in {root}")
    return folder


def is_local(relative: PurePath) -> bool:
    return (
        any(part.startswith(".") for part in relative.parts)
        or bool(LOCAL_DIRS.intersection(relative.parts[:-1]))
        or relative.name.startswith(LOCAL_PREFIXES)
        or relative.name.endswith(LOCAL_SUFFIXES)
    )


def project_files(step: Path) -> list[PurePath]:
    """The step's files, relative to it, that make the project: what a download holds."""
    return [
        path.relative_to(step)
        for path in sorted(step.rglob("*"))
        if path.is_file()
        and not is_local(path.relative_to(step))
        and path.name not in REPOSITORY_ONLY
    ]


def lesson_files(step: Path) -> list[PurePath]:
    """The project's text files a reader compares between steps."""
    return [
        relative
        for relative in project_files(step)
        if not NOT_THE_LESSON_DIRS.intersection(relative.parts[:-1])
        and not relative.name.endswith(NOT_THE_LESSON_SUFFIXES)
        and is_text(step / relative)
    ]


def is_text(path: Path) -> bool:
    try:
        path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        return False
    return True
