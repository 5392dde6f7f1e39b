"""``<!-- diff: stepA stepB -->``: the changed files, then each file's diff collapsed."""

import re

import pytest
from docsite import diffs
from pages import SOURCE_LANGUAGE, generated_text

TEXT = generated_text(SOURCE_LANGUAGE)


@pytest.fixture
def steps(tmp_path):
    """Two small step folders in a scratch repository root."""
    old, new = tmp_path / "step01_a", tmp_path / "step02_b"
    for step in (old, new):
        (step / "app" / "migrations").mkdir(parents=True)
        (step / "app" / "__pycache__").mkdir()
        (step / "app" / "same.py").write_text("unchanged = True\n")
        (step / "app" / "marked.py").write_text("x = 1\n")
    (old / "app" / "jobs.py").write_text("EVERY = 1\nNAME = 'save'\n")
    (new / "app" / "jobs.py").write_text(
        "# --8<-- [start:jobs]\nEVERY = 5\nNAME = 'save'\n# --8<-- [end:jobs]\n"
    )
    (new / "app" / "marked.py").write_text("# --8<-- [start:x]\nx = 1\n# --8<-- [end:x]\n")
    (old / "app" / "gone.py").write_text("old = 1\nold = 2\n")
    (new / "app" / "added.py").write_text("new = 1\n")
    for step, text in ((old, "a"), (new, "b")):
        (step / "app" / "migrations" / "0001_initial.py").write_text(text)
        (step / "app" / "__pycache__" / "jobs.cpython-311.pyc").write_text(text)
        (step / "db.sqlite3").write_text(text)
        (step / "pytest.ini").write_text(text)
        (step / "README.md").write_text(text)
        (step / ".coverage").write_text(text)
        (step / "image.png").write_bytes(b"\x89PNG\r\n\x1a\n\xf1" + text.encode())
    return tmp_path, old.name, new.name


def render(root, old, new):
    return diffs.render(root, old, new, TEXT)


def collapsed_blocks(markdown: str) -> dict[str, str]:
    """Each ``??? note "path"`` block's indented body, by path."""
    found = re.findall(r'^\?\?\? note "([^"]+)"\n\n((?:    .*\n?|\n)+)', markdown, re.MULTILINE)
    return {path: body for path, body in found}


def test_the_summary_comes_first_with_each_changed_file(steps):
    root, old, new = steps

    markdown = render(root, old, new)

    assert markdown.startswith("| File | Change |\n| --- | --- |\n")
    table = markdown.split("\n\n", 1)[0]
    assert "| `app/jobs.py` | +1 −1 |" in table
    assert "| `app/added.py` | new (+1) |" in table
    assert "| `app/gone.py` | deleted |" in table


def test_each_file_diff_is_collapsed_until_the_reader_opens_it(steps):
    root, old, new = steps

    markdown = render(root, old, new)
    blocks = collapsed_blocks(markdown)

    assert sorted(blocks) == ["app/added.py", "app/jobs.py"]
    assert "    ```diff\n    --- step01_a/app/jobs.py\n    +++ step02_b/app/jobs.py\n" in markdown
    assert "    -EVERY = 1\n    +EVERY = 5\n     NAME = 'save'\n" in blocks["app/jobs.py"]
    assert "--- /dev/null\n    +++ step02_b/app/added.py" in blocks["app/added.py"]
    # Nothing of a diff outside the collapsed blocks: the table, then the blocks.
    outside = re.sub(r"^\?\?\? note .*\n\n((?:    .*\n?|\n)+)", "", markdown, flags=re.MULTILINE)
    assert "```" not in outside


def test_a_deleted_file_is_listed_not_printed(steps):
    root, old, new = steps

    markdown = render(root, old, new)

    assert "old = 2" not in markdown


def test_snippet_markers_are_not_part_of_the_diff(steps):
    root, old, new = steps

    markdown = render(root, old, new)

    assert "8<" not in markdown
    assert "app/marked.py" not in markdown  # it changed only by its markers


def test_generated_local_and_prose_files_are_left_out(steps):
    root, old, new = steps

    markdown = render(root, old, new)

    left_out = ("same.py", "migrations", "__pycache__", "db.sqlite3", "pytest.ini", "README")
    for name in (*left_out, ".coverage", "image.png"):
        assert name not in markdown


def test_a_missing_step_folder_is_an_error_naming_it(steps):
    root, old, _ = steps

    with pytest.raises(FileNotFoundError, match="'step07_missing' does not exist"):
        render(root, old, "step07_missing")


def test_the_same_code_says_so(steps):
    root, old, _ = steps

    assert render(root, old, old) == f"*`{old}` and `{old}` hold the same code.*"


def test_real_steps_diff_without_migrations():
    from pages import ROOT

    markdown = diffs.render(ROOT, "step03_django_apscheduler", "step04_cron_triggers", TEXT)

    assert "| `eventapp/crontab.py` | new (+" in markdown
    assert "migrations" not in markdown
