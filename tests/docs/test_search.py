"""Search works in every language, Chinese included, in a real browser.

A word is taken from each language's pages in the built search index, typed into
the site's search box, and must find that language's pages.
"""

import json
import os
import re
import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import pytest
from pages import LANGUAGES
from support.browser import chromium, chromium_path

# A word in each language's own script, long enough to mean something.
WORDS = {
    "en": re.compile(r"scheduler"),
    "ru": re.compile(r"[\u0430-\u044f\u0451]{6,}"),
    "ko": re.compile(r"[\uac00-\ud7a3]{3,}"),
    "zh": re.compile(r"[\u4e00-\u9fff]{2,}"),
}


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format, *args) -> None:
        pass


@pytest.fixture(scope="module")
def site_url(site):
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(QuietHandler, directory=str(site)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser():
    if chromium_path() is None and os.environ.get("CI") == "true":
        pytest.fail("CI needs chromium for the search test: apt-get install chromium")
    with chromium() as browser:
        yield browser


def a_word_of(site, language: str) -> str:
    """A word from the language's pages, as the search index split it."""
    index = json.loads((site / "search" / "search_index.json").read_text(encoding="utf-8"))
    separator = re.compile(index["config"]["separator"])
    for doc in index["docs"]:
        if LANGUAGES.of_url(doc["location"]) != language:
            continue
        text = re.sub(r"<[^>]+>", " ", doc["text"]).lower()
        for token in separator.split(text):
            if WORDS[language].fullmatch(token):
                return token
    pytest.fail(f"the {language} pages hold no {language} words: not translated yet?")


@pytest.mark.parametrize("language", LANGUAGES.all)
def test_search_finds_the_pages_of_the_language(site, site_url, browser, language):
    word = a_word_of(site, language)
    home = f"{site_url}/{LANGUAGES.prefix(language)}"
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    try:
        page.goto(home)
        page.fill("input.md-search__input", word)
        # The browser builds the index of all four languages first: seconds under load.
        page.wait_for_selector(".md-search-result__item", timeout=30_000)
        links = page.eval_on_selector_all(
            ".md-search-result__item a", "links => links.map(a => a.href)"
        )
    finally:
        page.close()

    in_language = [l for l in links if LANGUAGES.of_url(l.removeprefix(site_url)) == language]
    assert in_language, f"searching {word!r} on {home} found {links[:5]}"
