"""``<!-- diff: stepA stepB -->``: what changed between two step folders, computed at build time.

A table of the changed files comes first; each file's diff follows in a block the
reader opens on demand. Snippet section markers are taken out of the files before
they are compared: they are how the pages include code, not part of the lesson.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path, PurePath

from docsite.markdown import code_block, indent, literal
from docsite.stepfiles import lesson_files, step_folder

SECTION_MARKER = re.compile(r"-+8<-+\s*\[\s*(start|end)\s*:")


def code_lines(path: Path) -> list[str]:
    """The file's lines as a reader sees them on the pages: no section markers."""
    if not path.is_file():
        return []
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    return [
        line if line.endswith("\n") else line + "\n"
        for line in lines
        if not SECTION_MARKER.search(line)
    ]


@dataclass(frozen=True)
class FileChange:
    old_step: str
    new_step: str
    path: PurePath
    old: tuple[str, ...]
    new: tuple[str, ...]
    old_exists: bool
    new_exists: bool

    @cached_property
    def diff(self) -> list[str]:
        return list(
            difflib.unified_diff(
                self.old,
                self.new,
                fromfile=f"{self.old_step}/{self.path.as_posix()}"
                if self.old_exists
                else "/dev/null",
                tofile=f"{self.new_step}/{self.path.as_posix()}"
                if self.new_exists
                else "/dev/null",
            )
        )

    @property
    def added(self) -> int:
        return sum(1 for line in self.diff[2:] if line.startswith("+"))

    @property
    def removed(self) -> int:
        return sum(1 for line in self.diff[2:] if line.startswith("-"))


def changes(root: Path, old: str, new: str) -> list[FileChange]:
    """Every lesson file that differs between the two step folders, by path."""
    old_dir, new_dir = step_folder(root, old), step_folder(root, new)
    found = []
    for path in sorted(set(lesson_files(old_dir)) | set(lesson_files(new_dir))):
        change = FileChange(
            old,
            new,
            path,
            tuple(code_lines(old_dir / path)),
            tuple(code_lines(new_dir / path)),
            old_exists=(old_dir / path).is_file(),
            new_exists=(new_dir / path).is_file(),
        )
        if change.diff:
            found.append(change)
    return found


def summary_cell(change: FileChange, text: dict[str, str]) -> str:
    if not change.new_exists:
        return text["diff_deleted"]
    if not change.old_exists:
        return f"{text['diff_new']} (+{change.added})"
    return f"+{change.added} \N{MINUS SIGN}{change.removed}"


def render(root: Path, old: str, new: str, text: dict[str, str]) -> str:
    found = changes(root, old, new)
    if not found:
        return f"*{text['diff_same'].format(old=f'`{old}`', new=f'`{new}`')}*"
    table = [
        f"| {text['diff_file']} | {text['diff_change']} |",
        "| --- | --- |",
        *(f"| `{c.path.as_posix()}` | {summary_cell(c, text)} |" for c in found),
    ]
    blocks = [
        f'??? note "{literal(c.path.as_posix())}"\n\n{indent(code_block("".join(c.diff), "diff"))}'
        for c in found
        if c.new_exists  # a deleted file is listed, not printed whole
    ]
    return "\n\n".join(["\n".join(table), *blocks])
