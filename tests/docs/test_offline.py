"""The built site in a real browser that may reach nothing but the local server.

Diagrams must render from the Mermaid bundled with the site (Material for MkDocs
would fetch it from a CDN otherwise), and Korean text must break between words.
"""

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from pages import LANGUAGES, Page, pages

LOCAL_HOSTS = {"127.0.0.1", "localhost"}
# Pages with a diagram, found in the sources: the first in each language.
DIAGRAM_PAGES = {
    language: next(page for page in pages(language) if page.mermaid_blocks)
    for language in LANGUAGES.all
}


@pytest.fixture
def offline_page(browser):
    """A page whose requests to any host but this machine fail; ``blocked`` lists them."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    blocked: list[str] = []

    def only_local(route) -> None:
        if urlsplit(route.request.url).hostname in LOCAL_HOSTS:
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort()

    context.route("**/*", only_local)
    page = context.new_page()
    page.blocked = blocked
    yield page
    context.close()


def url_of(site_url: str, page: Page) -> str:
    stem = page.path.with_suffix("").as_posix()
    address = "" if stem == "index" else f"{stem.removesuffix('/index')}/"
    return f"{site_url}/{LANGUAGES.prefix(page.language)}{address}"


def rendered_diagrams(page) -> int:
    """How many .mermaid elements hold an <svg>. Material puts each diagram in a closed
    shadow root, out of reach of page scripts; the DevTools protocol still sees it."""
    session = page.context.new_cdp_session(page)
    document = session.send("DOM.getDocument", {"depth": -1, "pierce": True})["root"]

    def svg_inside(node) -> bool:
        children = [*node.get("children", []), *node.get("shadowRoots", [])]
        return node.get("nodeName") == "svg" or any(svg_inside(child) for child in children)

    def count(node) -> int:
        attributes = node.get("attributes", [])
        classes = dict(zip(attributes[::2], attributes[1::2], strict=True)).get("class", "")
        if "mermaid" in classes.split() and svg_inside(node):
            return 1
        children = [*node.get("children", []), *node.get("shadowRoots", [])]
        return sum(count(child) for child in children)

    return count(document)


@pytest.mark.parametrize("language", LANGUAGES.all)
def test_diagrams_render_with_no_network(site_url, offline_page, language):
    source = DIAGRAM_PAGES[language]

    offline_page.goto(url_of(site_url, source))
    try:
        # Material swaps each <pre class="mermaid"> for a <div class="mermaid"> once drawn.
        offline_page.wait_for_function(
            "n => document.querySelectorAll('div.mermaid').length === n",
            arg=len(source.mermaid_blocks),
            timeout=30_000,
        )
    except PlaywrightTimeout:
        pytest.fail(f"no diagram drawn on {source.file}; blocked: {offline_page.blocked}")

    assert rendered_diagrams(offline_page) == len(source.mermaid_blocks)
    assert offline_page.blocked == []


@pytest.mark.parametrize(("language", "word_break"), [("ko", "keep-all"), ("en", "normal")])
def test_korean_text_breaks_between_words(site_url, offline_page, language, word_break):
    offline_page.goto(f"{site_url}/{LANGUAGES.prefix(language)}")

    computed = offline_page.eval_on_selector(
        "article.md-typeset p", "p => getComputedStyle(p).wordBreak"
    )

    assert computed == word_break
