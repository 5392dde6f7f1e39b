"""The real site build: every language, strict, into a scratch folder."""

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from pages import (
    LANGUAGES,
    ROOT,
    SOURCE_LANGUAGE,
    TRANSLATIONS,
    built_page,
    generated_text,
    page_paths,
)

HAN = re.compile(r"[\u4e00-\u9fff]")
STEP_PAGES = sorted(p for p in page_paths(SOURCE_LANGUAGE) if p.parts[0] == "steps")
# A reader sees at most this many lines of diff before opening a file's diff.
MAX_VISIBLE_DIFF_LINES = 150
# Pygments marks a diff's deleted, inserted and hunk lines so; no other lexer here does.
DIFF_TOKENS = {"gd", "gi", "gu"}


class VisibleDiffLines(HTMLParser):
    """Counts the lines of diff code a page shows outside closed <details> blocks."""

    def __init__(self) -> None:
        super().__init__()
        self.details: list[bool] = []  # for each open <details>: is it closed to the reader?
        self.code: list[str] | None = None
        self.code_is_diff = False
        self.visible = 0

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "details":
            self.details.append("open" not in attributes)
        elif tag == "code":
            self.code, self.code_is_diff = [], False
        elif tag == "span" and self.code is not None:
            self.code_is_diff |= bool(DIFF_TOKENS & set((attributes.get("class") or "").split()))

    def handle_endtag(self, tag):
        if tag == "details" and self.details:
            self.details.pop()
        elif tag == "code" and self.code is not None:
            if self.code_is_diff and not any(self.details):
                self.visible += len("".join(self.code).strip("\n").splitlines())
            self.code = None

    def handle_data(self, data):
        if self.code is not None:
            self.code.append(data)


def visible_diff_lines(html: str) -> int:
    parser = VisibleDiffLines()
    parser.feed(html)
    return parser.visible


def read(site: Path, language: str, page: str) -> str:
    return built_page(site, language, Path(page)).read_text(encoding="utf-8")


@pytest.mark.parametrize("language", LANGUAGES.all)
def test_every_page_is_built_in_every_language(site, language):
    missing = [p for p in page_paths(SOURCE_LANGUAGE) if not built_page(site, language, p).exists()]

    assert missing == []


def test_code_is_included_and_the_markers_are_gone(site):
    html = read(site, SOURCE_LANGUAGE, "steps/step01.md")

    assert "start_scheduler" in html
    assert "8&lt;" not in html and "--8<--" not in html


def test_a_code_include_is_titled_with_its_file(site):
    html = read(site, SOURCE_LANGUAGE, "steps/step01.md")

    assert '<span class="filename">step01_basic_eventproject/eventapp/apps.py</span>' in html


def test_the_step_diff_lists_the_files_then_each_diff_collapsed(site):
    html = read(site, SOURCE_LANGUAGE, "steps/step02.md")
    table = html.index("<table>")

    assert "<td><code>eventapp/updater/updater.py</code></td>" in html[table:]
    assert "<td>deleted</td>" in html  # executeupdate.py, gone in step 2
    first_details = html.index('<details class="note">', table)
    assert "+++ step02_decorators/eventapp/updater/updater.py" in html[first_details:]
    assert "8&lt;" not in html  # the snippet markers are out of the diff


@pytest.mark.parametrize("language", LANGUAGES.all)
@pytest.mark.parametrize("page", STEP_PAGES, ids=str)
def test_a_step_page_shows_little_diff_before_the_reader_opens_one(site, language, page):
    html = read(site, language, page)

    assert visible_diff_lines(html) <= MAX_VISIBLE_DIFF_LINES


def test_the_diff_check_counts_what_is_not_collapsed():
    diff = '<pre><code><span class="gi">+a</span>\n<span class="gd">-b</span>\n c\n</code></pre>'
    python = '<pre><code><span class="n">x</span>\ny\n</code></pre>'

    assert visible_diff_lines(diff + python) == 3
    assert visible_diff_lines(f"<details><summary>f</summary>{diff}</details>") == 0
    assert visible_diff_lines(f"<details open><summary>f</summary>{diff}</details>") == 3


@pytest.mark.parametrize("language", LANGUAGES.all)
def test_generated_words_are_in_the_language_of_the_page(site, language):
    """The diff table's words come from each language's extra.generated_text in mkdocs.yml."""
    text = generated_text(language)

    assert text.keys() == generated_text(SOURCE_LANGUAGE).keys()
    assert f"<th>{text['diff_file']}</th>" in read(site, language, "steps/step02.md")


def test_diagrams_are_rendered_as_mermaid_with_the_bundled_script(site):
    html = read(site, SOURCE_LANGUAGE, "steps/step01.md")
    script = re.search(r'<script src="(?P<src>[^"]*/mermaid-[\d.]+\.min\.js)"', html)

    assert '<pre class="mermaid"><code>' in html
    assert script, "the page does not load the bundled mermaid"
    assert (site / "steps" / "step01" / script["src"]).resolve().is_file()


def test_the_language_switcher_links_each_translation(site):
    html = read(site, SOURCE_LANGUAGE, "steps/step01.md")

    for language in TRANSLATIONS:
        assert f"/{language}/steps/step01/" in html


def test_korean_pages_break_lines_between_words(site):
    html = read(site, "ko", "index.md")
    sheet = re.search(r'<link rel="stylesheet" href="(?P<href>[^"]*korean\.css)"', html)
    css = (site / "ko" / sheet["href"]).resolve().read_text(encoding="utf-8")

    assert '<html lang="ko"' in html
    assert re.search(r":lang\(ko\)[^{]*\{[^}]*word-break:\s*keep-all", css)


@pytest.mark.parametrize("language", LANGUAGES.all)
def test_each_language_searches_with_the_chinese_word_separator(site, language):
    path = site / LANGUAGES.prefix(language) / "search" / "search_index.json"
    index = json.loads(path.read_text(encoding="utf-8"))

    assert index["config"]["lang"][0] in {"en", language}
    assert "\\u200b" in index["config"]["separator"]


def test_chinese_words_are_split_for_search(site):
    index = json.loads((site / "zh" / "search" / "search_index.json").read_text(encoding="utf-8"))
    with_han = [doc["text"] for doc in index["docs"] if HAN.search(doc["text"])]

    assert with_han
    # jieba segments Chinese text with zero-width spaces, which the separator splits on.
    assert all("\u200b" in text for text in with_han)


def test_translated_pages_fetch_their_own_language_index(site):
    config = re.search(
        r'<script id="__config" type="application/json">(?P<json>.*?)</script>',
        read(site, "ru", "steps/step01.md"),
        re.DOTALL,
    )

    assert json.loads(config["json"])["base"] == "../../../ru/"


def test_the_site_does_not_copy_the_captured_output(site):
    assert (ROOT / "docs" / "output").is_dir()
    assert not (site / "output").exists()
