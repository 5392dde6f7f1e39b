"""Each language's site searches its own pages, Chinese and Korean included, in a real browser.

Words are taken from each language's search index in the built site, typed into
the site's search box, and must find pages of that language and no other.
"""

import json
import re

import pytest
from pages import LANGUAGES

# A word in each language's own script, long enough to mean something.
WORDS = {
    "en": re.compile(r"scheduler"),
    "ru": re.compile(r"[\u0430-\u044f\u0451]{6,}"),
    "ko": re.compile(r"[\uac00-\ud7a3]{3,}"),
    "zh": re.compile(r"[\u4e00-\u9fff]{2,}"),
}
IDENTIFIER = re.compile(r"[a-z]+(_[a-z]+){2,}")
PAGE_ADDRESS = re.compile(r"^(?P<path>[^#?]*)")


def search_index(site, language: str) -> dict:
    index = site / LANGUAGES.prefix(language) / "search" / "search_index.json"
    return json.loads(index.read_text(encoding="utf-8"))


def tokens(site, language: str) -> list[str]:
    """The language's index split into words the way the browser splits them."""
    index = search_index(site, language)
    separator = re.compile(index["config"]["separator"])
    text = " ".join(re.sub(r"<[^>]+>", " ", doc["text"]).lower() for doc in index["docs"])
    return separator.split(text)


def a_word_of(site, language: str) -> str:
    word = next((t for t in tokens(site, language) if WORDS[language].fullmatch(t)), None)
    if word is None:
        pytest.fail(f"the {language} pages hold no {language} words: not translated yet?")
    return word


def an_identifier_in_every_language(site) -> str:
    """A name from the code (like misfire_grace_time) that every language's pages mention."""
    found = [{t for t in tokens(site, lang) if IDENTIFIER.fullmatch(t)} for lang in LANGUAGES.all]
    shared = sorted(set.intersection(*found))
    assert shared, "no code name appears on the pages of every language"
    return shared[0]


def type_query(page, query: str) -> None:
    page.fill("input.md-search__input", query)
    # Material searches on keyup, and again once its index is ready.
    page.press("input.md-search__input", "End")


def search(page, query: str) -> list[str]:
    """The addresses of the results the site's search box shows for ``query``."""
    type_query(page, "")  # no results left over from an earlier query
    page.wait_for_selector(".md-search-result__item", state="detached", timeout=30_000)
    type_query(page, query)
    # The browser builds the language's index first: seconds under load.
    page.wait_for_selector(".md-search-result__item", timeout=30_000)
    return page.eval_on_selector_all(".md-search-result__item a", "links => links.map(a => a.href)")


def languages_of(links: list[str], site_url: str) -> set[str]:
    return {LANGUAGES.of_url(link.removeprefix(site_url)) for link in links}


@pytest.mark.parametrize("language", LANGUAGES.all)
def test_each_language_has_an_index_of_its_own_pages(site, language):
    index = search_index(site, language)
    locations = [doc["location"] for doc in index["docs"]]
    pages = {PAGE_ADDRESS.match(location)["path"] for location in locations}
    language_site = site / LANGUAGES.prefix(language)
    missing = [page for page in pages if not (language_site / page / "index.html").exists()]
    other_sites = tuple(LANGUAGES.prefix(other) for other in LANGUAGES.others)
    elsewhere = [location for location in locations if location.startswith(other_sites)]

    assert locations, f"the {language} index is empty"
    assert elsewhere == [], f"the {language} index holds other languages' pages"
    assert missing == [], f"the {language} index points at pages that are not in its site"


@pytest.mark.parametrize("language", LANGUAGES.all)
def test_search_finds_the_pages_of_the_language_and_no_other(site, site_url, browser, language):
    word, name = a_word_of(site, language), an_identifier_in_every_language(site)
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    try:
        page.goto(f"{site_url}/{LANGUAGES.prefix(language)}")
        found_by_word = search(page, word)
        found_by_name = search(page, name)
    finally:
        page.close()

    assert languages_of(found_by_word, site_url) == {language}, (word, found_by_word[:5])
    # A name from the code that every language's pages mention, found once, in this language.
    assert languages_of(found_by_name, site_url) == {language}, (name, found_by_name[:5])
    assert len(found_by_name) == len(set(found_by_name)), "a section shows more than once"
