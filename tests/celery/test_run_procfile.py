"""`make run STEP=8` (tools/run_procfile.py): the Procfile's processes, and Redis for them."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from support.processes import STEP_DIR, free_port

RUN_PROCFILE = Path(__file__).parents[2] / "tools" / "run_procfile.py"
# A celery process that ends by itself, after asking Redis whether it answers.
PING = "import os, redis; print('PONG:', redis.from_url(os.environ['CELERY_BROKER_URL']).ping())"
PROCFILE = f'probe: celery --version && python -c "{PING}"\n'
# One more run counted in Redis, and how Redis writes it down.
COUNT = (
    "import os, redis; r = redis.from_url(os.environ['CELERY_BROKER_URL']);"
    " print('RUN', r.incr('runs'), r.config_get('appendfsync'))"
)


def run_procfile(folder: Path, procfile: str = PROCFILE, **env: str) -> subprocess.CompletedProcess:
    (folder / "Procfile").write_text(procfile)
    return subprocess.run(
        [sys.executable, str(RUN_PROCFILE)],
        cwd=folder,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_without_redis_a_local_redis_server_runs_for_the_run(tmp_path):
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed: apt-get install redis-server")
    port = free_port()  # nothing answers there

    run = run_procfile(tmp_path, CELERY_BROKER_URL=f"redis://127.0.0.1:{port}/0")

    assert run.returncode == 0, run.stdout + run.stderr
    assert f"Starting redis-server on port {port}" in run.stdout
    assert "PONG: True" in run.stdout
    assert list(tmp_path.iterdir()) == [tmp_path / "Procfile"]  # no dump.rdb left behind


def test_with_the_steps_redis_conf_the_redis_server_it_starts_keeps_its_data_for_the_next_run(
    tmp_path,
):
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed: apt-get install redis-server")
    shutil.copy(STEP_DIR / "redis.conf", tmp_path)
    url = f"redis://127.0.0.1:{free_port()}/0"
    procfile = f'probe: celery --version && python -c "{COUNT}"\n'

    runs = [run_procfile(tmp_path, procfile, CELERY_BROKER_URL=url) for _ in range(2)]

    for run in runs:
        assert run.returncode == 0, run.stdout + run.stderr
        assert "Starting redis-server redis.conf" in run.stdout
    assert "RUN 1 {'appendfsync': 'always'}" in runs[0].stdout
    assert "RUN 2 {'appendfsync': 'always'}" in runs[1].stdout  # the first run's write kept
    assert (tmp_path / ".redis" / "appendonlydir").is_dir()  # where redis.conf says


def test_without_redis_and_without_redis_server_it_says_how_to_install_it(tmp_path):
    no_redis_server = tmp_path / "bin"
    no_redis_server.mkdir()
    port = free_port()

    run = run_procfile(
        tmp_path, CELERY_BROKER_URL=f"redis://127.0.0.1:{port}/0", PATH=str(no_redis_server)
    )

    assert run.returncode == 1
    assert f"Redis is not running at redis://127.0.0.1:{port}/0" in run.stderr
    assert "apt-get install redis-server" in run.stderr
    assert "PONG" not in run.stdout


def test_with_redis_running_it_starts_none(tmp_path, redis):
    run = run_procfile(tmp_path, CELERY_BROKER_URL=redis.url)

    assert run.returncode == 0, run.stdout + run.stderr
    assert "Starting redis-server" not in run.stdout
    assert "PONG: True" in run.stdout
    # The tests' Redis keeps nothing on disk: a restart of it would lose the queue.
    assert "runs without appendonly: a restart loses queued tasks" in run.stdout
