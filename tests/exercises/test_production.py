"""The production page's nightly job, on step 6's scheduler: once a local night at 03:15,
across the spring change of the clock, and the morning check that watches it."""

from datetime import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from nightly_backup import add_nightly_backup, last_nights_backup_went_wrong

LOCAL = ZoneInfo(settings.TIME_ZONE)


def test_the_backup_runs_once_a_night_at_0315_and_the_check_watches_it(
    start_clock, tmp_path, monkeypatch
):
    import nightly_backup

    monkeypatch.setattr(nightly_backup, "BACKUPS", tmp_path)
    clock = start_clock(at=datetime(2026, 3, 27, 12, 0, tzinfo=LOCAL))
    for job in clock.scheduler.get_jobs():  # only the backup, to keep the test short
        clock.scheduler.pause_job(job.id)
    add_nightly_backup(clock.scheduler)
    assert last_nights_backup_went_wrong() == "no backup ran in the last 24 hours"

    runs = clock.advance_to(datetime(2026, 3, 31, 12, 0, tzinfo=LOCAL))

    local_times = [run.scheduled_at.astimezone(LOCAL) for run in runs]
    assert [(t.day, t.hour, t.minute) for t in local_times] == [
        (d, 3, 15) for d in (28, 29, 30, 31)
    ]
    assert all(run.ok for run in runs)
    assert sorted(p.name for p in tmp_path.iterdir())[-1] == "eventapp-2026-03-31.json"
    assert last_nights_backup_went_wrong() is None
