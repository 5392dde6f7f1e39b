"""The commands a page gives its reader, read from the built page, and a reader who types
them into a terminal in a fresh clone of the repository.

Which text is a command: a code block that the build marks with a shell language
(``language-sh``, ``-bash``, ``-shell`` or ``-console``: mkdocs.yml turns on
``pygments_lang_class``) and that shows no file name, since a titled block lists a file.
Each line of it is a command; a line ending in ``\\`` goes on on the next line, and an
empty line or one that is only a comment is none. In a ``console`` block only the lines
after a ``$ `` prompt are commands, the others are their output. ``powershell`` blocks are
the same steps for Windows.

How a reader types them: each block into a terminal opened at the root of the clone,
line after line (so a block meant for a step folder starts with ``cd``). A ``cd`` or an
``export`` holds for the rest of the block. A line that starts a server, a scheduler or a
worker runs on, as in a terminal of its own, until the block's last line has run (or
until a later line starts another web server, which needs the port). Before the next
line it must show a sign of life: the line it prints once it is up (runserver's "Quit
the server with", "Scheduler started in process", a beat that "leads" ...), and for a
web server an answer at http://127.0.0.1:8000/, the address the pages give. Then each is
stopped with Ctrl+C, the last started first, and must end, with every process it
started. Every wait is bounded; a command that bash cannot find fails the line even
where the line's last status is 0.
"""

from __future__ import annotations

import html
import os
import re
import select
import shlex
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.request
from collections.abc import Iterable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from support.lifetime import descendants, kill_groups, wait_for_exits
from support.processes import Server, clean_env, spawn

SHELLS = {"sh", "bash", "shell", "console"}
WINDOWS = {"powershell", "ps1", "pwsh", "bat", "cmd"}
PROMPT = "$ "
BLOCK = re.compile(
    r'<div class="language-(?P<language>[\w+-]+) highlight">'
    r'(?:<span class="filename">(?P<title>.*?)</span>)?'
    r"<pre><span></span><code>(?P<code>.*?)</code></pre></div>",
    re.DOTALL,
)
TAG = re.compile(r"<[^>]+>")
ASSIGNMENT = re.compile(r"^[A-Za-z_]\w*=")
OPERATORS = {";", "&&", "||", "|", "&"}
# bash's words for a program it could not run (in a line whose last status may still be 0)
NOT_FOUND = re.compile(r"^bash: line \d+: .+: (No such file or directory|command not found)$", re.M)

PORT = 8000  # every page's web server: runserver's default, the Procfiles' --bind
COMMAND_TIMEOUT = 120.0  # seconds for a command that ends by itself
START_TIMEOUT = 60.0  # for a server to show its sign of life (make run migrates first)
STOP_TIMEOUT = 20.0  # after Ctrl+C
HTTP_TIMEOUT = 10.0

# What a reader's new terminal does not have: the test run's own settings, a make that
# runs this one (its MAKEFLAGS would pass on STEP=...), an activated environment.
NOT_IN_A_NEW_TERMINAL = re.compile(
    r"^(RUN_MAIN|DJANGO_\w+|DATABASE_URL|CELERY_\w+|SCHEDULER_\w+|ACCELERATE_\w+|COVERAGE_\w+"
    r"|PYTEST_\w+|PYTHONPATH|PYTHONHOME|VIRTUAL_ENV|MAKEFLAGS|MFLAGS|MAKELEVEL|MAKEOVERRIDES"
    r"|STEP|UPDATE_TRANSCRIPTS)$"
)

# The tools a fresh clone has only inside .venv: a page runs them by their path there.
PROJECT_TOOLS = {
    "python",
    "python3",
    "pytest",
    "celery",
    "gunicorn",
    "honcho",
    "django-admin",
    "pip",
    "pip3",
    "mkdocs",
    "ruff",
    "flower",
}
IN_THE_VENV = re.compile(r"(^|[/\\])\.venv[/\\](bin|Scripts)[/\\][^/\\]+$")
ACTIVATE = re.compile(r"^(source|\.)\s+\S*\.venv/bin/activate\b|\.venv\\Scripts\\Activate")


