"""The forms that check a job, for the jobs page and the JSON API alike."""

import re

from apscheduler.job import Job
from apscheduler.jobstores.base import ConflictingIdError
from django import forms
from django.conf import settings

from .crontab import CrontabTrigger, five_fields, zone
from .updater.updater import TASKS, job_editor

JOB_ID = re.compile(r"[A-Za-z0-9_.-]{1,64}")  # matched whole: fullmatch()


# --8<-- [start:forms]
class ScheduleForm(forms.Form):
    """When a job runs. A CrontabError is a ValidationError: the form shows cron's reason."""

    crontab = forms.CharField(max_length=100, validators=[five_fields], initial="20 5 * * *")
    timezone = forms.CharField(max_length=64, validators=[zone], initial=settings.TIME_ZONE)

    def trigger(self) -> CrontabTrigger:
        return CrontabTrigger(self.cleaned_data["crontab"], self.cleaned_data["timezone"])


class JobForm(ScheduleForm):
    """A new job: a task from TASKS, an optional id (APScheduler makes one), a schedule."""

    field_order = ["task", "id"]
    task = forms.ChoiceField(choices=[(name, name) for name in TASKS])
    id = forms.CharField(required=False, strip=False)

    def clean_id(self) -> str | None:
        job_id = self.cleaned_data["id"]
        if job_id and not (JOB_ID.fullmatch(job_id) and job_id.strip(".")):
            raise forms.ValidationError("1 to 64 letters, digits, '_', '-' or '.', not only dots")
        return job_id or None

    def save(self) -> Job | None:
        data = self.cleaned_data
        try:
            return job_editor().add_job(
                TASKS[data["task"]],
                self.trigger(),
                id=data["id"],
                misfire_grace_time=60,  # the scheduler process looks every few seconds
            )
        except ConflictingIdError:
            self.add_error("id", f"a job with id {data['id']!r} exists already")
            return None


# --8<-- [end:forms]
