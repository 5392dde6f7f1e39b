"""``<!-- files: STEP PATH... -->``: whole files of a step, to build along with, each collapsed.

The code itself comes in through pymdownx.snippets, like every other include.
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath

from docsite.markdown import code_block, indent, language_of, literal
from docsite.stepfiles import step_folder


def checked_path(folder: Path, path: str) -> str:
    pure = PurePosixPath(path)
    if pure.is_absolute() or ".." in pure.parts:
        raise ValueError(f"{path!r} must be a path inside the step folder")
    if not (folder / pure).is_file():
        raise FileNotFoundError(f"{folder.name}/{path} does not exist")
    return pure.as_posix()


def render(root: Path, step: str, paths: list[str]) -> str:
    if not paths:
        raise ValueError(f"name the files of {step} to show")
    folder = step_folder(root, step)
    blocks = []
    for path in (checked_path(folder, p) for p in paths):
        include = f'--8<-- "{step}/{path}"'
        block = code_block(include, language_of(path), title=f"{step}/{path}")
        blocks.append(f'??? note "{literal(path)}"\n\n{indent(block)}')
    return "\n\n".join(blocks)
