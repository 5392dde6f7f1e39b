"""Each step folder as a zip in the built site, with what it takes to run it on its own."""

import ast
import importlib.metadata
import re
import zipfile
from pathlib import PurePosixPath

import pytest
import tomllib
from docsite import downloads
from docsite.stepfiles import project_files, step_folders
from pages import ROOT
from support.processes import clean_env, manage

STEPS = step_folders(ROOT)


def names(zip_file) -> list[str]:
    with zipfile.ZipFile(zip_file) as archive:
        return archive.namelist()


def is_local_file(name: str) -> bool:
    path = PurePosixPath(name)
    return (
        path.name.startswith(("db.sqlite3", ".coverage"))
        or path.suffix == ".pyc"
        or bool({"__pycache__", "staticfiles", ".pytest_cache"} & set(path.parts))
    )


@pytest.mark.parametrize("step", STEPS, ids=lambda step: step.name)
def test_every_step_folder_has_a_zip_with_the_lock_and_the_commands(site, step):
    zip_file = site / "downloads" / f"{step.name}.zip"
    contents = names(zip_file)

    assert {"RUN.txt", "requirements.lock", f"{step.name}/manage.py"} <= set(contents)
    assert [name for name in contents if is_local_file(name)] == []
    expected = {f"{step.name}/{path.as_posix()}" for path in project_files(step)}
    assert set(contents) - {"RUN.txt", "requirements.lock"} == expected


def test_the_zip_leaves_out_what_running_the_project_made(tmp_path):
    step = tmp_path / "step01_demo"
    for name in (
        "manage.py",
        "db.sqlite3",
        "db.sqlite3-journal",
        ".coverage.host.1",
        "pytest.ini",
        "app/__pycache__/models.cpython-311.pyc",
        "app/models.py",
        "staticfiles/admin/base.css",
        ".pytest_cache/README.md",
    ):
        (step / name).parent.mkdir(parents=True, exist_ok=True)
        (step / name).write_text("x")
    (tmp_path / "requirements.lock").write_text("django==5.2\n")

    downloads.write_zip(tmp_path, step, tmp_path / "out.zip")

    assert sorted(names(tmp_path / "out.zip")) == [
        "RUN.txt",
        "requirements.lock",
        "step01_demo/app/models.py",
        "step01_demo/manage.py",
    ]


def test_run_txt_says_how_to_run_the_step_on_linux_macos_and_windows():
    text = downloads.run_text(ROOT / "step01_basic_eventproject")

    for command in (
        "python3 -m venv .venv",
        ".venv/bin/python -m pip install -r step01_basic_eventproject/requirements.txt",
        "--require-hashes -r requirements.lock",
        "cd step01_basic_eventproject",
        "../.venv/bin/python manage.py migrate",
        "../.venv/bin/python manage.py ensureadmin",
        "../.venv/bin/python manage.py runserver",
        "py -m venv .venv",
        ".venv\\Scripts\\python -m pip install -r step01_basic_eventproject/requirements.txt",
        "..\\.venv\\Scripts\\python manage.py runserver",
    ):
        assert command in text


@pytest.mark.parametrize("step", STEPS, ids=lambda step: step.name)
def test_run_txt_starts_each_process_of_the_procfile_in_a_terminal(step):
    text = downloads.run_text(step)
    commands = downloads.processes(step)

    for command in commands:
        program, _, rest = command.partition(" ")
        assert f"../.venv/bin/{program} {rest}".rstrip() in text
    assert ("# terminal 2" in text) is (len(commands) > 1)


def distributions_imported(step) -> set[str]:
    """The distributions whose modules the step's code imports (not the standard library's)."""
    modules = set()
    for source in step.rglob("*.py"):
        for node in ast.walk(ast.parse(source.read_text())):
            if isinstance(node, ast.Import):
                modules |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                modules.add(node.module.split(".")[0])
    found = importlib.metadata.packages_distributions()
    return {name.lower() for module in modules for name in found.get(module, [])}


@pytest.mark.parametrize("step", STEPS, ids=lambda step: step.name)
def test_the_step_names_every_package_its_code_imports(step):
    required = {
        re.split(r"[\[<>=;]", line, maxsplit=1)[0].strip().lower()
        for line in (step / "requirements.txt").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }
    declared = {
        re.split(r"[\[<>=;]", spec, maxsplit=1)[0].strip().lower()
        for spec in tomllib.loads((ROOT / "pyproject.toml").read_text())["project"][
            "dependencies"
        ]
    }

    assert distributions_imported(step) - required == set()
    assert required <= declared, "pyproject.toml's dependencies pin the lock's versions"


def test_an_unzipped_step_passes_django_checks_on_its_own(site, tmp_path):
    """The last step (the most to go wrong), unzipped alone, with this venv's packages."""
    step = STEPS[-1].name
    with zipfile.ZipFile(site / "downloads" / f"{step}.zip") as archive:
        archive.extractall(tmp_path)

    checked = manage(tmp_path / step, "check", env=clean_env())

    assert checked.returncode == 0, checked.stderr
    assert "System check identified no issues" in checked.stdout
