"""Wait for what a logger says in this process, as it says it (no polling)."""

from __future__ import annotations

import logging
import queue
import time
from collections.abc import Iterator
from contextlib import contextmanager


class Messages(logging.Handler):
    """The messages logged, kept in order and handed out as they come."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.seen: list[str] = []
        self._new: queue.Queue[str] = queue.Queue()

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        self.seen.append(message)
        self._new.put(message)

    def wait_for(self, text: str, timeout: float = 10) -> str:
        """The next message containing TEXT; fails after TIMEOUT seconds."""
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            try:
                message = self._new.get(timeout=left)
            except queue.Empty:
                break
            if text in message:
                return message
        raise AssertionError(f"nothing logged {text!r} within {timeout} s; logged: {self.seen}")


@contextmanager
def listening(*names: str) -> Iterator[Messages]:
    """Collect the INFO-and-above messages of the loggers NAMES (and of their children)."""
    handler = Messages()
    loggers = [logging.getLogger(name) for name in names]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.addHandler(handler)
        if logger.getEffectiveLevel() > logging.INFO:
            logger.setLevel(logging.INFO)
    try:
        yield handler
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.removeHandler(handler)
            logger.setLevel(level)
