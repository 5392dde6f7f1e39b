"""Every command on a step's page works when pasted into a fresh clone, in the page's order.

The commands come from the built pages (tests/docs/commands.py says which text is a
command and how a reader types it). Only Linux and macOS commands run here; the
PowerShell blocks are the same steps for Windows, checked for their form only.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from functools import partial
from pathlib import Path

import pytest
from commands import (
    PORT,
    SHELLS,
    WINDOWS,
    Block,
    Clone,
    code_blocks,
    command_blocks,
    outside_the_venv,
    simple_commands,
    terminal,
)
from pages import LANGUAGES, ROOT, SOURCE_LANGUAGE, TRANSLATIONS, built_page, pages
from run_procfile import DEFAULT_BROKER_URL, redis_answers
from psycopg import sql
from support.postgres import server_connection
from support.processes import hear_ctrl_c

RUN = ["steps/step01.md", "steps/step03.md", "steps/step06.md", "steps/step08.md"]
# What a page's commands need from the machine, as the page says: step 8's Celery uses the
# Redis at CELERY_BROKER_URL's default.
NEEDS = {
    "steps/step08.md": (
        f"Redis at {DEFAULT_BROKER_URL}",
        partial(redis_answers, DEFAULT_BROKER_URL),
    )
}
# A command on those pages that this test cannot run, with the reason. It is reported, not
# run; an entry that no page holds any more fails the test below.
NOT_RUN: dict[str, str] = {}
# Databases a page creates: the test drops each after the page has run, and refuses to
# run the page where one exists already (it would be someone's).
CREATED_DATABASES = {"steps/step06.md": "events"}


def page_html(site: Path, language: str, page: str) -> str:
    return built_page(site, language, Path(page)).read_text(encoding="utf-8")


def every_page(languages: tuple[str, ...] = LANGUAGES.all) -> list[tuple[str, str]]:
    return [(language, str(page.path)) for language in languages for page in pages(language)]


@contextmanager
def dropped_afterwards(name: str) -> Iterator[None]:
    """Refuse if database NAME exists; drop it when the block ends."""
    with server_connection() as server:
        found = server.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
    if found:
        pytest.fail(f"a database named {name!r} exists: the page creates it; drop it first")
    try:
        yield
    finally:
        with server_connection() as server:
            drop = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)")
            server.execute(drop.format(sql.Identifier(name)))


@pytest.fixture(scope="module", autouse=True)
def servers_hear_ctrl_c():
    hear_ctrl_c()


@pytest.mark.parametrize("page", RUN)
def test_every_command_on_the_page_works_in_a_fresh_clone_in_the_order_given(
    site, page, tmp_path, capsys
):
    with ExitStack() as stack:
        run_the_page(site, page, tmp_path, capsys, stack)


def run_the_page(site: Path, page: str, tmp_path: Path, capsys, stack: ExitStack) -> None:
    if page in NEEDS and not NEEDS[page][1]():
        reason = f"{page}'s commands need {NEEDS[page][0]}, and none answers"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason}: CI starts it (.ci/run)")
        pytest.skip(reason)
    if page in CREATED_DATABASES:
        stack.enter_context(dropped_afterwards(CREATED_DATABASES[page]))
    built = page_html(site, SOURCE_LANGUAGE, page)
    blocks = command_blocks(built)
    windows = command_blocks(built, WINDOWS)
    clone = Clone(ROOT, tmp_path)
    log = [f"not run: {len(windows)} PowerShell blocks, Windows commands"] if windows else []
    begun = time.monotonic()

    for block in blocks:
        with terminal(clone, log) as reader:
            for command in block.commands:
                if command in NOT_RUN:
                    log.append(f"not run: `{command}`: {NOT_RUN[command]}")
                else:
                    reader.type(command)

    with capsys.disabled():  # what ran, in the test's output (-s not needed)
        print(f"\n{page}: {len(blocks)} blocks in {time.monotonic() - begun:.1f} s")
        print("\n".join(f"  {line}" for line in log))
    assert blocks, f"{page} gives no command to run"


@pytest.mark.parametrize("page", RUN)
def test_a_page_that_serves_names_the_port_it_serves_on(site, page):
    text = page_html(site, SOURCE_LANGUAGE, page)

    assert f"127.0.0.1:{PORT}" in text


@pytest.mark.parametrize(("language", "page"), every_page())
def test_a_page_runs_the_project_s_tools_from_the_virtual_environment(site, language, page):
    """``../.venv/bin/python manage.py ...``, never ``python manage.py ...``, which needs
    the environment activated first: the form the README and set-up page use."""
    blocks = command_blocks(page_html(site, language, page), SHELLS | WINDOWS)

    assert [command for block in blocks for command in outside_the_venv(block)] == []


@pytest.mark.parametrize(("language", "page"), every_page(TRANSLATIONS))
def test_a_translation_gives_the_english_page_s_commands(site, language, page):
    def commands(language: str) -> list[list[str]]:
        blocks = command_blocks(page_html(site, language, page), SHELLS | WINDOWS)
        return [
            [
                " ".join(words)
                for c in b.commands
                for words in simple_commands(c, b.language in WINDOWS)
            ]
            for b in blocks
        ]

    assert commands(language) == commands(SOURCE_LANGUAGE)


def test_every_command_left_out_is_still_on_a_page(site):
    on_pages = {
        command
        for page in RUN
        for b in command_blocks(page_html(site, "en", page))
        for command in b.commands
    }

    assert set(NOT_RUN) <= on_pages


# --- the rule that finds the commands, on small pages ----------------------------------

SH = (
    '<div class="language-sh highlight"><pre><span></span><code>'
    '<a id="l1"></a>cd<span class="w"> </span>step01\n'
    '<a id="l2"></a><span class="c1"># a comment</span>\n'
    '<a id="l3"></a>A<span class="o">=</span>1<span class="w"> </span>make run \\\n'
    '<a id="l4"></a>  STEP<span class="o">=</span>3  <span class="c1"># go</span>\n'
    "</code></pre></div>"
)
TITLED = (
    '<div class="language-bash highlight"><span class="filename">deploy/run.sh</span>'
    "<pre><span></span><code>rm -rf /\n</code></pre></div>"
)
CONSOLE = (
    '<div class="language-console highlight"><pre><span></span><code>'
    "$ make test\n42 passed\n$ echo &quot;done&quot;\ndone\n</code></pre></div>"
)
OTHERS = (
    '<div class="language-powershell highlight"><pre><span></span><code>cd x\n</code></pre></div>'
    '<div class="language-python highlight"><pre><span></span><code>print(1)\n</code></pre></div>'
)


def test_each_line_of_a_shell_block_is_a_command_and_a_backslash_goes_on():
    [block] = command_blocks(SH)

    assert block.commands == ["cd step01", "A=1 make run \\\n  STEP=3  # go"]


def test_a_block_with_a_file_name_lists_a_file_and_gives_no_command():
    assert [b.title for b in code_blocks(TITLED)] == ["deploy/run.sh"]
    assert command_blocks(TITLED) == []


def test_in_a_console_block_only_the_lines_after_a_prompt_are_commands():
    [block] = command_blocks(CONSOLE)

    assert block.commands == ["make test", 'echo "done"']


def test_powershell_and_code_blocks_are_not_shell_commands():
    assert command_blocks(OTHERS) == []
    assert [b.language for b in command_blocks(OTHERS, WINDOWS)] == ["powershell"]


@pytest.mark.parametrize(
    ("language", "command"),
    [
        ("sh", "python manage.py runapscheduler"),
        ("sh", "cd step08_celery && celery -A eventproject beat"),
        ("sh", "DJANGO_DEBUG=false gunicorn eventproject.wsgi"),
        ("sh", "pytest ../tests/exercises/test_step01.py"),
        ("powershell", "python manage.py runserver"),
    ],
)
def test_a_project_tool_from_path_is_outside_the_virtual_environment(language, command):
    assert outside_the_venv(Block(language, None, command)) == [command]


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("sh", "../.venv/bin/python manage.py runapscheduler"),
        ("sh", "PYTHONPATH=x ACCELERATE_SCHEDULER=1 \\\n  ../.venv/bin/python manage.py runserver"),
        ("sh", "python3 -m venv .venv\n.venv/bin/python -m pip install -r requirements.lock"),
        ("sh", "source .venv/bin/activate\ncd step08_celery\ncelery -A eventproject beat"),
        ("sh", "make run STEP=3"),
        ("powershell", "python -m venv .venv\n..\\.venv\\Scripts\\python manage.py migrate"),
    ],
)
def test_a_project_tool_from_the_virtual_environment_is_the_form_the_pages_use(language, text):
    assert outside_the_venv(Block(language, None, text)) == []
