"""Which process is runserver's serving one: only that one starts the scheduler."""

import pytest


@pytest.mark.parametrize(
    ("argv", "run_main", "serving"),
    [
        (["manage.py", "runserver"], "true", True),  # the autoreloader's child
        (["manage.py", "runserver"], None, False),  # its parent
        (["manage.py", "runserver", "--noreload"], None, True),
        (["manage.py", "runserver", "127.0.0.1:8000"], "true", True),
        (["manage.py", "migrate"], None, False),
        (["manage.py", "shell"], "true", False),
        (["/venv/bin/gunicorn", "eventproject.wsgi"], None, False),
    ],
)
def test_which_process_serves_runserver_requests(monkeypatch, argv, run_main, serving):
    from eventapp.apps import is_runserver_serving_process

    monkeypatch.setattr("sys.argv", argv)
    if run_main:
        monkeypatch.setenv("RUN_MAIN", run_main)
    else:
        monkeypatch.delenv("RUN_MAIN", raising=False)
    assert is_runserver_serving_process() is serving
