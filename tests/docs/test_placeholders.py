"""The hooks' rewrites of a page (tools/docs_hooks.py): placeholders and code block titles."""

from pathlib import Path
from types import SimpleNamespace

import docs_hooks
import markdown
import pytest
from docsite import downloads, output
from docsite.markdown import language_of
from mkdocs.exceptions import PluginError
from pages import CONFIG, LANGUAGES, ROOT

docs_hooks.on_config(CONFIG)
STEP = "step01_basic_eventproject"


def page(src_uri: str = "en/steps/step09.md", url: str = "steps/step09/"):
    return SimpleNamespace(file=SimpleNamespace(src_uri=src_uri), url=url)


def rewrite(text: str, on=None) -> str:
    return docs_hooks.on_page_markdown(text, page=on or page(), config=CONFIG, files=None)


def to_html(text: str, monkeypatch) -> str:
    """The page as the site's Markdown extensions render it (snippets read from the repository)."""
    monkeypatch.chdir(ROOT)
    return markdown.markdown(
        rewrite(text), extensions=CONFIG.markdown_extensions, extension_configs=CONFIG.mdx_configs
    )


# Code block titles


def test_a_block_with_one_include_gets_the_file_as_title():
    text = '```python hl_lines="1 5"\n--8<-- "step02_decorators/eventapp/apps.py:ready"\n```\n'

    assert rewrite(text) == (
        '```python title="step02_decorators/eventapp/apps.py" hl_lines="1 5"\n'
        '--8<-- "step02_decorators/eventapp/apps.py:ready"\n```\n'
    )


def test_an_indented_block_without_a_language_gets_one_from_the_file():
    text = '!!! note\n\n    ```\n    --8<-- "tests/harness.py"\n    ```\n'

    assert '    ```python title="tests/harness.py"\n' in rewrite(text)


@pytest.mark.parametrize(
    "text",
    [
        '```python title="The job"\n--8<-- "step02_decorators/eventapp/apps.py"\n```\n',
        '```python\nimport os\n--8<-- "step02_decorators/eventapp/apps.py"\n```\n',
        "```sh\nmake run\n```\n",
    ],
    ids=["a title of its own", "more than the include", "no include"],
)
def test_other_blocks_are_left_as_they_are(text):
    assert rewrite(text) == text


# <!-- files: STEP PATH... -->


def test_files_are_shown_whole_each_collapsed_with_its_path(monkeypatch):
    html = to_html(
        f"<!-- files: {STEP} eventapp/models.py eventapp/templates/eventapp/index.html -->\n",
        monkeypatch,
    )

    assert html.count('<details class="note">') == 2
    assert "<summary>eventapp/models.py</summary>" in html
    assert f'<span class="filename">{STEP}/eventapp/models.py</span>' in html
    assert "SaveEvent" in html and "auto_now_add" in html  # the whole file, not a section
    assert "<summary>eventapp/templates/eventapp/index.html</summary>" in html


@pytest.mark.parametrize(
    ("name", "language"),
    [
        ("eventapp/models.py", "python"),
        ("templates/index.html", "html+django"),
        ("pytest.ini", "ini"),
        ("pyproject.toml", "toml"),
        ("requirements.txt", "text"),
        ("Procfile", "ini"),
        ("deploy/scheduler.service", "ini"),
    ],
)
def test_the_language_comes_from_the_file_name(name, language):
    assert language_of(name) == language


def test_a_missing_file_stops_the_build_naming_the_page():
    with pytest.raises(
        PluginError, match=rf"en/steps/step09\.md: .*{STEP}/eventapp/nope\.py does not"
    ):
        rewrite(f"<!-- files: {STEP} eventapp/models.py eventapp/nope.py -->\n")


def test_a_path_outside_the_step_stops_the_build():
    with pytest.raises(PluginError, match="inside the step folder"):
        rewrite(f"<!-- files: {STEP} ../README.md -->\n")


# <!-- download: STEP -->


@pytest.mark.parametrize("language", LANGUAGES.all)
def test_the_download_link_works_from_every_language(language, monkeypatch):
    monkeypatch.setitem(CONFIG, "repo_url", "")
    url = f"{LANGUAGES.prefix(language)}steps/step01/"

    link = rewrite(f"<!-- download: {STEP} -->\n", on=page(f"{language}/steps/step01.md", url))

    href = link.split('href="', 1)[1].split('"', 1)[0]
    resolved = Path("/site", url, href).resolve()
    assert resolved == Path("/site/downloads", f"{STEP}.zip")
    assert "/tree/main/" not in link  # built without REPO_URL


def test_with_a_repository_address_the_step_folder_is_linked_too(monkeypatch):
    monkeypatch.setitem(CONFIG, "repo_url", "https://git.example.org/tutorial/")

    link = rewrite(f"<!-- download: {STEP} -->\n")

    assert f"(https://git.example.org/tutorial/tree/main/{STEP})" in link


def test_a_download_of_a_missing_step_stops_the_build():
    with pytest.raises(PluginError, match=r"step09\.md: .*'step08_none' does not exist"):
        rewrite("<!-- download: step08_none -->\n")


def test_relative_links_from_pages_of_any_depth():
    assert downloads.relative_url("", "downloads/a.zip") == "downloads/a.zip"
    assert downloads.relative_url("ru/", "downloads/a.zip") == "../downloads/a.zip"
    assert (
        downloads.relative_url("ko/steps/step01/", "downloads/a.zip") == "../../../downloads/a.zip"
    )


# <!-- output: NAME -->


def test_captured_output_is_shown_as_a_titled_console_block(tmp_path):
    (tmp_path / "docs" / "output").mkdir(parents=True)
    (tmp_path / "docs" / "output" / "runserver.txt").write_text("Starting ```server```\n")

    block = output.render(tmp_path, "runserver", "what you will see")

    assert block == '````text title="what you will see"\nStarting ```server```\n````'


def test_missing_output_stops_the_build_naming_the_page():
    with pytest.raises(PluginError, match=r"step09\.md: .*docs/output/no-such-run\.txt does not"):
        rewrite("<!-- output: no-such-run -->\n")


# Placeholders in general


def test_a_placeholder_with_the_wrong_arguments_says_how_to_write_it():
    with pytest.raises(PluginError, match=r"write it as <!-- diff: STEP_A STEP_B -->"):
        rewrite(f"<!-- diff: {STEP} -->\n")


def test_a_placeholder_shown_in_a_code_block_stays_text():
    text = f"```md\n<!-- download: {STEP} -->\n```\n"

    assert rewrite(text) == text


def test_a_diff_placeholder_names_the_page_when_a_step_is_missing():
    with pytest.raises(PluginError, match=r"en/steps/step09\.md: .*'step07_missing' does not"):
        rewrite(f"<!-- diff: {STEP} step07_missing -->\n")


# No English page in another language's site


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
    assert rewrite("Text\n", on=page(src_uri, url)) == "Text\n"


def test_an_english_page_standing_in_for_a_translation_stops_the_build():
    """What mkdocs-static-i18n does for a missing ko/setup.md with fallback on."""
    with pytest.raises(PluginError, match=r"docs/ko/setup\.md is missing"):
        rewrite("Text\n", on=page("en/setup.md", "ko/setup/"))
