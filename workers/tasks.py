"""The jobs: files in storage_dir/<job id>/, made by the worker's supervised LibreOffice.

    report   one enterprise's input -> its report and attachments 1-3
             (a thin call into service.pipeline.produce)
    forms    a roster read by the API -> attachments 1-3 of every enterprise, merged
             print file, manifests and zip (service.batch.run_forms)

The job hash in Redis (service.jobs) carries the state the API reports. Only transient
conversion errors are retried, with doubling back-off and jitter; anything else fails
the job at once, with a Chinese message that says what to do.
"""

from __future__ import annotations

import errno
import hashlib
import logging
import os
import random
import shutil
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import TypeVar

from billiard.exceptions import SoftTimeLimitExceeded, TimeLimitExceeded
from celery import Task

from service import forms_jobs
from service.batch import BatchResult, run_forms
from service.errors import ConvertError, DataError, InputError, Problem, UnavailableError
from service.jobs import FINAL_STATES, Job, JobStore, now
from service.loading import parse_input
from service.pipeline import VALIDATION_FILE, Outcome, produce
from service.redact import private_values
from service.retention import maybe_purge
from service.settings import DOCUMENTS_PER_JOB, get_settings
from service.skeleton import load_skeleton
from workers.app import FORMS_TASK, REPORT_TASK, app
from workers.converter import Supervisor, supervisor
from workers.logs import job_context

log = logging.getLogger("zgsz.workers.tasks")

BACKOFF_BASE = 2.0
BACKOFF_CAP = 60.0
# What a full disk or a file-size limit looks like to a writer.
STORAGE_FULL = (errno.ENOSPC, errno.EFBIG, errno.EDQUOT)


@cache
def job_store() -> JobStore:
    return JobStore(get_settings())


def backoff(retries: int) -> float:
    """Seconds before the next try: doubling up to a cap, plus jitter so that jobs that
    failed together (one LibreOffice crash) do not all come back at once."""
    return min(BACKOFF_CAP, BACKOFF_BASE * 2**retries) + random.uniform(0, BACKOFF_BASE)


def error(code: str, message: str, *, retryable: bool,
          problems: list[Problem] | None = None) -> dict:
    return {"code": code, "message": message, "retryable": retryable,
            "problems": [p.as_dict() for p in problems or []]}


def timeout_error() -> dict:
    limit = get_settings().task_soft_time_limit
    return error("job.timeout",
                 f"处理超时：{limit} 秒内未完成（由 ZGSZ_CONVERSION_TIMEOUT 推算），"
                 "已终止。可稍后重新提交；如反复出现，请调大 ZGSZ_CONVERSION_TIMEOUT",
                 retryable=True)


def fail(job_id: str, reason: dict) -> None:
    job_store().update(job_id, state="failed", finished_at=now(), error=reason,
                       converting=False)
    log.warning("job failed: %s", reason["code"])


class JobTask(Task):
    def on_failure(self, exc, task_id, args, kwargs, einfo) -> None:
        # Only what the task itself did not catch: a bug, or the hard time limit, in
        # which case this runs in the parent process after the child was killed.
        job_id = args[0] if args else task_id
        if isinstance(exc, TimeLimitExceeded):
            reason = timeout_error()
        else:
            reason = error("job.internal", "服务内部错误，任务未完成。"
                           "请联系管理员查看 worker 日志", retryable=False)
        with job_context(job_id):
            fail(job_id, reason)


@app.task(bind=True, base=JobTask, name=REPORT_TASK)
def report(self: Task, job_id: str, data: dict, draft: bool,
           formats: list[str]) -> None:
    with job_context(job_id, private_values(data)):
        run(self, job_id, data, draft=draft, formats=formats)
    _purge_quietly()


def _purge_quietly() -> None:
    # Retention is housekeeping: it must never fail the job that happened to trigger it.
    try:
        maybe_purge(get_settings(), job_store())
    except (UnavailableError, OSError) as exc:
        log.warning("retention purge skipped: %s", exc)


@app.task(bind=True, base=JobTask, name=FORMS_TASK)
def forms(self: Task, job_id: str, roster: dict, options: dict) -> None:
    with job_context(job_id, forms_jobs.private_values(roster)):
        attempt(self, job_id, lambda job: _run_forms(job_id, roster, options),
                _forms_succeeded)
    _purge_quietly()


def run(task: Task, job_id: str, data: dict, *, draft: bool,
        formats: list[str]) -> None:
    attempt(task, job_id,
            lambda job: _produce(job_id, data, draft=draft, pdf="pdf" in formats),
            lambda job, outcome: _succeed(job_id, outcome, formats))


Made = TypeVar("Made")


def attempt(task: Task, job_id: str, make: Callable[[Job], Made],
            succeed: Callable[[Job, Made], None]) -> None:
    """One try at a job: `make` its files, then `succeed` records them. Whatever `make`
    raises ends as the job's error (or a retry, for a transient conversion error)."""
    store = job_store()
    job = store.get(job_id)
    if job is None:
        log.warning("job record missing (expired?); nothing done")
        return
    if job.state in FINAL_STATES:
        # A re-delivered message (acks_late) for work already done: do not redo it.
        log.debug("job already %s; re-delivery ignored", job.state)
        return

    store.start(job_id, progress=5, worker_pid=os.getpid(), converting=False)
    try:
        made = make(job)
    except ConvertError as exc:
        _convert_failed(task, job_id, exc)
    except InputError as exc:
        fail(job_id, error("input.invalid", exc.message, retryable=False,
                           problems=exc.problems))
    except DataError as exc:
        fail(job_id, error("data.broken", f"服务端数据文件有误：{exc.message}。"
                           "请联系管理员", retryable=False))
    except SoftTimeLimitExceeded:
        supervisor().kill()  # it may be what hangs; the next job starts a fresh one
        fail(job_id, timeout_error())
    except OSError as exc:
        _storage_failed(job_id, exc)
    else:
        succeed(job, made)


