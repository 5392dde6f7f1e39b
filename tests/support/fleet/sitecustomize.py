"""Hooks for the processes a test starts side by side (beats, workers); tests only.

Python imports this file at start-up when its folder is on PYTHONPATH.

ACCELERATE_SPEED: one fast simulated clock shared by every process that gets the same
environment, as machines with synchronised clocks share the time. Simulated time is
ACCELERATE_START + (real time - ACCELERATE_REAL_START) x ACCELERATE_SPEED; a thread
moves the process's time-machine clock there every few milliseconds (in forked
children too). Only the wall clock runs fast: time.monotonic() and sleeps stay real,
and so do the expiry times that Redis keeps.

HOLD_TASK: the first run of that Celery task in this process stops before its body
runs and prints a line starting with HOLDING, until the process is killed. So a test
can kill a worker in the middle of a task, at a moment it knows.
"""

import os
import threading

FOLLOW_EVERY = 0.01  # real seconds between two moves of the clock


def _share_the_clock() -> None:
    import time
    from datetime import datetime

    import time_machine

    start = datetime.fromisoformat(os.environ["ACCELERATE_START"]).timestamp()
    real_start = float(os.environ["ACCELERATE_REAL_START"])
    speed = float(os.environ["ACCELERATE_SPEED"])
    escape_hatch = time_machine.escape_hatch

    def simulated_now() -> float:
        real_now = escape_hatch.time.time() if escape_hatch.is_travelling() else time.time()
        return start + (real_now - real_start) * speed

    traveller = time_machine.travel(simulated_now(), tick=True).start()

    def follow() -> None:
        pace = threading.Event()
        while not pace.wait(FOLLOW_EVERY):
            traveller.move_to(simulated_now())

    def start_following() -> None:
        threading.Thread(target=follow, name="shared-clock", daemon=True).start()

    start_following()
    os.register_at_fork(after_in_child=start_following)  # a prefork pool's processes


def _hold_first_run(task_name: str) -> None:
    from celery.signals import task_prerun

    held = []

    @task_prerun.connect(weak=False)
    def hold(task=None, task_id=None, **kwargs) -> None:
        if task.name != task_name or held:
            return
        held.append(task_id)
        print(f"HOLDING {task_id} pid {os.getpid()}", flush=True)
        threading.Event().wait()  # until SIGKILL


if os.environ.get("ACCELERATE_SPEED"):
    _share_the_clock()
if os.environ.get("HOLD_TASK"):
    _hold_first_run(os.environ["HOLD_TASK"])
