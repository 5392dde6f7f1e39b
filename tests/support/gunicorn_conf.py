"""gunicorn settings for the tests (support/gunicorn.py): a line once each worker can serve."""


def post_worker_init(worker) -> None:
    worker.log.info("Worker ready: %d", worker.pid)