def _produce(job_id: str, data: dict, *, draft: bool, pdf: bool) -> Outcome:
    model = parse_input(data)
    if pdf:
        supervisor().ready()
    converter = _Progress(supervisor(), job_store(), job_id)
    out_dir = get_settings().storage_dir / job_id
    return produce(model, out_dir, converter, draft=draft, pdf=pdf)


def _convert_failed(task: Task, job_id: str, exc: ConvertError) -> None:
    tries, limit = task.request.retries, get_settings().task_retries
    if exc.transient and tries < limit:
        delay = backoff(tries)
        log.warning("conversion failed (try %d of %d), again in %.1fs: %s",
                    tries + 1, limit + 1, delay, exc.message[:300])
        job_store().update(job_id, state="queued", progress=0, converting=False)
        raise task.retry(countdown=delay, exc=exc, max_retries=limit)

    advice = ("可稍后重新提交；如反复出现，请联系管理员检查 worker 的 LibreOffice"
              if exc.transient else "请联系管理员检查 worker 的 LibreOffice 安装")
    log.error("conversion failed for good after %d tries: %s", tries + 1,
              exc.message[:300])
    fail(job_id, error("convert.failed",
                       f"PDF 转换失败（共尝试 {tries + 1} 次）：{exc.message}。"
                       + advice,
                       retryable=exc.transient))


def _storage_failed(job_id: str, exc: OSError) -> None:
    """The files could not be written: store.write_all left none behind."""
    folder = get_settings().storage_dir / job_id
    if folder.is_dir() and not any(folder.iterdir()):
        shutil.rmtree(folder, ignore_errors=True)
    if exc.errno in STORAGE_FULL:
        log.error("storage full: %s", exc)
        fail(job_id, error("storage.full",
                           "文件存储空间已满，任务文件未能写入（ZGSZ_STORAGE_DIR）。"
                           "请管理员清理或扩容后重新提交", retryable=True))
    else:
        log.error("storage not writable: %s", exc)
        fail(job_id, error("storage.failed",
                           f"任务文件未能写入 ZGSZ_STORAGE_DIR：{exc.strerror}。"
                           "请联系管理员检查存储目录", retryable=True))


def _succeed(job_id: str, outcome: Outcome, formats: list[str]) -> None:
    offered = [p for p in outcome.files
               if p.suffix.lstrip(".") in formats or p.name == VALIDATION_FILE]
    validation = {**outcome.validation.as_dict(), "pdf_checks": outcome.pdf_checks}
    job_store().update(job_id, state="succeeded", progress=100, finished_at=now(),
                       files=[_describe(p) for p in sorted(offered)],
                       validation=validation, converting=False)


def _run_forms(job_id: str, message: dict, options: dict) -> BatchResult:
    roster = forms_jobs.roster_from_message(message)
    skeleton = load_skeleton(options["skeleton"])
    supervisor().ready()
    store = job_store()

    def progress(done: int, total: int) -> None:
        store.update(job_id, progress=forms_jobs.progress_percent(done, total))

    return run_forms(
        roster, skeleton, tuple(options["forms"]), get_settings().storage_dir / job_id,
        [_Converting(supervisor(), store, job_id)], with_docx=options["docx"],
        pad_even=options["pad_even"], draft=options["draft"],
        chunk_size=forms_jobs.chunk_size(len(roster.rows)), progress=progress)


def _forms_succeeded(job: Job, result: BatchResult) -> None:
    folder = get_settings().storage_dir / job.id
    # The print file, zip and manifests first, then each enterprise's files in order.
    names = sorted((p.relative_to(folder).as_posix() for p in result.files),
                   key=lambda name: ("/" in name, name))
    batch = {**(job.batch or {}), "succeeded": len(result.done),
             "merged_pages": result.merged_pages}
    job_store().update(job.id, state="succeeded", progress=100, finished_at=now(),
                       files=[_describe(folder / name, name) for name in names],
                       batch=batch, converting=False)
    log.info("forms job done: %d enterprises, %d rows with errors", len(result.done),
             batch.get("failed_rows", 0))


def _describe(path: Path, name: str | None = None) -> dict:
    content = path.read_bytes()
    return {"name": name or path.name, "size": len(content),
            "sha256": hashlib.sha256(content).hexdigest()}


class _Converting:
    """run_forms' converter: the supervised LibreOffice, its calls marked in the job
    record (`converting`), as the report job's are."""

    def __init__(self, converter: Supervisor, store: JobStore, job_id: str):
        self._converter, self._store, self._job_id = converter, store, job_id

    def convert(self, document: bytes, to: str = "pdf",
                filter_options: list[str] | None = None, *,
                update_index: bool = True) -> bytes:
        self._store.update(self._job_id, converting=True)
        try:
            return self._converter.convert(document, to, filter_options,
                                           update_index=update_index)
        finally:
            self._store.update(self._job_id, converting=False)


class _Progress:
    """The pipeline's converter: the supervised LibreOffice, counted into progress."""

    def __init__(self, converter: Supervisor, store: JobStore, job_id: str):
        self._converter, self._store, self._job_id = converter, store, job_id
        self._done = 0

    def to_pdf(self, docx: bytes) -> bytes:
        self._store.update(self._job_id, converting=True)
        pdf = self._converter.to_pdf(docx)
        self._done += 1
        progress = 10 + 85 * self._done // DOCUMENTS_PER_JOB
        self._store.update(self._job_id, converting=False, progress=min(progress, 95))
        return pdf
