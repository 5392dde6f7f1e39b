"""runapscheduler in this process: what the subprocess tests see, with coverage measured."""

import logging
import os
import signal
import threading

import pytest
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from django.core.management import call_command
from django_apscheduler.models import DjangoJob
from support.startup import on_every_start


def send_once_started(signum: int, schedulers: list[BaseScheduler]):
    """SIGNUM reaches this process once a scheduler has started (it is recorded too)."""

    def started(scheduler: BaseScheduler) -> None:
        schedulers.append(scheduler)
        threading.Thread(target=os.kill, args=(os.getpid(), signum)).start()

    return on_every_start(started)


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_runapscheduler_stores_the_jobs_and_stops_on_a_signal(
    transactional_db, signal_handlers, caplog, signum
):
    schedulers: list[BaseScheduler] = []
    with caplog.at_level(logging.INFO, logger="eventapp"), send_once_started(signum, schedulers):
        call_command("runapscheduler")

    [scheduler] = schedulers
    assert isinstance(scheduler, BlockingScheduler)
    assert not scheduler.running
    assert {"create_save", "delete_old_job_executions"} <= set(
        DjangoJob.objects.values_list("id", flat=True)
    )
    assert f"Scheduler started in process {os.getpid()}" in caplog.text
    assert f"Scheduler stopped in process {os.getpid()}" in caplog.text
