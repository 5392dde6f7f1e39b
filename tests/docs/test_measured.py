"""A measured figure says where it comes from.

The convention: a paragraph that states a measurement ("measured", "in 6 of 45 runs",
"took 2 s", "takes about a second", "1.9 to 2.4 s", "12 ms", "+3%") carries, anywhere
in the same paragraph (usually as its last line), an HTML comment naming what measured
it:

    <!-- measured: tests/production/test_gunicorn_and_schedulers.py -->
    <!-- measured: make bench -->

Each source is a file in the repository or ``make TARGET``; several may follow one
another. The comment is not shown to the reader; it tells the next maintainer which
test or tool to run again when a figure looks stale. A translation carries the same
comments, in the same order, as the English page.
"""

import re

import pytest
from pages import CODE_SPAN, MEASURED, ROOT, SOURCE_LANGUAGE, TRANSLATIONS, Page, pages

# Units and range dashes as the four languages write them (Cyrillic letters, en dash).
UNIT = r"(?:ms|s|seconds?|minutes?|мс|с|секунд\w*|초|秒|毫秒)(?![A-Za-z])"  # noqa: RUF001
DECIMAL = r"\d+[.,]\d+"
# What makes a figure a measurement rather than a setting ("every 2 s", "timeout 20").
MEASUREMENT = re.compile(
    "|".join(
        [
            r"\bmeasur(?:ed|ing)\b",
            r"\b\d+ of (?:about )?\d+ (?:\w+ )?runs\b",
            r"\btook \d",
            r"\b(?:takes|took) about\b",
            rf"{DECIMAL}\s*(?:{UNIT})?\s*(?:to|–|-|~|до|到)\s*{DECIMAL}\s*{UNIT}",  # noqa: RUF001
            # a few milliseconds, but not a period: "every 20 ms", "каждые 20 мс", "20 ms마다"
            r"(?<!every )(?<!каждые )(?<!每 )(?<!每)\b\d+(?:[.,]\d+)?\s?(?:ms|мс|毫秒)(?!마다)",
            r"[+-]?\d+(?:[.,]\d+)?\s?%",
        ]
    ),
    re.IGNORECASE,
)
ALL_PAGES = [page for language in (SOURCE_LANGUAGE, *TRANSLATIONS) for page in pages(language)]
MAKE_TARGETS = set(re.findall(r"^([\w-]+):", (ROOT / "Makefile").read_text(), re.MULTILINE))


def measurements(paragraph: str) -> list[str]:
    """The measured figures a paragraph states, its code spans and comments aside."""
    text = CODE_SPAN.sub("", MEASURED.sub("", paragraph))
    return [match[0] for match in MEASUREMENT.finditer(text.replace("\n", " "))]


def unsourced(paragraphs: list[str]) -> list[str]:
    """Each paragraph that states a measurement and names no source, shortened."""
    return [
        f"{', '.join(measurements(p))}: {p[:90]!r}"
        for p in paragraphs
        if measurements(p) and not MEASURED.search(p)
    ]


def missing_sources(sources: str) -> list[str]:
    """The sources a comment names that do not exist."""
    missing, words = [], iter(sources.split())
    for word in words:
        if word == "make":
            target = next(words, "")
            if target not in MAKE_TARGETS:
                missing.append(f"make {target}")
        elif not (ROOT / word).exists():
            missing.append(word)
    return missing


def page_id(page: Page) -> str:
    return f"{page.language}/{page.path}"


@pytest.mark.parametrize("page", ALL_PAGES, ids=page_id)
def test_every_measured_figure_says_where_it_comes_from(page):
    missing = unsourced(page.paragraphs)

    assert missing == [], "add <!-- measured: TEST_FILE or make TARGET --> to these"


@pytest.mark.parametrize("page", ALL_PAGES, ids=page_id)
def test_the_sources_named_exist(page):
    named = page.measured_sources
    assert [missing for sources in named for missing in missing_sources(sources)] == []


TRANSLATED = [Page(language, p.path) for language in TRANSLATIONS for p in pages(SOURCE_LANGUAGE)]


@pytest.mark.parametrize("page", TRANSLATED, ids=page_id)
def test_a_translation_names_the_same_sources(page):
    english = Page(SOURCE_LANGUAGE, page.path)

    assert page.measured_sources == english.measured_sources


# The rule itself, on made-up paragraphs.


@pytest.mark.parametrize(
    "paragraph",
    [
        "Measured with a 2-second lease: the standby ran jobs within seconds.",
        "In 6 of about 45 runs of that test here, the period ran twice.",
        "The build took 19 seconds.",
        "The whole run takes about three minutes on a 2-core machine.",
        "The standby took over 1.9 to 2.4 s after `SIGKILL`.",
        "резервный начинал через 1,9–2,4 с после `SIGKILL`",  # noqa: RUF001
        "대기 프로세스는 1.9~2.4초 뒤에 작업을 실행했습니다.",
        "备用调度器在 1.9 到 2.4 秒后开始执行任务",
        "One simulated day costs 850 ms.",
        "Coverage costs +3% on a simulated day.",
    ],
)
def test_a_measurement_without_a_source_is_found(paragraph):
    sourced = f"{paragraph}\n<!-- measured: tests/docs/test_measured.py -->"

    assert unsourced([paragraph]) != []
    assert unsourced([sourced]) == []


@pytest.mark.parametrize(
    "paragraph",
    [
        "The leader renews every fifth of the lease (2 s).",
        "a thread that, every 20 ms, moves the clock",
        "который каждые 20 мс переводит часы",
        "20 ms마다 시계를 옮기고",
        "大约每 20 毫秒就执行一次",
        "8 to 12 s later with the default `SCHEDULER_LEASE_SECONDS` of 10",
        "Python 3.10 to 3.14, and `timeout` of 20 s",
        "The figures in `took 2 s` are code, not prose.",
    ],
)
def test_a_setting_or_a_figure_from_the_code_is_not_a_measurement(paragraph):
    assert measurements(paragraph) == []


def test_a_source_must_exist():
    assert missing_sources("tests/docs/test_measured.py make bench") == []
    assert missing_sources("tests/nowhere.py make nothing") == ["tests/nowhere.py", "make nothing"]
