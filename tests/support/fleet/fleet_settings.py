"""Step 8's settings, with a dead worker's task back in the queue within seconds.

For the real-process tests only (DJANGO_SETTINGS_MODULE=fleet_settings): in production
a task waits for visibility_timeout, an hour, and workers look every 10 s.

The tests kill workers and Redis itself. One killed while it held kombu's restore mutex
(a Redis lock, kept on disk with the step's redis.conf) would stop every worker from
restoring taken tasks until the lock expires: 300 s by default, against 7 s here.
"""

from eventproject.settings import *  # noqa: F403

CELERY_BROKER_TRANSPORT_OPTIONS = {
    **CELERY_BROKER_TRANSPORT_OPTIONS,  # noqa: F405
    "visibility_timeout": 420,  # simulated seconds: 7 real ones on a clock 60 times as fast
    "unacked_restore_interval": 1,  # real seconds
    "unacked_mutex_expire": 2,  # real seconds, as Redis counts them; a restore takes ms
}