@dataclass(frozen=True)
class Block:
    language: str
    title: str | None
    text: str

    @property
    def commands(self) -> list[str]:
        lines = self.text.splitlines()
        if self.language == "console":
            lines = [line[len(PROMPT) :] for line in lines if line.startswith(PROMPT)]
        commands: list[str] = []
        going_on = False
        for line in lines:
            if going_on:
                commands[-1] += "\n" + line
            elif line.strip() and not line.lstrip().startswith("#"):
                commands.append(line.strip())
            going_on = bool(commands) and line.rstrip().endswith("\\")
        return commands


def code_blocks(page_html: str) -> list[Block]:
    """Every highlighted code block of a built page, in order."""
    return [
        Block(
            match["language"],
            html.unescape(TAG.sub("", match["title"])) if match["title"] else None,
            html.unescape(TAG.sub("", match["code"])),
        )
        for match in BLOCK.finditer(page_html)
    ]


def command_blocks(page_html: str, languages: set[str] = SHELLS) -> list[Block]:
    """The blocks of commands in LANGUAGES: blocks that list a file (a title) are not."""
    return [b for b in code_blocks(page_html) if b.language in languages and b.title is None]


def simple_commands(command: str, windows: bool = False) -> list[list[str]]:
    """COMMAND's simple commands (split at ``;``, ``&&``, ``|`` ...), each as its words."""
    lexer = shlex.shlex(
        command.replace("\\\n", " ").replace("`\n", " "),
        posix=not windows,
        punctuation_chars=True,
    )
    lexer.whitespace_split = True
    lexer.commenters = "#"
    parts: list[list[str]] = [[]]
    for token in lexer:
        if token in OPERATORS:
            parts.append([])
        else:
            parts[-1].append(token)
    return [words for words in parts if words]


def program(words: list[str]) -> tuple[str, list[str]]:
    """The program a simple command runs, past its ``NAME=value`` assignments, and its args."""
    rest = list(words)
    while rest and ASSIGNMENT.match(rest[0]):
        rest.pop(0)
    return (rest[0], rest[1:]) if rest else ("", [])


def outside_the_venv(block: Block) -> list[str]:
    """The commands of BLOCK that run a project tool from PATH instead of from .venv, when
    no line before them in the block activated the environment."""
    windows = block.language in WINDOWS
    found = []
    activated = False
    for command in block.commands:
        activated = activated or bool(ACTIVATE.search(command))
        for words in simple_commands(command, windows):
            name, args = program(words)
            tool = re.split(r"[/\\]", name)[-1].removesuffix(".exe")
            creates_the_venv = args[:2] == ["-m", "venv"]
            from_path = tool in PROJECT_TOOLS and not IN_THE_VENV.search(name)
            if from_path and not creates_the_venv and not activated:
                found.append(command)
    return found


# --- the reader ------------------------------------------------------------------------


@dataclass(frozen=True)
class Service:
    """A command that runs until stopped, and how it shows it runs."""

    name: str
    pattern: re.Pattern[str]
    signs: tuple[str, ...]  # one of these in its output: it runs
    serves: bool = False  # then it must answer on PORT too


SERVICES = (
    Service(
        "runserver", re.compile(r"\bmanage\.py\s+runserver\b"), ("Quit the server with",), True
    ),
    Service(
        "gunicorn",
        re.compile(r"(^|[\s/])gunicorn\s"),
        (f"Listening at: http://127.0.0.1:{PORT}",),
        True,
    ),
    Service(
        "runapscheduler",
        re.compile(r"\bmanage\.py\s+runapscheduler\b"),
        ("Scheduler started in process", "Waiting for the scheduler lease"),  # or a standby
    ),
    Service("celery worker", re.compile(r"(^|[\s/])celery\s.*\bworker\b"), (" ready.",)),
    Service("celery beat", re.compile(r"(^|[\s/])celery\s.*\bbeat\b"), (" leads", " stands by")),
    Service("flower", re.compile(r"(^|[\s/])celery\s.*\bflower\b"), ("Visit me at http",)),
)


def service(command: str) -> Service | None:
    return next((s for s in SERVICES if s.pattern.search(command)), None)


