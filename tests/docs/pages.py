"""Read the docs pages: what a translation must keep identical, and its prose."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from docsite.languages import Languages
from mkdocs.config import load_config

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
# The site's languages, from mkdocs.yml (its i18n plugin's list), as the build reads them.
CONFIG = load_config(str(ROOT / "mkdocs.yml"))
LANGUAGES = Languages.of(CONFIG)
SOURCE_LANGUAGE = LANGUAGES.default
TRANSLATIONS = LANGUAGES.others

HEADING = re.compile(r"^(#{1,6})\s+(?P<text>.*?)\s*$")
HEADING_ID = re.compile(r"\{[^}]*#(?P<id>[\w-]+)[^}]*\}\s*$")
FENCE = re.compile(r"^\s*(?P<fence>`{3,}|~{3,})(?P<info>.*)$")
SNIPPET = re.compile(r"^\s*-{1,}8<-{1,}\s+\"(?P<target>[^\"]+)\"\s*$")
PLACEHOLDER = re.compile(r"^<!-- (diff|files|download|output): .+ -->$")
# Where a paragraph's measured figures come from (tests/docs/test_measured.py).
MEASURED = re.compile(r"<!-- measured: (?P<sources>.+?) -->")
CODE_SPAN = re.compile(r"`[^`]*`")
LINK_TARGET = re.compile(r"\]\([^)]*\)")
LETTERS = re.compile(r"[^\W\d_]{3,}")
# Mermaid text a translator may rewrite: quoted strings, unquoted labels in a node's
# brackets or an edge's |pipes| or "-- text -->", text after ": " (sequence messages,
# notes), "participant X as Label", a title, and %% comments.
MERMAID_TEXT = [
    (re.compile(r'"[^"]*"'), '""'),
    (re.compile(r"\[[^\[\](){}|]*\]"), "[]"),
    (re.compile(r"\([^\[\](){}|]*\)"), "()"),
    (re.compile(r"\{[^\[\](){}|]*\}"), "{}"),
    (re.compile(r"\|[^|]*\|"), "||"),
    (re.compile(r"(?<!-)--\s+[^\s>-].*?\s+-->"), "-- -->"),
    (re.compile(r":\s.*$"), ":"),
    (re.compile(r"\s+as\s.*$"), ""),
    (re.compile(r"^title\s.*$"), "title"),
    (re.compile(r"%%.*$"), ""),
]


def mermaid_structure(diagram: str) -> list[str]:
    """The diagram without its words: its type, node ids and shapes, edges, in order."""
    structure = []
    for line in diagram.splitlines():
        line = line.strip()
        for pattern, replacement in MERMAID_TEXT:
            line = pattern.sub(replacement, line)
        if line.strip():
            structure.append(" ".join(line.split()))
    return structure


@dataclass(frozen=True)
class Page:
    language: str
    path: Path  # relative to the language folder

    @property
    def file(self) -> Path:
        return DOCS / self.language / self.path

    @cached_property
    def lines(self) -> list[str]:
        return self.file.read_text(encoding="utf-8").splitlines()

    @cached_property
    def _split(self) -> tuple[list[str], list[tuple[str, list[str]]]]:
        """Lines outside fenced blocks, and each fenced block as (info, lines)."""
        prose: list[str] = []
        blocks: list[tuple[str, list[str]]] = []
        fence: str | None = None
        for line in self.lines:
            match = FENCE.match(line)
            if fence is None and match:
                fence = match["fence"]
                blocks.append((match["info"].strip(), []))
            elif fence is not None and line.strip() == fence:
                fence = None
            elif fence is not None:
                blocks[-1][1].append(line)
            else:
                prose.append(line)
        return prose, blocks

    @property
    def headings(self) -> list[str]:
        return [line for line in self._split[0] if HEADING.match(line)]

    @property
    def heading_ids(self) -> list[str | None]:
        found = (HEADING_ID.search(line) for line in self.headings)
        return [match["id"] if match else None for match in found]

    @property
    def snippet_lines(self) -> list[str]:
        """Every ``--8<--`` include, with the info string of the block it sits in."""
        return [
            f"{info} | {line.strip()}"
            for info, lines in self._split[1]
            for line in lines
            if SNIPPET.match(line)
        ]

    @property
    def snippet_targets(self) -> list[str]:
        return [
            match["target"]
            for _, lines in self._split[1]
            for line in lines
            if (match := SNIPPET.match(line))
        ]

    @property
    def mermaid_blocks(self) -> list[str]:
        return ["\n".join(lines) for info, lines in self._split[1] if info == "mermaid"]

    @property
    def mermaid_structures(self) -> list[list[str]]:
        return [mermaid_structure(block) for block in self.mermaid_blocks]

    @property
    def placeholders(self) -> list[str]:
        """The build hooks' placeholders: diffs, files, downloads, captured output."""
        return [line for line in self._split[0] if PLACEHOLDER.match(line.strip())]

    @property
    def paragraphs(self) -> list[str]:
        """The text outside fenced blocks, in blocks separated by blank lines."""
        blocks: list[list[str]] = [[]]
        for line in self._split[0]:
            if line.strip():
                blocks[-1].append(line.strip())
            elif blocks[-1]:
                blocks.append([])
        return ["\n".join(block) for block in blocks if block]

    @property
    def measured_sources(self) -> list[str]:
        """Each ``<!-- measured: ... -->`` comment's sources, in page order."""
        return [match["sources"] for match in MEASURED.finditer("\n".join(self._split[0]))]

    @property
    def prose_lines(self) -> list[str]:
        """Lines a translator must rewrite: words outside code spans and link targets."""
        lines = []
        for line in self._split[0]:
            if MEASURED.fullmatch(line.strip()):
                continue  # names files, the same in every language
            if HEADING.match(line):
                line = HEADING_ID.sub("", line)
            words = LINK_TARGET.sub("]", CODE_SPAN.sub("", line))
            if LETTERS.search(words):
                lines.append(line.strip())
        return lines


def generated_text(language: str) -> dict[str, str]:
    """The words the hooks write into the language's pages (extra.generated_text)."""
    if language == LANGUAGES.default:
        return dict(CONFIG.extra["generated_text"])
    i18n = CONFIG.plugins["i18n"].config
    config = next(lang for lang in i18n.languages if lang.locale == language)
    return dict((config.extra or {}).get("generated_text") or {})


def built_page(site: Path, language: str, page: Path) -> Path:
    """Where the build writes a page: docs/ru/setup.md becomes site/ru/setup/index.html."""
    folder = site / LANGUAGES.prefix(language)
    stem = page.with_suffix("")
    return folder / ("index.html" if stem.name == "index" else stem / "index.html")


def pages(language: str) -> list[Page]:
    folder = DOCS / language
    return [Page(language, p.relative_to(folder)) for p in sorted(folder.rglob("*.md"))]


def page_paths(language: str) -> set[Path]:
    return {page.path for page in pages(language)}
