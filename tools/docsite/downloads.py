"""Get the code from the site: one zip per step folder, and ``<!-- download: STEP -->`` links.

A zip holds what a reader needs to run the step away from the repository, laid
out as in the repository: the step folder (with its requirements.txt, the few
packages it needs), requirements.lock beside it, and RUN.txt with the commands.
"""

from __future__ import annotations

import posixpath
import zipfile
from pathlib import Path

from docsite.stepfiles import project_files, step_folder, step_folders

DOWNLOADS = "downloads"  # under the site root
LOCK_FILE = "requirements.lock"
# Fixed times keep a zip the same from build to build while its files are.
ZIP_TIME = (1980, 1, 1, 0, 0, 0)

REQUIREMENTS = "requirements.txt"  # in each step folder: the few packages it needs
PROCFILE = "Procfile"  # from step 3: the processes the step runs side by side
WEB_DEFAULT = "python manage.py runserver"

RUN_TEXT = """\
{step}: run it on its own

You need Python 3.10 or newer. Run these commands in the folder that holds this file.
{step}/{requirements} names the few packages the step needs. {lock} pins every
package at the version the tests ran: install with --require-hashes -r {lock}
instead to get exactly those.

Linux and macOS:

    python3 -m venv .venv
    .venv/bin/python -m pip install -r {step}/{requirements}
    cd {step}
    ../.venv/bin/python manage.py migrate
    ../.venv/bin/python manage.py ensureadmin
{posix}

Windows (PowerShell):

    py -m venv .venv
    .venv\\Scripts\\python -m pip install -r {step}/{requirements}
    cd {step}
    ..\\.venv\\Scripts\\python manage.py migrate
    ..\\.venv\\Scripts\\python manage.py ensureadmin
{windows}

Then open http://127.0.0.1:8000/ . ensureadmin creates the user "admin" and prints
its password once (or takes it from DJANGO_SUPERUSER_PASSWORD).
"""


def processes(step: Path) -> list[str]:
    """The commands the step runs: its Procfile's ("name: command"), else runserver."""
    procfile = step / PROCFILE
    if not procfile.exists():
        return [WEB_DEFAULT]
    lines = procfile.read_text().splitlines()
    return [line.partition(":")[2].strip() for line in lines if line.strip()]


def in_venv(command: str, scripts: str) -> str:
    """COMMAND with its program taken from the virtual environment's SCRIPTS folder."""
    program, _, rest = command.partition(" ")
    return f"{scripts}{program} {rest}".rstrip()


def commands_block(commands: list[str], scripts: str) -> str:
    many = len(commands) > 1
    lines = [
        f"    {in_venv(command, scripts)}" + (f"    # terminal {n}" if many else "")
        for n, command in enumerate(commands, 1)
    ]
    return "\n".join(lines)


def zip_path(step: str) -> str:
    """Where a step's zip lives, relative to the site root."""
    return f"{DOWNLOADS}/{step}.zip"


def run_text(step: Path) -> str:
    commands = processes(step)
    # gunicorn runs on Linux and macOS only; on Windows runserver serves the page.
    windows = [WEB_DEFAULT if c.startswith("gunicorn") else c for c in commands]
    return RUN_TEXT.format(
        step=step.name,
        lock=LOCK_FILE,
        requirements=REQUIREMENTS,
        posix=commands_block(commands, "../.venv/bin/"),
        windows=commands_block(windows, "..\\.venv\\Scripts\\"),
    )


def add(archive: zipfile.ZipFile, name: str, data: bytes, executable: bool = False) -> None:
    info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = (0o755 if executable else 0o644) << 16
    archive.writestr(info, data)


def write_zip(root: Path, step: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(target, "w") as archive:
        add(archive, "RUN.txt", run_text(step).encode())
        add(archive, LOCK_FILE, (root / LOCK_FILE).read_bytes())
        for relative in project_files(step):
            source = step / relative
            name = f"{step.name}/{relative.as_posix()}"
            add(archive, name, source.read_bytes(), executable=relative.name == "manage.py")


def write_downloads(root: Path, site_dir: Path) -> list[Path]:
    """One zip per step folder, into the built site."""
    written = []
    for step in step_folders(root):
        target = site_dir / zip_path(step.name)
        write_zip(root, step, target)
        written.append(target)
    return written


def relative_url(page_url: str, target: str) -> str:
    """``target`` (relative to the site root) as a link from the page at ``page_url``."""
    page_dir = page_url if page_url.endswith("/") or not page_url else posixpath.dirname(page_url)
    return posixpath.relpath(target, page_dir or ".")


def render(root: Path, step: str, page_url: str, repo_url: str, text: dict[str, str]) -> str:
    step_folder(root, step)
    href = relative_url(page_url, zip_path(step))
    links = [f'<a href="{href}" download>{text["download"].format(file=f"{step}.zip")}</a>']
    if repo_url:
        folder = f"{repo_url.rstrip('/')}/tree/main/{step}"
        links.append(f"[{text['browse'].format(step=step)}]({folder})")
    return " · ".join(links)
