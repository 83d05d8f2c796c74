"""The job id on every log line of a worker, through a context variable.

A record factory rather than a handler filter: Celery and billiard add handlers of their
own, and a record that reached one of them without `job_id` could not be formatted.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from contextvars import ContextVar

FORMAT = "%(asctime)s %(levelname)s %(processName)s %(name)s [%(job_id)s] %(message)s"

_job_id: ContextVar[str] = ContextVar("job_id", default="-")


@contextlib.contextmanager
def job_context(job_id: str) -> Iterator[None]:
    token = _job_id.set(job_id)
    try:
        yield
    finally:
        _job_id.reset(token)


def install() -> None:
    """Give every log record made from now on the current job id (idempotent)."""
    previous = logging.getLogRecordFactory()
    if getattr(previous, "adds_job_id", False):
        return

    def factory(*args, **kwargs) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        record.job_id = _job_id.get()
        return record

    factory.adds_job_id = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(factory)
