"""The real site build: all four languages, strict, into a scratch folder."""

import json
import re

import pytest
from pages import LANGUAGES, SOURCE_LANGUAGE, TRANSLATIONS, page_paths

HAN = re.compile(r"[\u4e00-\u9fff]")


def html_path(site, language, page):
    folder = site / LANGUAGES.prefix(language)
    stem = page.with_suffix("")
    return folder / ("index.html" if stem.name == "index" else stem / "index.html")


@pytest.mark.parametrize("language", [SOURCE_LANGUAGE, *TRANSLATIONS])
def test_every_page_is_built_in_every_language(site, language):
    missing = [p for p in page_paths(SOURCE_LANGUAGE) if not html_path(site, language, p).exists()]

    assert missing == []


def test_code_is_included_and_the_markers_are_gone(site):
    html = (site / "steps" / "step01" / "index.html").read_text(encoding="utf-8")

    assert "build_scheduler" in html
    assert "8&lt;" not in html and "--8<--" not in html


def test_the_step_diff_is_rendered_with_its_snippet_markers(site):
    html = (site / "steps" / "step02" / "index.html").read_text(encoding="utf-8")

    assert "+++ step02_decorators/eventapp/updater/updater.py" in html
    assert "--8&lt;-- [start:scheduler]" in html  # kept as text, not eaten by snippets


def test_diagrams_are_rendered_as_mermaid(site):
    html = (site / "steps" / "step01" / "index.html").read_text(encoding="utf-8")

    assert '<pre class="mermaid"><code>' in html


def test_the_language_switcher_links_each_translation(site):
    html = (site / "steps" / "step01" / "index.html").read_text(encoding="utf-8")

    for language in TRANSLATIONS:
        assert f'href="/{language}/steps/step01/"' in html or f"/{language}/steps/step01/" in html


def test_search_knows_every_language_and_splits_chinese_words(site):
    index = json.loads((site / "search" / "search_index.json").read_text(encoding="utf-8"))

    assert set(index["config"]["lang"]) >= set(LANGUAGES.all)
    assert "\\u200b" in index["config"]["separator"]
    chinese = [doc["text"] for doc in index["docs"] if doc["location"].startswith("zh/")]
    with_han = [text for text in chinese if HAN.search(text)]
    # jieba segments Chinese text with zero-width spaces, which the separator splits on.
    assert all("\u200b" in text for text in with_han)
