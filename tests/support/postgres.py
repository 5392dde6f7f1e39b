"""A PostgreSQL database of a test's own, created and dropped around it.

The server comes from TEST_POSTGRES_URL (default: postgres@127.0.0.1:5432, trust). On a
machine without one the test skips, saying how to get it.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
import pytest
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

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
