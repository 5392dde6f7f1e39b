"""A real local HTTP server that records the pings a step sends (Healthchecks' protocol)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

Ping = tuple[str, str, str]  # (method, path, body)


class PingServer(ThreadingHTTPServer):
    """Records each request; told to hang, holds every request unanswered until it stops."""

    daemon_threads = True

    def __init__(self, hang: bool) -> None:
        super().__init__(("127.0.0.1", 0), PingHandler)
        self.hang = hang
        self.requests: list[Ping] = []
        self.changed = threading.Condition()
        self.stopping = threading.Event()

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}"

    def record(self, ping: Ping) -> None:
        with self.changed:
            self.requests.append(ping)
            self.changed.notify_all()

    def wait_for(self, predicate: Callable[[list[Ping]], bool], timeout: float = 10) -> list[Ping]:
        """The requests once PREDICATE(requests) holds; fails after TIMEOUT seconds."""
        deadline = time.monotonic() + timeout
        with self.changed:
            while not predicate(self.requests):
                left = deadline - time.monotonic()
                if left <= 0:
                    seen = self.requests
                    raise AssertionError(f"pings not as expected within {timeout} s: {seen}")
                self.changed.wait(left)
            return list(self.requests)


class PingHandler(BaseHTTPRequestHandler):
    server: PingServer

    def do_GET(self) -> None:
        self.answer()

    def do_POST(self) -> None:
        self.answer()

    def answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode("utf-8", "replace")
        self.server.record((self.command, self.path, body))
        if self.server.hang:
            self.server.stopping.wait()  # never answer: the client must give up on its own
            return
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"OK")

    def log_message(self, format: str, *args) -> None:
        """Quiet: the test reads .requests, not stderr."""


@contextmanager
def ping_server(hang: bool = False) -> Iterator[PingServer]:
    """Serve on a free port of 127.0.0.1 until the block ends."""
    server = PingServer(hang)
    thread = threading.Thread(target=server.serve_forever, name="ping-server", daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.stopping.set()
        server.shutdown()
        server.server_close()
        thread.join(10)
