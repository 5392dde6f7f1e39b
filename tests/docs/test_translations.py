"""Every page exists in every language, and a translation keeps what must not change."""

from pathlib import Path

import pytest
from pages import SOURCE_LANGUAGE, TRANSLATIONS, Page, mermaid_structure, page_paths, pages

# A translated page may share a few lines with the English one (a name, a
# command in a sentence); more than this share means it was not translated.
MAX_SHARED_PROSE = 0.2

ENGLISH = pages(SOURCE_LANGUAGE)
PAIRS = [
    pytest.param(english, Page(language, english.path), id=f"{language}/{english.path}")
    for language in TRANSLATIONS
    for english in ENGLISH
]


def test_there_are_english_pages():
    assert {Path("index.md"), Path("steps/step01.md")} <= page_paths(SOURCE_LANGUAGE)


@pytest.mark.parametrize("language", TRANSLATIONS)
def test_every_page_exists_in_every_language(language):
    english = page_paths(SOURCE_LANGUAGE)
    translated = page_paths(language)

    assert sorted(english - translated) == [], f"missing in docs/{language}/"
    assert sorted(translated - english) == [], f"in docs/{language}/ but not in docs/en/"


@pytest.mark.parametrize("page", ENGLISH, ids=lambda page: str(page.path))
def test_every_english_heading_has_an_explicit_id(page):
    missing = [h for h, i in zip(page.headings, page.heading_ids, strict=True) if i is None]

    assert missing == [], "add {#some-id} to these headings, so anchors survive translation"


@pytest.mark.parametrize(("english", "translated"), PAIRS)
def test_translation_keeps_the_heading_anchors(english, translated):
    assert translated.file.exists(), f"{translated.file} is missing"
    assert translated.heading_ids == english.heading_ids


@pytest.mark.parametrize(("english", "translated"), PAIRS)
def test_translation_keeps_the_code_includes(english, translated):
    assert translated.file.exists(), f"{translated.file} is missing"
    assert translated.snippet_lines == english.snippet_lines
    assert translated.placeholders == english.placeholders


@pytest.mark.parametrize(("english", "translated"), PAIRS)
def test_translation_keeps_the_diagrams(english, translated):
    """Same diagrams, same nodes and edges; the labels may be translated."""
    assert translated.file.exists(), f"{translated.file} is missing"
    assert len(translated.mermaid_blocks) == len(english.mermaid_blocks)
    assert translated.mermaid_structures == english.mermaid_structures


DIAGRAM = """\
flowchart LR
    subgraph web["web server"]
        w1["worker 1"]
    end
    db[("database<br/>jobs")]
    job(run it)
    w1 -- "writes" --> db
    w1 -->|reads| job
"""


@pytest.mark.parametrize(
    "translated",
    [
        DIAGRAM.replace("web server", "веб-сервер").replace("writes", "пишет"),
        DIAGRAM.replace("database<br/>jobs", "数据库<br/>任务").replace("run it", "실행"),
        DIAGRAM.replace('-- "writes" -->', "-- 쓴다 -->").replace("|reads|", "|читает|"),
    ],
    ids=["quoted labels", "shapes keep their brackets", "edge labels"],
)
def test_a_diagram_may_translate_its_labels(translated):
    assert mermaid_structure(translated) == mermaid_structure(DIAGRAM)


@pytest.mark.parametrize(
    "changed",
    [
        DIAGRAM.replace("w1 -->|reads| job", "db -->|reads| job"),
        DIAGRAM.replace("flowchart LR", "flowchart TB"),
        DIAGRAM.replace('db[("database', 'db["database').replace('jobs")]', 'jobs"]'),
        DIAGRAM.replace("    job(run it)\n", ""),
    ],
    ids=["an edge", "the direction", "a node's shape", "a node"],
)
def test_a_diagram_may_not_change_its_structure(changed):
    assert mermaid_structure(changed) != mermaid_structure(DIAGRAM)


@pytest.mark.parametrize(("english", "translated"), PAIRS)
def test_translation_is_not_a_copy_of_the_english_page(english, translated):
    assert translated.file.exists(), f"{translated.file} is missing"
    english_lines = set(english.prose_lines)
    prose = translated.prose_lines
    shared = [line for line in prose if line in english_lines]

    assert prose, "the page has no prose"
    assert len(shared) / len(prose) <= MAX_SHARED_PROSE, (
        f"{len(shared)} of {len(prose)} prose lines are the English ones, e.g. {shared[:3]}"
    )
