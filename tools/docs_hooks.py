"""MkDocs hooks for the tutorial site; the work is done in tools/docsite/.

Placeholders, each on a line of its own outside code blocks, become Markdown:

    <!-- diff: STEP_A STEP_B -->    the files that changed, then each file's diff, collapsed
    <!-- files: STEP PATH... -->    whole files of a step, each collapsed, to build along with
    <!-- download: STEP -->         a link to the step's zip (and to its folder in the repository
                                    when the site is built with REPO_URL set)
    <!-- output: NAME -->           docs/output/NAME.txt, console output the tests captured

A step folder or file that does not exist stops the build with a message naming
the page. Besides:

- a code block that holds a single ``--8<-- "path"`` include gets the path as its title;
- no language's site may show the English page in place of a missing translation;
- each language's site searches only its own pages (docsite/search.py);
- the built site holds one zip per step folder in downloads/ (docsite/downloads.py).

The languages are the ones mkdocs.yml's i18n plugin lists; the words these hooks
write into pages are each language's ``extra.generated_text`` in mkdocs.yml.
"""

from __future__ import annotations

import re
from pathlib import Path

from docsite import diffs, downloads, listings, output, search
from docsite.languages import Languages
from docsite.markdown import add_snippet_titles, replace_text_lines
from mkdocs.exceptions import PluginError
from mkdocs.plugins import event_priority

PLACEHOLDER = re.compile(r"^<!-- (?P<kind>diff|files|download|output): (?P<args>.*?) -->\s*$")
# What each placeholder takes: (usage, fewest arguments, most arguments or None).
ARGUMENTS = {
    "diff": ("STEP_A STEP_B", 2, 2),
    "files": ("STEP PATH...", 2, None),
    "download": ("STEP", 1, 1),
    "output": ("NAME", 1, 1),
}
GENERATED_TEXT = {
    "diff_file",
    "diff_change",
    "diff_new",
    "diff_deleted",
    "diff_same",
    "download",
    "browse",
    "output_title",
}

languages: Languages | None = None


def on_config(config):
    global languages
    languages = Languages.of(config)


def repository_root(config) -> Path:
    return Path(config.config_file_path).resolve().parent


def generated_text(config, language: str) -> dict[str, str]:
    text = config.extra.get("generated_text") or {}
    missing = sorted(GENERATED_TEXT - set(text))
    if missing:
        raise PluginError(
            f"mkdocs.yml: the {language} extra.generated_text lacks {', '.join(missing)}"
        )
    return text


def check_not_a_fallback(page, language: str) -> None:
    source_language = page.file.src_uri.split("/", 1)[0]
    if source_language != language:
        missing = f"{language}/{page.file.src_uri.split('/', 1)[1]}"
        raise PluginError(
            f"docs/{missing} is missing: the {language} site would show {page.file.src_uri} "
            "in its place. Every page must exist in every language."
        )


def expand(kind: str, args: list[str], page, config, text: dict[str, str]) -> str:
    root = repository_root(config)
    usage, fewest, most = ARGUMENTS[kind]
    if len(args) < fewest or (most is not None and len(args) > most):
        raise ValueError(f"write it as <!-- {kind}: {usage} -->")
    if kind == "diff":
        return diffs.render(root, args[0], args[1], text)
    if kind == "files":
        return listings.render(root, args[0], args[1:])
    if kind == "download":
        return downloads.render(root, args[0], page.url, config.repo_url or "", text)
    return output.render(root, args[0], text["output_title"])


def on_page_markdown(markdown: str, page, config, files) -> str:
    language = languages.of_url(page.url)
    check_not_a_fallback(page, language)
    text = generated_text(config, language)

    def replace(line: str) -> str:
        match = PLACEHOLDER.match(line)
        if match is None:
            return line
        try:
            return expand(match["kind"], match["args"].split(), page, config, text)
        except (OSError, ValueError) as error:
            raise PluginError(f"{page.file.src_uri}: {line.strip()}: {error}") from None

    return add_snippet_titles(replace_text_lines(markdown, replace))


def on_post_page(html: str, page, config) -> str:
    language = languages.of_url(page.url)
    if language == languages.default:
        return html
    return search.point_search_at_language(html, languages.prefix(language))


def is_inner_language_build(config) -> bool:
    """mkdocs-static-i18n builds each other language from inside the default language's
    on_post_build, with ``building`` set; the site is complete when the outer build ends."""
    return bool(getattr(config.plugins.get("i18n"), "building", False))


@event_priority(-200)  # after mkdocs-static-i18n (-100) has written the whole search index
def on_post_build(config) -> None:
    if is_inner_language_build(config):
        return
    site_dir = Path(config.site_dir)
    search.split_index(site_dir, languages)
    downloads.write_downloads(repository_root(config), site_dir)
