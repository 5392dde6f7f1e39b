"""Steps 1 and 2: the home page says whether this process runs the scheduler."""


def test_home_page_says_the_scheduler_runs_in_this_process(clock, client):
    assert "The scheduler is running in this process" in client.get("/").content.decode()


def test_home_page_says_when_no_scheduler_runs_here(client, db):
    page = client.get("/").content.decode()

    assert "No scheduler runs in this process" in page
    assert "No jobs" in page
