"""Every log line of a worker carries its job id, and none carries personal data.

A record factory rather than a handler filter: Celery and billiard add handlers of their
own, and a record that reached one of them without `job_id`, or unmasked, would escape.
The factory masks mobile numbers always, and inside a job also the names and phones of
its attendees and contact (service.redact). The API installs it too.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from contextvars import ContextVar

from service.redact import redact

FORMAT = "%(asctime)s %(levelname)s %(processName)s %(name)s [%(job_id)s] %(message)s"

_job_id: ContextVar[str] = ContextVar("job_id", default="-")
_private: ContextVar[tuple[str, ...]] = ContextVar("private", default=())


@contextlib.contextmanager
def job_context(job_id: str, private: tuple[str, ...] = ()) -> Iterator[None]:
    tokens = _job_id.set(job_id), _private.set(private)
    try:
        yield
    finally:
        _job_id.reset(tokens[0])
        _private.reset(tokens[1])


def install() -> None:
    """Give every log record made from now on the current job id (idempotent)."""
    previous = logging.getLogRecordFactory()
    if getattr(previous, "adds_job_id", False):
        return

    def factory(*args, **kwargs) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        record.job_id = _job_id.get()
        mask(record, _private.get())
        return record

    factory.adds_job_id = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(factory)


def mask(record: logging.LogRecord, private: tuple[str, ...]) -> None:
    try:
        message = record.getMessage()
    except Exception:
        return  # a malformed call: logging reports it when the record is emitted
    masked = redact(message, private)
    if masked != message:
        _mask_arguments(record, private, masked)
    if record.exc_info and not record.exc_text:
        trace = logging.Formatter().formatException(record.exc_info)
        record.exc_text = redact(trace, private)


def _mask_arguments(record: logging.LogRecord, private: tuple[str, ...],
                     masked: str) -> None:
    # Masking argument by argument keeps the record's shape for formatters that read
    # `args` themselves (uvicorn's access log); failing that, the merged line goes.
    if isinstance(record.args, tuple):
        original = record.msg, record.args
        record.msg = redact(str(record.msg), private)
        record.args = tuple(_masked_argument(a, private) for a in record.args)
        try:
            if record.getMessage() == masked:
                return
        except Exception:
            pass
        record.msg, record.args = original
    record.msg, record.args = masked, None


def _masked_argument(value: object, private: tuple[str, ...]) -> object:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value if redact(str(value), private) == str(value) else "[已隐去]"
    if value is None or isinstance(value, bool):
        return value
    text = str(value)
    masked = redact(text, private)
    return value if masked == text else masked
