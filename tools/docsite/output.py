"""``<!-- output: NAME -->``: console output captured by the tests, from docs/output/NAME.txt."""

from __future__ import annotations

import re
from pathlib import Path

from docsite.markdown import code_block

OUTPUT_DIR = "docs/output"  # the tests write them (tests/support/transcripts.py)
NAME = re.compile(r"^[\w.-]+$")


def render(root: Path, name: str, title: str) -> str:
    if not NAME.match(name):
        raise ValueError(f"{name!r} is not a transcript name (letters, digits, '.', '-', '_')")
    path = root / OUTPUT_DIR / f"{name}.txt"
    if not path.is_file():
        raise FileNotFoundError(f"{OUTPUT_DIR}/{name}.txt does not exist")
    return code_block(path.read_text(encoding="utf-8"), "text", title=title)
