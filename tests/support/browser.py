"""A real browser for page tests: Debian's chromium, driven by Playwright.

Playwright cannot download its own browsers here, so it drives the system's
chromium (`apt-get install chromium`). Without it a browser test skips, and under
CI=true that skip fails the run (tests/conftest.py).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> Path | None:
    if CHROMIUM.exists():
        return CHROMIUM
    found = shutil.which("chromium")
    return Path(found) if found else None


@contextmanager
def chromium() -> Iterator:
    """A headless chromium, or a skip that says how to get one."""
    executable = chromium_path()
    if executable is None:
        pytest.skip("no chromium at /usr/bin/chromium: install it with 'apt-get install chromium'")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(executable), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def log_in(page, url: str, next_path: str) -> None:
    """Log in to the admin of the server at URL as its admin user, landing on NEXT_PATH,
    with the admin's menu folded away (as its toggle leaves it: room for the columns)."""
    from support.web import ADMIN_PASSWORD

    page.goto(f"{url}admin/login/?next={next_path}")
    page.evaluate("localStorage.setItem('django.admin.navSidebarIsOpen', 'false')")
    page.fill("#id_username", "admin")
    page.fill("#id_password", ADMIN_PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(f"**{next_path}")
