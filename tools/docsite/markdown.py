"""Page Markdown as lines of text and fenced code blocks, enough for the hooks' rewrites."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import PurePosixPath

FENCE_OPEN = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})(?P<info>[^`]*)$")
SNIPPET_INCLUDE = re.compile(r'^\s*-+8<-+\s+"(?P<path>[^":]+)(?::[^"]*)?"\s*$')
LANGUAGES_BY_SUFFIX = {
    ".py": "python",
    ".html": "html+django",  # every .html file in a step is a Django template
    ".ini": "ini",
    ".cfg": "ini",
    ".service": "ini",
    ".timer": "ini",
    ".toml": "toml",
    ".txt": "text",
    ".lock": "text",
    ".sh": "bash",
    ".yml": "yaml",
    ".yaml": "yaml",
    ".json": "json",
    ".css": "css",
    ".js": "javascript",
}
LANGUAGES_BY_NAME = {"Procfile": "ini", "Makefile": "make"}


@dataclass(frozen=True)
class Fence:
    indent: str
    fence: str
    info: str
    body: tuple[str, ...]
    closed: bool = True

    def lines(self) -> list[str]:
        closing = [f"{self.indent}{self.fence}"] if self.closed else []
        return [f"{self.indent}{self.fence}{self.info}", *self.body, *closing]


def split(markdown: str) -> list[str | Fence]:
    """The page as text lines and fenced blocks, in order."""
    parts: list[str | Fence] = []
    lines = markdown.splitlines()
    index = 0
    while index < len(lines):
        opening = FENCE_OPEN.match(lines[index])
        if opening is None:
            parts.append(lines[index])
            index += 1
            continue
        fence = opening["fence"]
        closing = re.compile(rf"^[ \t]*{re.escape(fence[0])}{{{len(fence)},}}[ \t]*$")
        end = next((i for i in range(index + 1, len(lines)) if closing.match(lines[i])), None)
        body_end = len(lines) if end is None else end
        parts.append(
            Fence(
                opening["indent"],
                fence,
                opening["info"],
                tuple(lines[index + 1 : body_end]),
                closed=end is not None,
            )
        )
        index = body_end + 1
    return parts


def join(parts: list[str | Fence], like: str) -> str:
    lines = [
        line for part in parts for line in (part.lines() if isinstance(part, Fence) else [part])
    ]
    return "\n".join(lines) + ("\n" if like.endswith("\n") else "")


def replace_text_lines(markdown: str, replace_line: Callable[[str], str]) -> str:
    """Rewrite each line outside fenced blocks (a line may become several)."""
    parts = [part if isinstance(part, Fence) else replace_line(part) for part in split(markdown)]
    return join(parts, like=markdown)


def fence_for(text: str) -> str:
    """A backtick fence longer than any backtick run in ``text``."""
    return "`" * max([3, *(len(run) + 1 for run in re.findall(r"`{3,}", text))])


def code_block(text: str, language: str, title: str | None = None) -> str:
    fence = fence_for(text)
    attributes = f' title="{title}"' if title else ""
    return f"{fence}{language}{attributes}\n{text.rstrip(chr(10))}\n{fence}"


def literal(text: str) -> str:
    """TEXT with Markdown's emphasis characters escaped, for a title the page renders:
    ``__init__.py`` stays ``__init__.py``, not **init**.py."""
    return re.sub(r"([\\_*])", r"\\\1", text)


def indent(text: str, prefix: str = "    ") -> str:
    return "\n".join(prefix + line if line else line for line in text.splitlines())


def language_of(path: str) -> str:
    """The highlighting language of a file, from its name."""
    pure = PurePosixPath(path)
    return LANGUAGES_BY_NAME.get(pure.name) or LANGUAGES_BY_SUFFIX.get(pure.suffix, "text")


def with_snippet_title(block: Fence) -> Fence:
    """A block holding one ``--8<-- "path[:section]"`` include gets ``title="path"``."""
    body = [line for line in block.body if line.strip()]
    include = SNIPPET_INCLUDE.match(body[0]) if len(body) == 1 else None
    info = block.info.strip()
    if include is None or "title=" in info or info.startswith("{"):
        return block
    language, _, options = info.partition(" ")
    language = language or language_of(include["path"])
    title = f'title="{include["path"]}"'
    return replace(block, info=" ".join(filter(None, [language, title, options.strip()])))


def add_snippet_titles(markdown: str) -> str:
    parts = [with_snippet_title(p) if isinstance(p, Fence) else p for p in split(markdown)]
    return join(parts, like=markdown)
