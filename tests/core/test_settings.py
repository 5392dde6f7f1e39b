"""Which process starts the scheduler: SCHEDULER_AUTOSTART and the process it is."""

import pytest
from django.core.exceptions import ImproperlyConfigured


@pytest.mark.parametrize(
    ("setting", "argv", "run_main", "starts"),
    [
        (None, ["manage.py", "runserver"], "true", True),
        (None, ["manage.py", "runserver"], None, False),
        (None, ["manage.py", "runserver", "--noreload"], None, True),
        (None, ["manage.py", "migrate"], None, False),
        (None, ["manage.py", "shell"], "true", False),
        (True, ["manage.py", "migrate"], None, False),  # a command never runs jobs
        (True, ["/usr/bin/django-admin", "migrate"], None, False),
        (True, ["/venv/lib/django/__main__.py", "shell"], None, False),  # python -m django
        (True, ["manage.py", "runserver"], "true", True),
        (False, ["manage.py", "runserver", "--noreload"], None, False),
        (None, ["/venv/bin/gunicorn", "eventproject.wsgi"], None, False),  # wsgi.py turns it on
        (True, ["/venv/bin/gunicorn", "eventproject.wsgi"], None, True),
        (True, ["/venv/lib/gunicorn/__main__.py", "eventproject.wsgi"], None, True),
    ],
)
def test_which_process_starts_the_scheduler(monkeypatch, settings, setting, argv, run_main, starts):
    from eventapp.apps import scheduler_should_start

    settings.SCHEDULER_AUTOSTART = setting
    monkeypatch.setattr("sys.argv", argv)
    if run_main:
        monkeypatch.setenv("RUN_MAIN", run_main)
    else:
        monkeypatch.delenv("RUN_MAIN", raising=False)
    assert scheduler_should_start() is starts


def test_a_setting_that_is_not_a_bool_is_refused(settings):
    from eventapp.apps import scheduler_should_start

    settings.SCHEDULER_AUTOSTART = "yes"
    with pytest.raises(ImproperlyConfigured, match="SCHEDULER_AUTOSTART"):
        scheduler_should_start()
