"""Step 5's exercise, checked: a read-only colleague sees the jobs and cannot pause one."""

from django.contrib.auth.models import Group, Permission, User
from django.test import Client


def test_a_group_with_the_view_permission_reads_and_is_refused_the_rest(clock):
    readers = Group.objects.create(name="job readers")
    readers.permissions.add(Permission.objects.get(codename="view_djangojob"))
    colleague = User.objects.create_user("colleague", password="a long enough password 1")
    colleague.is_staff = True
    colleague.save()
    colleague.groups.add(readers)
    client = Client()
    client.force_login(colleague)

    assert client.get("/jobs/").status_code == 200
    assert [job["id"] for job in client.get("/api/jobs/").json()["jobs"]]
    refused = client.post("/api/jobs/create_save/pause")
    assert (refused.status_code, refused.json()) == (
        403,
        {"error": "staff who may change jobs only; log in at /admin/"},
    )
    assert client.post("/jobs/create_save/pause").status_code == 403  # the page's button too
