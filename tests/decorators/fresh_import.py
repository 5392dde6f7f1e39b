"""Step 2 only (its pytest.ini loads this plugin): import the updater afresh for each test.

Step 2 builds its scheduler when eventapp.updater.updater is imported, and a scheduler
that was shut down has an empty job store: start() would succeed and run nothing. A new
process would import the module anew, so each test does too, at its simulated time (an
interval trigger counts from when it is made). The views and the URLs that lead to them
hold the module, so they are imported afresh as well.
"""

import sys

import pytest
from django.urls import clear_url_caches

FORGOTTEN = ("eventapp.updater", "eventapp.views", "eventapp.urls", "eventproject.urls")


def forget_updater_modules() -> None:
    for name in [n for n in sys.modules if n.startswith(FORGOTTEN)]:
        del sys.modules[name]
        # `from . import views` takes the package's attribute when there is one.
        package, _, child = name.rpartition(".")
        if hasattr(sys.modules.get(package), child):
            delattr(sys.modules[package], child)
    clear_url_caches()


@pytest.fixture(autouse=True)
def fresh_updater_module():
    forget_updater_modules()
    yield
    forget_updater_modules()
