"""A PostgreSQL database of a test's own, created and dropped around it; or a whole
cluster of a test's own, for a test that restarts the server.

The server comes from TEST_POSTGRES_URL (default: postgres@127.0.0.1:5432, trust). On a
machine without one the test skips, saying how to get it. A private cluster needs the
PostgreSQL binaries (TEST_POSTGRES_BIN), not a running server.
"""

from __future__ import annotations

import os
import pwd
import secrets
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from support.processes import free_port

SERVER_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
HOW_TO_GET_IT = (
    "no PostgreSQL server at {url} ({error}). Install and start one (apt-get install "
    "postgresql; user postgres with trust authentication on 127.0.0.1), or point "
    "TEST_POSTGRES_URL at a server where this user may create databases."
)


def server_connection() -> psycopg.Connection:
    """A connection to the server's maintenance database, or a skip that says why."""
    try:
        return psycopg.connect(SERVER_URL, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as error:
        pytest.skip(HOW_TO_GET_IT.format(url=SERVER_URL, error=str(error).strip()))


@contextmanager
def postgres_database(prefix: str, template: str | None = None) -> Iterator[str]:
    """Create a database named PREFIX plus something unique (a copy of the database
    TEMPLATE, if given); yield its URL; drop it."""
    name = f"{prefix}{os.getpid()}_{secrets.token_hex(4)}"
    create = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
    if template:
        create += sql.SQL(" TEMPLATE {}").format(sql.Identifier(template))
    with server_connection() as server:
        server.execute(create)
    try:
        yield database_url(name)
    finally:
        with server_connection() as server:
            server.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


def database_url(name: str) -> str:
    params = conninfo_to_dict(SERVER_URL)
    user = params.get("user", "postgres")
    password = f":{params['password']}" if params.get("password") else ""
    host, port = params.get("host", "127.0.0.1"), params.get("port", "5432")
    return f"postgres://{user}{password}@{host}:{port}/{name}"


def database_name(url: str) -> str:
    return conninfo_to_dict(make_conninfo(url))["dbname"]


def connect_kwargs(url: str) -> dict:
    """psycopg.connect() keyword arguments for URL."""
    return conninfo_to_dict(make_conninfo(url))


# A cluster of a test's own, for the tests that restart PostgreSQL: never the shared server.
POSTGRES_BIN = Path(os.environ.get("TEST_POSTGRES_BIN", "/usr/lib/postgresql/15/bin"))
HOW_TO_GET_THE_BINARIES = (
    "no {program} in {folder}: apt-get install postgresql (PostgreSQL 15 puts initdb and "
    "pg_ctl there), or point TEST_POSTGRES_BIN at the folder that holds them."
)
# PostgreSQL refuses to run as root: as root, the cluster runs as this user.
CLUSTER_USER = os.environ.get("TEST_POSTGRES_USER", "postgres")
HOW_TO_GET_THE_USER = (
    "running as root, and PostgreSQL refuses to: no user {user} to run it as (apt-get "
    "install postgresql creates one), or set TEST_POSTGRES_USER to an unprivileged user."
)
PG_CTL_TIMEOUT = 30  # seconds for a start, stop or restart
# A scratch server: TCP on 127.0.0.1 only, the socket in the cluster's own folder, every
# connection in its log, and no waiting for the disk: fsync off loses nothing when the
# server stops or crashes, only when the machine does. (synchronous_commit off would
# lose the last commits at each `pg_ctl restart -m immediate`, and time with them.)
CLUSTER_SETTINGS = """
port = {port}
listen_addresses = '127.0.0.1'
unix_socket_directories = '{folder}'
fsync = off
log_connections = on
log_disconnections = on
"""


@dataclass
class Cluster:
    """A PostgreSQL server that a test started and may restart or stop at will."""

    folder: Path  # the data directory, its log and its socket
    port: int

    @property
    def log(self) -> Path:
        return self.folder / "server.log"

    def url(self, name: str = "postgres") -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{name}"

    def create_database(self, name: str) -> str:
        """A new database NAME; its URL."""
        with psycopg.connect(self.url(), autocommit=True, connect_timeout=3) as server:
            server.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return self.url(name)

    def restart(self, mode: str = "fast") -> None:
        """Stop the server (MODE: smart, fast or immediate, as `pg_ctl -m` says) and
        start it again; return once it accepts connections."""
        self.pg_ctl("restart", "-m", mode)

    def pg_ctl(self, *args: str) -> None:
        pg_ctl = [str(POSTGRES_BIN / "pg_ctl"), "-D", "data", "-l", "server.log"]
        as_cluster_user([*pg_ctl, "-w", "-t", str(PG_CTL_TIMEOUT), *args], cwd=self.folder)


def as_cluster_user(argv: list[str], cwd: Path) -> None:
    """Run ARGV to its end, as CLUSTER_USER if this process is root; fail on an error."""
    user = {}
    if os.geteuid() == 0:
        entry = pwd.getpwnam(CLUSTER_USER)
        user = {"user": entry.pw_uid, "group": entry.pw_gid, "extra_groups": []}
    done = subprocess.run(
        argv, cwd=cwd, capture_output=True, text=True, timeout=PG_CTL_TIMEOUT + 10, **user
    )
    assert done.returncode == 0, f"{argv} failed:\n{done.stdout}{done.stderr}"


@contextmanager
def private_cluster() -> Iterator[Cluster]:
    """initdb and start a cluster in a folder of its own (in memory where there is
    /dev/shm), on a free port; yield it; stop it at once and delete it."""
    for program in ("initdb", "pg_ctl"):
        if not (POSTGRES_BIN / program).is_file():
            pytest.skip(HOW_TO_GET_THE_BINARIES.format(program=program, folder=POSTGRES_BIN))
    owner = None
    if os.geteuid() == 0:
        try:
            owner = pwd.getpwnam(CLUSTER_USER)
        except KeyError:
            pytest.skip(HOW_TO_GET_THE_USER.format(user=CLUSTER_USER))
    shm = Path("/dev/shm")
    parent = shm if shm.is_dir() and os.access(shm, os.W_OK) else None
    folder = Path(tempfile.mkdtemp(prefix="private-postgres-", dir=parent))
    try:
        if owner is not None:
            os.chown(folder, owner.pw_uid, owner.pw_gid)
        initdb = [str(POSTGRES_BIN / "initdb"), "-D", "data", "-U", "postgres", "-A", "trust"]
        as_cluster_user([*initdb, "-E", "UTF8", "--no-locale", "--no-sync"], cwd=folder)
        cluster = Cluster(folder, free_port())
        with (folder / "data" / "postgresql.conf").open("a") as conf:
            conf.write(CLUSTER_SETTINGS.format(port=cluster.port, folder=folder))
        cluster.pg_ctl("start")
        try:
            yield cluster
        finally:
            cluster.pg_ctl("stop", "-m", "immediate")
    finally:
        shutil.rmtree(folder, ignore_errors=True)
