"""For tools/bench_scale.py: with SCALE_QUERY_LOG set, each SQL statement that any thread
of this process runs through Django appends its time and its first word to that file.

Python imports this file at start-up when its folder is on PYTHONPATH, before Django
opens any connection; every connection, in every thread, gets the wrapper as it opens.
"""

import os
import time

LOG = os.environ.get("SCALE_QUERY_LOG")


# --8<-- [start:log]
def log(execute, sql, params, many, context):
    """A wrapper in the shape connection.execute_wrapper() takes: note, then run."""
    with open(LOG, "a") as queries:
        queries.write(f"{time.time():.6f} {sql.split(None, 1)[0].upper()}\n")
    return execute(sql, params, many, context)


def wrap(sender, connection, **kwargs) -> None:
    """Django's connection_created signal: a new connection, in whichever thread."""
    if log not in connection.execute_wrappers:  # a reconnection: wrapped already
        connection.execute_wrappers.append(log)


# --8<-- [end:log]

if LOG:
    from django.db.backends.signals import connection_created

    connection_created.connect(wrap)
