"""A file name stays a file name: Markdown must not read the underscores of
``__init__.py`` as bold and print **init**.py. Every built page is checked, so text the
hooks write (a diff's file titles) is checked too."""

import re

import markdown
import pytest
from docsite import listings
from pages import CONFIG, LANGUAGES, ROOT, SOURCE_LANGUAGE, built_page, page_paths

# Bold or emphasis around a bare name that touches a file name's characters, such as
# eventproject/<strong>init</strong>.py: underscores Markdown took for markup.
SWALLOWED = re.compile(
    r"(?P<before>[A-Za-z0-9_./-]?)<(?P<tag>strong|em)>(?P<name>[A-Za-z0-9_.-]+)</(?P=tag)>"
    r"(?P<after>[A-Za-z0-9_/]|\.[A-Za-z0-9])?"
)


def swallowed_underscores(html: str) -> list[str]:
    """Each place where a file name seems to have lost underscores to bold or emphasis."""
    return [m[0] for m in SWALLOWED.finditer(html) if m["before"] or m["after"]]


def render(text: str) -> str:
    """Markdown as the site's extensions render it."""
    return markdown.markdown(
        text, extensions=CONFIG.markdown_extensions, extension_configs=CONFIG.mdx_configs
    )


@pytest.mark.parametrize("language", LANGUAGES.all)
def test_no_page_turns_underscores_of_a_file_name_into_bold(site, language):
    found = {
        str(path): hits
        for path in sorted(page_paths(SOURCE_LANGUAGE))
        if (hits := swallowed_underscores(built_page(site, language, path).read_text("utf-8")))
    }

    assert found == {}, "write file names in `code`, or escape their underscores: \\_"


@pytest.mark.parametrize(
    "text",
    [
        "Edit eventproject/__init__.py first.",
        "Its app loads __main__.py, then _private_.py.",
        '??? note "eventproject/__init__.py"\n\n    The file.\n',
    ],
    ids=["in prose", "emphasis", "a collapsed block's title"],
)
def test_a_file_name_read_as_markup_is_found(text):
    assert swallowed_underscores(render(text)) != []


@pytest.mark.parametrize(
    "text",
    [
        "Edit `eventproject/__init__.py` first.",
        r"Edit eventproject/\_\_init\_\_.py first.",
        "**Several web workers.** Each one runs a scheduler.",
        "It ends as *Executed*, *Error!* or *Missed!*.",
        "cron은 매월 13일*과* 매주 금요일에 실행합니다.",
        "Beat runs **once**, not *twice*: (*once*).",
    ],
    ids=["code", "escaped", "bold", "emphasis", "Korean", "words"],
)
def test_emphasis_that_is_meant_is_not_found(text):
    assert swallowed_underscores(render(text)) == []


def test_a_file_listing_titles_a_dunder_file_as_it_is_named(monkeypatch):
    """The hooks' own titles: ``<!-- files: -->`` and ``<!-- diff: -->`` name files so."""
    monkeypatch.chdir(ROOT)  # where pymdownx.snippets reads the included files from
    html = render(listings.render(ROOT, "step01_basic_eventproject", ["eventapp/__init__.py"]))

    assert "<summary>eventapp/__init__.py</summary>" in html
    assert swallowed_underscores(html) == []
