"""Every code include on every page points at a file and a section that exist."""

import re

import pytest
from pages import ROOT, SOURCE_LANGUAGE, TRANSLATIONS, pages

INCLUDES = sorted(
    {
        target
        for language in (SOURCE_LANGUAGE, *TRANSLATIONS)
        for page in pages(language)
        for target in page.snippet_targets
    }
)


def split_target(target: str) -> tuple[str, str | None]:
    path, _, section = target.partition(":")
    return path, section or None


def test_the_pages_include_code():
    assert any(target.startswith("step01_basic_eventproject/") for target in INCLUDES)


@pytest.mark.parametrize("target", INCLUDES)
def test_the_included_section_exists(target):
    path, section = split_target(target)
    file = ROOT / path

    assert file.is_file(), f"{path} does not exist"
    if section is not None:
        text = file.read_text(encoding="utf-8")
        for marker in ("start", "end"):
            assert re.search(rf"--8<-- \[{marker}:{re.escape(section)}\]", text), (
                f"{path} has no '[{marker}:{section}]' marker"
            )
