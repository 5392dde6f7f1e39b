"""Step 6's scheduler settings from the environment: its heartbeat and its shutdown wait."""

import pytest
from django.core.exceptions import ImproperlyConfigured


def test_scheduler_timings_and_their_defaults(load):
    defaults = load()
    assert (defaults["SCHEDULER_HEARTBEAT_SECONDS"], defaults["SCHEDULER_SHUTDOWN_WAIT"]) == (5, 25)


def test_scheduler_timings_from_the_environment(load):
    settings = load(SCHEDULER_HEARTBEAT_SECONDS="1", SCHEDULER_SHUTDOWN_WAIT="0.5")

    assert settings["SCHEDULER_HEARTBEAT_SECONDS"] == 1
    assert settings["SCHEDULER_SHUTDOWN_WAIT"] == 0.5


@pytest.mark.parametrize("value", ["0", "-1", "soon", "", "nan", "inf"])
def test_a_bad_heartbeat_interval_is_refused(load, value):
    with pytest.raises(ImproperlyConfigured, match=f"SCHEDULER_HEARTBEAT_SECONDS={value!r}"):
        load(SCHEDULER_HEARTBEAT_SECONDS=value)
