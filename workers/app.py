"""The Celery app: Redis as broker and result backend, limits derived from the settings.

The API builds one with its own settings to enqueue jobs; `zgsz worker` runs `app`.
"""

from __future__ import annotations

import logging

from celery import Celery
from celery.signals import after_setup_logger

from service.convert import DEFAULT_START_TIMEOUT
from service.settings import Settings, get_settings
from workers import logs

REPORT_TASK = "zgsz.report"
FORMS_TASK = "zgsz.forms"


def create_celery(settings: Settings) -> Celery:
    logs.install()  # before Celery sets up logging with a format that needs the job id
    celery = Celery("zgsz", broker=settings.redis_url, backend=settings.redis_url,
                    include=["workers.tasks", "workers.converter"])
    celery.conf.update(
        task_default_queue=settings.queue,
        # A job leaves the queue only once done, so a worker that dies mid-job (crash,
        # OOM, SIGKILL) hands it to another instead of losing it...
        task_acks_late=True,
        # ...including when only the child process was killed.
        task_reject_on_worker_lost=True,
        # A report takes seconds: a process takes one job at a time, so jobs wait in the
        # queue for a free process rather than behind a busy one.
        worker_prefetch_multiplier=1,
        task_soft_time_limit=settings.task_soft_time_limit,
        task_time_limit=settings.task_time_limit,
        # A job lost with its whole worker comes back after this; it must outlast the
        # hard limit, or a slow job would run twice at once.
        broker_transport_options={"visibility_timeout": settings.api_job_timeout},
        # The job hash is what the API reads; Celery's own results would go unread.
        task_ignore_result=True,
        result_expires=settings.job_ttl_seconds,
        # Each child starts its LibreOffice before it reports up (4 s by default).
        worker_proc_alive_timeout=DEFAULT_START_TIMEOUT + 10,
        # A fresh child now and then returns memory that LibreOffice's UNO bridge keeps.
        worker_max_tasks_per_child=200,
        # The API answers 503 at once when Redis is gone instead of retrying for long.
        task_publish_retry_policy={"max_retries": 2, "interval_start": 0,
                                   "interval_step": 0.5, "interval_max": 1},
        # Keep retrying to reach Redis when the worker starts before it (compose).
        broker_connection_retry_on_startup=True,
        # Our format, with the job id on every line (workers.logs).
        worker_log_format=logs.FORMAT,
    )
    return celery


@after_setup_logger.connect
def _setup_logging(**_: object) -> None:
    # One INFO line per job is ours (zgsz.pipeline). Celery's "received" and
    # "succeeded" lines would double it; unoserver's client tells three per document.
    for name in ("celery.app.trace", "celery.worker.strategy", "unoserver"):
        logging.getLogger(name).setLevel(logging.WARNING)


app = create_celery(get_settings())
