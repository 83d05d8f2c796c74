"""Faults around a job: Redis gone and back, LibreOffice frozen, the storage disk full.

Each runs on services of its own (a second redis-server, a worker with a short
conversion time-out, a worker whose storage is a tiny tmpfs), so that the shared
session pair is left alone.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from service.auth import create_token
from service.jobs import JobStore
from service.settings import Settings
from tests import live_service
from tests.live_service import (
    ZGSZ,
    LiveService,
    _free_port,
    sample_input,
    wait_for_job,
    wait_ready,
)
from tests.test_worker_faults import _running, _soffice_in_group, _wait_record

REDIS_SERVER = shutil.which("redis-server")


def _start_redis(port: int) -> subprocess.Popen:
    if REDIS_SERVER is None:
        pytest.fail("redis-server is not installed: the Redis fault test needs it")
    process = subprocess.Popen([REDIS_SERVER, "--port", str(port), "--save", "",
                                "--appendonly", "no", "--daemonize", "no"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            JobStore(Settings(redis_url=f"redis://127.0.0.1:{port}/0")).ping()
            return process
        except Exception:
            time.sleep(0.1)
    process.kill()
    pytest.fail(f"redis-server on port {port} did not start")


def _stop_process(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        process.wait(timeout=20)


@pytest.fixture
def own_redis(tmp_path):
    """An API alone on a redis-server of its own; yields (url, redis port, process box)."""
    port = _free_port()
    box = {"redis": _start_redis(port)}
    api_port = _free_port()
    env = {**os.environ, "ZGSZ_REDIS_URL": f"redis://127.0.0.1:{port}/0",
           "ZGSZ_STORAGE_DIR": str(tmp_path / "storage"), "ZGSZ_QUEUE": "faults"}
    with (tmp_path / "api.log").open("wb") as log:
        api = subprocess.Popen([str(ZGSZ), "serve", "--port", str(api_port)], env=env,
                               stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{api_port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            httpx.get(f"{url}/healthz", timeout=2)
            break
        except httpx.HTTPError:
            time.sleep(0.2)
    yield url, port, box
    _stop_process(api)
    _stop_process(box["redis"])


def _token(port: int) -> str:
    settings = Settings(redis_url=f"redis://127.0.0.1:{port}/0", queue="faults")
    return create_token(JobStore(settings), live_service.INSTITUTION)


def test_redis_outage_answers_503_fast_and_recovers_by_itself(own_redis):
    url, port, box = own_redis
    headers = {"Authorization": f"Bearer {_token(port)}"}
    assert httpx.get(f"{url}/v1/skeletons", headers=headers).status_code == 200

    _stop_process(box["redis"])
    started = time.monotonic()
    down = httpx.get(f"{url}/v1/skeletons", headers=headers, timeout=10)
    took = time.monotonic() - started
    submitted = httpx.post(f"{url}/v1/jobs", headers=headers, timeout=10,
                           json={"input": sample_input()})

    assert down.status_code == 503 and submitted.status_code == 503
    assert took < 1, f"503 took {took:.2f}s"
    assert int(down.headers["retry-after"]) > 0
    assert "ZGSZ_REDIS_URL" in down.json()["message"]

    box["redis"] = _start_redis(port)
    # Nothing persisted (--save ""): the token is issued again, the API is not touched.
    headers = {"Authorization": f"Bearer {_token(port)}"}
    back = httpx.get(f"{url}/v1/skeletons", headers=headers, timeout=10)
    ready = httpx.get(f"{url}/readyz", timeout=10).json()
    assert back.status_code == 200, back.text
    assert ready["checks"]["redis"]["ok"] is True


# ------------------------------------------------------------------ LibreOffice


@pytest.fixture(scope="module")
def short_timeout(tmp_path_factory):
    service = live_service.launch(tmp_path_factory.mktemp("short"),
                                  conversion_timeout="10")
    yield service
    live_service.halt(service)


def test_job_finishes_once_after_libreoffice_frozen(short_timeout: LiveService):
    service = short_timeout
    wait_ready(service)
    with service.client() as client:
        job_id = client.post("/v1/jobs", json={"input": sample_input()}).json()["id"]
    record = _wait_record(service, job_id, "converting", "1")
    child = int(record["worker_pid"])
    beat = next(b for b in service.heartbeats() if b["pid"] == child)
    frozen = _soffice_in_group(beat["converter_pid"])
    assert frozen, "no soffice.bin found for the worker's LibreOffice"

    for pid in frozen:
        os.kill(pid, signal.SIGSTOP)
    try:
        with service.client() as client:
            job = wait_for_job(client, job_id, timeout=240)
    finally:
        for pid in frozen:  # should the test fail, leave nothing stopped behind
            if _running(pid):
                os.kill(pid, signal.SIGKILL)

    assert job["state"] == "succeeded", job["error"]
    assert job["attempts"] == 2
    restarted = next(b for b in service.heartbeats() if b["pid"] == child)
    assert restarted["converter_pid"] != beat["converter_pid"]
    assert not any(_running(pid) for pid in frozen)
    names = sorted(p.name for p in (service.storage / job_id).iterdir())
    assert names == sorted(f["name"] for f in job["files"])


# ------------------------------------------------------------------ disk full


@pytest.fixture(scope="module")
def tiny_disk(tmp_path_factory):
    folder = tmp_path_factory.mktemp("tiny")
    storage = folder / "storage"
    storage.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs",
                              str(storage)], capture_output=True, text=True)
    if mounted.returncode != 0:
        pytest.fail(f"cannot mount a tmpfs for the disk-full test (needs root): "
                    f"{mounted.stderr}")
    try:
        service = live_service.launch(folder, storage=storage)
        yield service
        live_service.halt(service)
    finally:
        subprocess.run(["umount", "-l", str(storage)], check=False)


def test_full_disk_fails_the_job_cleanly(tiny_disk: LiveService):
    service = tiny_disk
    with service.client() as client:
        answer = client.post("/v1/jobs", json={"input": sample_input()})
        job = wait_for_job(client, answer.json()["id"])

    assert job["state"] == "failed"
    assert job["error"]["code"] == "storage.full"
    assert "ZGSZ_STORAGE_DIR" in job["error"]["message"]
    assert "存储空间已满" in job["error"]["message"]
    assert job["error"]["retryable"] is True
    assert job["files"] == []
    left = [p for p in Path(service.storage).rglob("*") if p.is_file()]
    assert left == [], f"partial files left behind: {left}"
