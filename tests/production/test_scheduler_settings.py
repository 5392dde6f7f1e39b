"""Step 6's scheduler setting from the environment: how long its lease lasts."""

import pytest
from django.core.exceptions import ImproperlyConfigured


def test_the_lease_and_its_default(load):
    assert load()["SCHEDULER_LEASE_SECONDS"] == 10
    assert load(SCHEDULER_LEASE_SECONDS="2")["SCHEDULER_LEASE_SECONDS"] == 2


@pytest.mark.parametrize("value", ["0", "0.5", "-1", "soon", "", "nan", "inf"])
def test_a_bad_lease_is_refused_with_its_name(load, value):
    with pytest.raises(ImproperlyConfigured, match=f"SCHEDULER_LEASE_SECONDS={value!r}"):
        load(SCHEDULER_LEASE_SECONDS=value)
