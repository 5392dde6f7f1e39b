import pytest
from support.processes import clean_env, copy_step, manage
from support.web import ADMIN_PASSWORD


@pytest.fixture(scope="module")
def step_copy(tmp_path_factory):
    """The step copied out alone, migrated, with a staff user to log in as."""
    step = copy_step(tmp_path_factory.mktemp("jobs-api"))
    assert manage(step, "migrate", "--noinput").returncode == 0
    created = manage(step, "ensureadmin", env=clean_env(DJANGO_SUPERUSER_PASSWORD=ADMIN_PASSWORD))
    assert created.returncode == 0, created.stderr
    return step
