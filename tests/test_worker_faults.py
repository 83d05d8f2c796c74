"""Faults mid-job, on the real worker: the job must still succeed, once."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest

from service.settings import Settings
from tests import live_service
from tests.live_service import LiveService, sample_input, wait_for_job, wait_ready
from workers.app import REPORT_TASK, create_celery
from workers.converter import office_processes

POLL = 0.02


@pytest.fixture(scope="session")
def service(tmp_path_factory):
    yield live_service.start(tmp_path_factory.mktemp("live"))
    live_service.stop()


def _submit(service: LiveService) -> str:
    wait_ready(service)  # the previous test's worker or LibreOffice may be restarting
    with service.client() as client:
        answer = client.post("/v1/jobs", json={"input": sample_input()})
    assert answer.status_code == 202, answer.text
    return answer.json()["id"]


def _wait_record(service: LiveService, job_id: str, field: str, value: str) -> dict:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        record = service.job_record(job_id)
        if record.get(field) == value:
            return record
        time.sleep(POLL)
    pytest.fail(f"job {job_id} never had {field}={value}: {service.job_record(job_id)}")


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"


def _soffice_in_group(pgid: int) -> list[int]:
    return office_processes(pgid, (b"soffice.bin",))


def test_job_finishes_after_worker_process_killed(service):
    job_id = _submit(service)
    record = _wait_record(service, job_id, "state", "running")
    child = int(record["worker_pid"])

    os.kill(child, signal.SIGKILL)
    with service.client() as client:
        job = wait_for_job(client, job_id)

    assert job["state"] == "succeeded", job["error"]
    assert job["attempts"] == 2
    assert not _running(child)
    assert int(service.job_record(job_id)["worker_pid"]) != child


def test_job_finishes_after_libreoffice_killed_mid_conversion(service):
    job_id = _submit(service)
    record = _wait_record(service, job_id, "converting", "1")
    child = int(record["worker_pid"])
    beat = next(b for b in service.heartbeats() if b["pid"] == child)
    office = _soffice_in_group(beat["converter_pid"])
    assert office, "no soffice.bin found for the worker's LibreOffice"

    for pid in office:
        os.kill(pid, signal.SIGKILL)
    with service.client() as client:
        job = wait_for_job(client, job_id)

    assert job["state"] == "succeeded", job["error"]
    assert job["attempts"] == 2
    restarted = next(b for b in service.heartbeats() if b["pid"] == child)
    assert restarted["converter_pid"] != beat["converter_pid"]
    assert not any(_running(pid) for pid in office)


def test_redelivered_finished_job_is_not_redone(service):
    job_id = _submit(service)
    with service.client() as client:
        first = wait_for_job(client, job_id)
    report = service.storage / job_id / first["files"][0]["name"]
    modified = report.stat().st_mtime_ns

    # The same message again, as acks_late re-delivers it when an ack was lost.
    celery = create_celery(Settings(redis_url=live_service.REDIS_URL,
                                    queue=service.queue))
    celery.send_task(REPORT_TASK, args=[job_id, sample_input(), False, ["docx", "pdf"]],
                     task_id=job_id, queue=service.queue)
    # One worker process takes messages in order: a later job done means that one is.
    with service.client() as client:
        later = client.post("/v1/jobs", json={"input": sample_input(), "draft": True,
                                              "formats": ["docx"]})
        wait_for_job(client, later.json()["id"])

    record = service.job_record(job_id)
    assert record["state"] == "succeeded"
    assert record["attempts"] == "1"
    assert report.stat().st_mtime_ns == modified
