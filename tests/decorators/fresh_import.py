"""Step 2 only (its pytest.ini loads this plugin): import the updater afresh for each test.

Step 2 builds its scheduler when eventapp.updater.updater is imported, and a scheduler
that was shut down has an empty job store: start() would succeed and run nothing. A new
process would import the module anew, so each test does too.
"""

import sys

import pytest


def forget_updater_modules() -> None:
    for name in [n for n in sys.modules if n.startswith("eventapp.updater")]:
        del sys.modules[name]


@pytest.fixture(autouse=True)
def fresh_updater_module():
    forget_updater_modules()
    yield
    forget_updater_modules()
