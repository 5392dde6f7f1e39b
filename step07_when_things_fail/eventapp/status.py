"""Is the scheduler running (its lease renewal is its heartbeat), did the last runs succeed?"""

from django.db.models import BooleanField, ExpressionWrapper, Q
from django.db.models.functions import Now
from django.utils import timezone
from django_apscheduler.models import DjangoJob, DjangoJobExecution

from eventapp.models import SchedulerLease


# --8<-- [start:status]
def scheduler_status() -> tuple[bool, str]:
    """(healthy, what to say): the lease still renewed, and no job's last run failed."""
    fresh = ExpressionWrapper(Q(expires_at__gt=Now()), BooleanField())  # the database's clock
    lease = SchedulerLease.objects.annotate(fresh=fresh).filter(name="scheduler").first()
    if lease is None:
        return False, "No scheduler has run yet: start `python manage.py runapscheduler`."
    if lease.expires_at is None:
        return False, f"No scheduler is running: the last one ({lease.holder}) stopped."
    if not lease.fresh:
        return False, (
            f"The scheduler is stale: {lease.holder} has not renewed its lease, which ran "
            f"out at {timezone.localtime(lease.expires_at):%Y-%m-%d %H:%M:%S %Z}."
        )
    finished = DjangoJobExecution.objects.exclude(status=DjangoJobExecution.SENT)
    for job_id in DjangoJob.objects.values_list("id", flat=True):
        last = finished.filter(job_id=job_id).order_by("-run_time").first()
        if last is not None and last.status == DjangoJobExecution.ERROR:
            return False, f"The last run of {job_id} failed: {last.exception}"
    return True, f"Scheduler running in {lease.holder}; the last runs succeeded."
    # --8<-- [end:status]
