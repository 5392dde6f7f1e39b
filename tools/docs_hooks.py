"""MkDocs hooks for the tutorial site.

- What changed between two step folders, computed at build time: a page writes
  ``<!-- diff: step01_basic_eventproject step02_decorators -->`` on a line of its
  own; the build replaces it with a unified diff of the two folders. A folder
  that does not exist stops the build with a message naming the page.
- No English page in another language's site: mkdocs-static-i18n falls back to
  docs/en/ for a missing translation; this stops the build instead.

The languages are the ones mkdocs.yml's i18n plugin lists (read in on_config).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator
from pathlib import Path

from docsite.languages import Languages
from mkdocs.exceptions import PluginError

ROOT = Path(__file__).resolve().parent.parent
PLACEHOLDER = re.compile(r"^<!-- diff: (?P<old>\S+) (?P<new>\S+) -->$", re.MULTILINE)
SKIPPED_DIRS = {"migrations", "__pycache__"}
SKIPPED_FILES = {"pytest.ini"}
SKIPPED_PREFIXES = ("db.sqlite3",)
# pymdownx.snippets reads "--8<--" anywhere on the page, also in the diff: a ";"
# before it says "this is text", and snippets removes the ";" again.
SNIPPET_MARKER = re.compile(r"(-+8<-+)")


def step_files(step: Path) -> Iterator[Path]:
    """The files a reader compares: code and templates, not generated or local files."""
    for path in sorted(step.rglob("*")):
        relative = path.relative_to(step)
        if not path.is_file() or SKIPPED_DIRS.intersection(relative.parts[:-1]):
            continue
        if any(part.startswith(".") for part in relative.parts):
            continue  # local files such as .coverage or .pytest_cache/
        if path.name in SKIPPED_FILES or path.name.startswith(SKIPPED_PREFIXES):
            continue
        if path.suffix == ".pyc" or not is_text(path):
            continue
        yield relative


def is_text(path: Path) -> bool:
    try:
        path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        return False
    return True


def read_lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines(keepends=True) if path.is_file() else []


def step_diff(old: str, new: str) -> str:
    """The unified diff from step folder ``old`` to step folder ``new``."""
    old_dir, new_dir = ROOT / old, ROOT / new
    for folder in (old_dir, new_dir):
        if not folder.is_dir():
            raise FileNotFoundError(f"step folder {folder.name!r} does not exist in {ROOT}")
    chunks = []
    for relative in sorted(set(step_files(old_dir)) | set(step_files(new_dir))):
        old_file, new_file = old_dir / relative, new_dir / relative
        chunks.extend(
            difflib.unified_diff(
                read_lines(old_file),
                read_lines(new_file),
                fromfile=f"{old}/{relative.as_posix()}" if old_file.exists() else "/dev/null",
                tofile=f"{new}/{relative.as_posix()}" if new_file.exists() else "/dev/null",
            )
        )
    return "".join(line if line.endswith("\n") else line + "\n" for line in chunks)


def render(old: str, new: str) -> str:
    diff = step_diff(old, new)
    if not diff:
        return f"*`{old}` and `{new}` hold the same code.*"
    # A fence longer than any backtick run inside the diff.
    fence = "`" * max([3, *(len(run) + 1 for run in re.findall(r"`+", diff))])
    text = SNIPPET_MARKER.sub(r";\1", diff)
    return f"{fence}diff\n{text}{fence}"


languages: Languages | None = None


def on_config(config):
    global languages
    languages = Languages.of(config)


def check_not_a_fallback(page, language: str) -> None:
    source_language = page.file.src_uri.split("/", 1)[0]
    if source_language != language:
        missing = f"{language}/{page.file.src_uri.split('/', 1)[1]}"
        raise PluginError(
            f"docs/{missing} is missing: the {language} site would show {page.file.src_uri} "
            "in its place. Every page must exist in every language."
        )


def on_page_markdown(markdown: str, page, config, files) -> str:
    check_not_a_fallback(page, languages.of_url(page.url))

    def replace(match: re.Match) -> str:
        try:
            return render(match["old"], match["new"])
        except FileNotFoundError as error:
            raise PluginError(f"{page.file.src_uri}: cannot show the diff: {error}") from None

    return PLACEHOLDER.sub(replace, markdown)
