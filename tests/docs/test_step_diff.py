"""The build-time diff between two step folders (tools/docs_hooks.py)."""

import importlib.util
from types import SimpleNamespace

import pytest
from mkdocs.exceptions import PluginError
from pages import CONFIG, ROOT

spec = importlib.util.spec_from_file_location("docs_hooks", ROOT / "tools" / "docs_hooks.py")
docs_hooks = importlib.util.module_from_spec(spec)
spec.loader.exec_module(docs_hooks)
docs_hooks.on_config(CONFIG)

PAGE = SimpleNamespace(file=SimpleNamespace(src_uri="en/steps/step09.md"), url="steps/step09/")


@pytest.fixture
def steps(tmp_path, monkeypatch):
    """Two small step folders in a scratch repository root."""
    monkeypatch.setattr(docs_hooks, "ROOT", tmp_path)
    old, new = tmp_path / "step01_a", tmp_path / "step02_b"
    for step in (old, new):
        (step / "app" / "migrations").mkdir(parents=True)
        (step / "app" / "__pycache__").mkdir()
        (step / "app" / "same.py").write_text("unchanged = True\n")
    (old / "app" / "jobs.py").write_text("EVERY = 1\nNAME = 'save'\n")
    (new / "app" / "jobs.py").write_text("# --8<-- [start:jobs]\nEVERY = 5\nNAME = 'save'\n")
    (old / "app" / "gone.py").write_text("old = 1\n")
    (new / "app" / "added.py").write_text("new = 1\n")
    for step, text in ((old, "a"), (new, "b")):
        (step / "app" / "migrations" / "0001_initial.py").write_text(text)
        (step / "app" / "__pycache__" / "jobs.cpython-311.pyc").write_text(text)
        (step / "db.sqlite3").write_text(text)
        (step / "pytest.ini").write_text(text)
        (step / ".coverage").write_text(text)
        (step / "image.png").write_bytes(b"\x89PNG\r\n\x1a\n\xf1" + text.encode())
    return old.name, new.name


def render(markdown: str) -> str:
    return docs_hooks.on_page_markdown(markdown, page=PAGE, config=CONFIG, files=None)


def test_the_placeholder_becomes_a_diff_block(steps):
    old, new = steps

    html = render(f"Before\n\n<!-- diff: {old} {new} -->\n\nAfter\n")

    assert html.startswith("Before\n\n```diff\n")
    assert html.endswith("```\n\nAfter\n")
    assert f"--- {old}/app/jobs.py\n+++ {new}/app/jobs.py\n" in html
    assert "-EVERY = 1\n+# ;--8<-- [start:jobs]\n+EVERY = 5\n NAME = 'save'\n" in html


def test_snippet_markers_in_the_code_stay_text(steps):
    """Escaped for pymdownx.snippets, which would otherwise drop the line."""
    html = render("<!-- diff: {} {} -->".format(*steps))

    assert "+# ;--8<-- [start:jobs]\n" in html


def test_added_and_removed_files_show_against_dev_null(steps):
    old, new = steps

    html = render(f"<!-- diff: {old} {new} -->")

    assert f"--- {old}/app/gone.py\n+++ /dev/null\n" in html
    assert f"--- /dev/null\n+++ {new}/app/added.py\n" in html


def test_generated_and_local_files_are_left_out(steps):
    html = render("<!-- diff: {} {} -->".format(*steps))

    left_out_files = ("same.py", "migrations", "__pycache__", "db.sqlite3", "pytest.ini")
    for left_out in (*left_out_files, ".coverage", "image.png"):
        assert left_out not in html


def test_a_missing_step_stops_the_build_and_names_the_page_and_folder(steps):
    old, _ = steps

    with pytest.raises(PluginError, match=r"en/steps/step09\.md: .*'step07_missing' does not"):
        render(f"<!-- diff: {old} step07_missing -->")


def test_the_real_step_one_has_no_diff_with_itself():
    html = render("<!-- diff: step01_basic_eventproject step01_basic_eventproject -->")

    assert "hold the same code" in html


@pytest.mark.parametrize(
    ("src_uri", "url"),
    [
        ("en/setup.md", "setup/"),
        ("ru/setup.md", "ru/setup/"),
        ("zh/steps/step01.md", "zh/steps/step01/"),
        ("ko/index.md", "ko/"),
    ],
)
def test_a_page_in_its_own_language_builds(src_uri, url):
    page = SimpleNamespace(file=SimpleNamespace(src_uri=src_uri), url=url)

    assert docs_hooks.on_page_markdown("Text\n", page=page, config=CONFIG, files=None) == "Text\n"


def test_an_english_page_standing_in_for_a_translation_stops_the_build():
    """What mkdocs-static-i18n does for a missing ko/setup.md with fallback on."""
    page = SimpleNamespace(file=SimpleNamespace(src_uri="en/setup.md"), url="ko/setup/")

    with pytest.raises(PluginError, match=r"docs/ko/setup\.md is missing"):
        docs_hooks.on_page_markdown("Text\n", page=page, config=CONFIG, files=None)