def make_run_services(clone: Path, args: list[str], env: dict[str, str]) -> list[Service]:
    """What ``make run [STEP=N]`` starts, as the Makefile decides: the step's Procfile,
    or runserver."""
    steps = [arg.partition("=")[2] for arg in args if arg.startswith("STEP=")]
    number = (steps or [env.get("STEP") or "1"])[-1]
    folders = sorted(clone.glob(f"step0{number}_*"))
    assert folders, f"make run STEP={number}: there is no step {number}"
    procfile = folders[0] / "Procfile"
    if not procfile.is_file():
        return [SERVICES[0]]
    found = []
    for line in procfile.read_text().splitlines():
        name, _, command = line.partition(":")
        if command.strip():
            known = service(command)
            assert known, f"{procfile}: the test knows no sign of life of {name}: {command}"
            found.append(known)
    return found


class Clone:
    """A fresh clone of the work tree: its tracked files, and the files git would add
    (not ignored), copied into DESTINATION. ``make`` finds .venv set up: the copy's
    .venv is the repository's, linked, the first time a command runs make."""

    def __init__(self, root: Path, destination: Path) -> None:
        self.root = root
        self.path = destination / root.name
        listed = subprocess.run(
            ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
            cwd=root,
            capture_output=True,
            check=True,
            timeout=30,
        ).stdout
        for name in filter(None, listed.split(b"\0")):
            source = root / os.fsdecode(name)
            if source.is_file():  # not one deleted in the work tree
                target = self.path / os.fsdecode(name)
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source, target)

    def set_up(self) -> None:
        """What ``make setup`` leaves, without installing for minutes: the installed .venv."""
        venv = self.path / ".venv"
        if venv.exists():
            return
        installed = self.root / ".venv"
        assert (installed / ".installed").is_file(), f"{installed} is not set up: make setup"
        venv.symlink_to(installed, target_is_directory=True)
        question = subprocess.run(
            ["make", "-q", "setup"], cwd=self.path, env=new_terminal(), timeout=30, check=False
        )
        assert question.returncode == 0, (
            f"make would install {installed} again (requirements.lock is newer): "
            f"run make setup in {self.root} first"
        )


def new_terminal() -> dict[str, str]:
    """The environment of a new terminal: no virtual environment active, none on PATH."""
    env = {k: v for k, v in clean_env().items() if not NOT_IN_A_NEW_TERMINAL.match(k)}
    path = env.get("PATH", "").split(os.pathsep)
    env["PATH"] = os.pathsep.join(p for p in path if not (Path(p).parent / "pyvenv.cfg").exists())
    return env


def port_is_free(port: int) -> bool:
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the servers bind
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


@dataclass
class Running:
    command: str
    services: list[Service]
    server: Server


