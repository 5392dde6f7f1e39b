"""The step's settings, with the changes a bench run measures (tools/bench_scale.py).

DJANGO_SETTINGS_MODULE=scale_settings and SCALE_SETTINGS, a JSON object of setting names
and values; a dotted name reaches into a dict: {"DATABASES.default.CONN_MAX_AGE": 60}.
"""

import json
import os

from eventproject.settings import *  # noqa: F403


def _override(changes: dict) -> None:
    for name, value in changes.items():
        *path, last = name.split(".")
        target = globals()
        for key in path:
            target = target[key]
        target[last] = value


_override(json.loads(os.environ.get("SCALE_SETTINGS", "{}")))
