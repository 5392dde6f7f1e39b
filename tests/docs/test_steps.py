"""The rules that keep each step one lesson: small steps, small differences, append-only
migrations, public APIs only, and one objective stated where a reader starts."""

import ast
from itertools import pairwise

import pytest
from docsite.stepfiles import step_folders
from pages import ROOT
from step_sizes import changed_lines, diff_counts, python_lines

STEPS = step_folders(ROOT)
APSCHEDULER_STEPS = [step for step in STEPS if not step.name.startswith("step08")]
CELERY_STEP = ROOT / "step08_celery"
CELERY_BASE = ROOT / "step06_production"  # the production shape step 8 builds on
MAX_CHANGED = 300
MAX_CELERY_ADDED = 400
MAX_STEP1_LINES = 350
MAX_SETTINGS_LINES = 140  # steps 1 to 5: startproject's settings and the lesson's few lines


def step_id(step) -> str:
    return step.name


@pytest.mark.parametrize(("old", "new"), list(pairwise(APSCHEDULER_STEPS)), ids=step_id)
def test_neighbouring_steps_differ_by_at_most_300_lines(old, new):
    assert changed_lines(old, new) <= MAX_CHANGED


def test_the_celery_step_adds_at_most_400_lines_to_the_step_it_builds_on():
    _, added = diff_counts(CELERY_BASE, CELERY_STEP)
    assert added <= MAX_CELERY_ADDED


def test_step_1_is_small():
    assert python_lines(STEPS[0]) <= MAX_STEP1_LINES


@pytest.mark.parametrize("step", STEPS[:5], ids=step_id)
def test_settings_stay_short_until_production(step):
    settings = step / "eventproject" / "settings.py"
    assert len(settings.read_text().splitlines()) <= MAX_SETTINGS_LINES


def migrations(step) -> dict[str, bytes]:
    folder = step / "eventapp" / "migrations"
    return {p.name: p.read_bytes() for p in folder.glob("0*.py")}


@pytest.mark.parametrize(("old", "new"), list(pairwise(APSCHEDULER_STEPS)), ids=step_id)
def test_migrations_are_append_only(old, new):
    """A reader who carries a project on from one step to the next migrates forward."""
    before, after = migrations(old), migrations(new)

    assert {name: after.get(name) for name in before} == before
    assert min(set(after) - set(before), default="9") > max(before, default="0")


def private_names(source: str) -> list[str]:
    """Underscored attributes read off objects that are not this class's own."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Attribute) and node.attr.startswith("_"):
            owner = node.value.id if isinstance(node.value, ast.Name) else None
            if not node.attr.startswith("__") and owner not in {"self", "cls"}:
                found.append(node.attr)
        if isinstance(node, ast.ImportFrom):
            found += [a.name for a in node.names if a.name.startswith("_")]
    return found


@pytest.mark.parametrize("step", STEPS, ids=step_id)
def test_step_code_uses_public_apis_only(step):
    used = {
        str(path.relative_to(step)): names
        for path in step.rglob("*.py")
        if "migrations" not in path.parts and (names := private_names(path.read_text()))
    }
    assert used == {}


def test_the_private_api_check_finds_what_it_is_for():
    assert sorted(private_names("scheduler._thread.is_alive()\njob._modify(x=1)")) == [
        "_modify",
        "_thread",
    ]
    assert private_names("self._lock = 1\nfrom a import _b") == ["_b"]
    assert private_names("x.__class__") == []


def objective(text: str) -> str | None:
    head = "\n".join(text.splitlines()[:6])
    return head if "**Objective:" in head else None


@pytest.mark.parametrize("step", STEPS, ids=step_id)
def test_each_step_states_one_objective_in_its_readme_and_its_page(step):
    number = step.name[4:6]
    page = ROOT / "docs" / "en" / "steps" / f"step{number}.md"

    assert objective((step / "README.md").read_text()), "README.md: **Objective: ...** first"
    assert objective(page.read_text()), f"{page.name}: **Objective: ...** under the title"