@dataclass
class Terminal:
    """A terminal at the root of CLONE, typing one block's commands."""

    clone: Clone
    log: list[str]
    stack: ExitStack
    cwd: Path = field(init=False)
    env: dict[str, str] = field(default_factory=new_terminal)
    running: list[Running] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.cwd = self.clone.path

    def where(self) -> str:
        return str(self.cwd.relative_to(self.clone.path.parent))

    def fail(self, message: str, output: str = "") -> None:
        story = "\n".join(self.log)
        raise AssertionError(f"{message}\n--- its output:\n{output}\n--- so far:\n{story}")

    def type(self, command: str) -> None:
        words = [w for part in simple_commands(command) for w in part]
        if program(words)[0] == "make":
            self.clone.set_up()
        make_run = program(words)[0] == "make" and "run" in program(words)[1]
        if make_run:
            started = make_run_services(self.clone.path, program(words)[1], self.env)
        else:
            started = [known] if (known := service(command)) else []
        if started:
            self.start(command, started)
        else:
            self.run(command)

    def run(self, command: str) -> None:
        """A command that ends by itself: it must end, with status 0, in time."""
        begun = time.monotonic()
        with tempfile.TemporaryDirectory() as state:
            script = (
                f"{command}\n__status=$?\n"
                f'pwd > "{state}/cwd"; env -0 > "{state}/env"\nexit $__status\n'
            )
            process = subprocess.Popen(
                ["bash", "-c", script],
                cwd=self.cwd,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
                start_new_session=True,
            )
            try:
                output, _ = process.communicate(timeout=COMMAND_TIMEOUT)
            except subprocess.TimeoutExpired:
                kill_groups([process.pid, *descendants(process.pid).values()])
                output, _ = process.communicate()
                self.fail(
                    f"`{command}` in {self.where()} did not end in {COMMAND_TIMEOUT} s", output
                )
            except BaseException:  # Ctrl+C, or a SIGTERM that stops the run: it ends too
                kill_groups([process.pid, *descendants(process.pid).values()])
                raise
            if missing := NOT_FOUND.search(output):
                self.fail(f"`{command}` in {self.where()}: {missing[0]}", output)
            if process.returncode != 0:
                self.fail(
                    f"`{command}` in {self.where()} failed with status {process.returncode}",
                    output,
                )
            cwd, env = Path(state, "cwd"), Path(state, "env")
            if cwd.is_file() and env.is_file():  # a command that exits the shell keeps them
                self.cwd = Path(cwd.read_text().strip())
                pairs = (item.partition("=") for item in env.read_text().split("\0") if item)
                self.env = {name: value for name, _, value in pairs if name != "_"}
        self.log.append(f"ran `{command}` in {self.where()} ({time.monotonic() - begun:.1f} s)")

    def start(self, command: str, services: list[Service]) -> None:
        """A command that runs until stopped: it must show each of its services runs."""
        begun = time.monotonic()
        serves = any(s.serves for s in services)
        if serves:  # a second server on the port is another way to run: stop the first
            for earlier in [r for r in self.running if any(s.serves for s in r.services)]:
                self.stop(earlier, f" to free port {PORT} for the next")
        if serves and not port_is_free(PORT):
            self.fail(f"`{command}` serves on port {PORT}, which another process holds: stop it")
        server = self.stack.enter_context(
            spawn(["bash", "-c", command], cwd=self.cwd, env=self.env, port=PORT)
        )
        # On a failure, before spawn kills the group: the groups of its children too
        # (honcho gives each of its processes a session of its own).
        self.stack.callback(lambda: kill_groups(descendants(server.process.pid).values()))
        signs = []
        for each in services:
            try:
                server.wait_for_any(*each.signs, timeout=START_TIMEOUT)
            except AssertionError as error:
                how = "ended" if "process exited" in str(error) else f"within {START_TIMEOUT} s"
                self.fail(
                    f"`{command}` in {self.where()}: {each.name} printed none of {each.signs}"
                    f" ({how})",
                    server.text,
                )
            signs.append(f"{each.name}: {' or '.join(repr(s) for s in each.signs)}")
        if serves:
            url = f"http://127.0.0.1:{PORT}/"
            try:
                with urllib.request.urlopen(url, timeout=HTTP_TIMEOUT) as response:
                    status = response.status
            except OSError as error:
                status = error
            if status != 200:
                self.fail(f"`{command}`: {url} answered {status}", server.text)
            signs.append(f"{url} answered 200")
        self.running.append(Running(command, services, server))
        took = time.monotonic() - begun
        self.log.append(f"started `{command}` in {self.where()}: {'; '.join(signs)} ({took:.1f} s)")

    def stop_all(self) -> None:
        """Ctrl+C in each terminal that still runs something, the last started first."""
        while self.running:
            self.stop(self.running[-1])

    def stop(self, running: Running, why: str = "") -> None:
        """Ctrl+C: it must end in time, and every process it started with it."""
        self.running.remove(running)
        server = running.server
        if server.process.poll() is not None:
            self.fail(f"`{running.command}` ended before Ctrl+C", server.text)
        processes = descendants(server.process.pid)
        begun = time.monotonic()
        try:
            status = server.interrupt(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            kill_groups(processes.values())
            self.fail(f"`{running.command}` did not stop within {STOP_TIMEOUT} s", server.text)
        # The terminal's prompt may come back before the last of them has ended.
        left = wait_for_exits(processes, STOP_TIMEOUT - (time.monotonic() - begun))
        if left:
            kill_groups(processes[pid] for pid in left)
            self.fail(
                f"`{running.command}` left processes {sorted(left)} running after Ctrl+C",
                server.text,
            )
        took = time.monotonic() - begun
        self.log.append(f"stopped `{running.command}`{why}: Ctrl+C, status {status} ({took:.1f} s)")


@contextmanager
def terminal(clone: Clone, log: list[str]) -> Iterator[Terminal]:
    """A new terminal for one block: whatever still runs at its end gets Ctrl+C."""
    with ExitStack() as stack:
        opened = Terminal(clone, log, stack)
        yield opened
        opened.stop_all()
