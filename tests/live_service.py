"""A real `zgsz worker` and `zgsz serve` for the tests, against the real Redis.

They use Redis database 15 (flushed at start), a queue of their own and a temporary
storage folder. One pair serves the whole session, whichever test module asks first.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import redis
import yaml

from tests.helpers import EXAMPLES

REDIS_URL = "redis://127.0.0.1:6379/15"
ZGSZ = Path(sys.executable).parent / "zgsz"
START_TIMEOUT = 90
JOB_TIMEOUT = 150


@dataclass
class LiveService:
    url: str
    queue: str
    storage: Path
    redis: redis.Redis
    worker: subprocess.Popen
    api: subprocess.Popen
    logs: Path

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=30)

    def job_record(self, job_id: str) -> dict[str, str]:
        return self.redis.hgetall(f"{self.queue}:job:{job_id}")

    def heartbeats(self) -> list[dict]:
        keys = self.redis.keys(f"{self.queue}:worker:*")
        return [json.loads(v) for v in self.redis.mget(keys) if v] if keys else []

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(
            f"--- {path.name}\n" + "\n".join(path.read_text("utf-8", "replace")
                                            .splitlines()[-lines:])
            for path in sorted(self.logs.glob("*.log")))


def sample_input(name: str = "machining_parts") -> dict:
    """An example input as the JSON a client would send (dates become strings)."""
    data = yaml.safe_load((EXAMPLES / f"{name}.yaml").read_text("utf-8"))
    return json.loads(json.dumps(data, default=str, ensure_ascii=False))


def wait_for_job(client: httpx.Client, job_id: str,
                 timeout: float = JOB_TIMEOUT) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = client.get(f"/v1/jobs/{job_id}").json()
        if job["state"] in ("succeeded", "failed"):
            return job
        time.sleep(0.3)
    pytest.fail(f"job {job_id} not finished within {timeout}s: {job}")


def wait_ready(service: LiveService, timeout: float = START_TIMEOUT) -> None:
    deadline = time.monotonic() + timeout
    answer = None
    while time.monotonic() < deadline:
        for process in (service.worker, service.api):
            if process.poll() is not None:
                pytest.fail(f"{process.args} exited with {process.returncode}\n"
                            f"{service.log_tail()}")
        try:
            answer = httpx.get(f"{service.url}/readyz", timeout=5)
            if answer.status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    pytest.fail(f"service not ready in {timeout}s: {answer and answer.text}\n"
                f"{service.log_tail()}")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _connect() -> redis.Redis:
    client = redis.Redis.from_url(REDIS_URL, decode_responses=True,
                                  socket_connect_timeout=2)
    try:
        client.ping()
    except redis.RedisError as exc:
        pytest.fail(f"Redis is not reachable at {REDIS_URL}: {exc}. The API and worker "
                    "tests need a real Redis: start redis-server.", pytrace=False)
    client.flushdb()
    return client


def _spawn(args: list[str], env: dict, log: Path) -> subprocess.Popen:
    # A session of its own, so that the teardown can stop the worker with its children.
    with log.open("wb") as out:
        return subprocess.Popen([str(ZGSZ), *args], env=env, stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True)


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


_running: LiveService | None = None


def start(folder: Path) -> LiveService:
    global _running
    if _running is not None:
        return _running

    client = _connect()
    queue = f"test-{uuid.uuid4().hex[:8]}"
    storage, logs = folder / "storage", folder / "logs"
    logs.mkdir(parents=True)
    env = {**os.environ, "ZGSZ_REDIS_URL": REDIS_URL, "ZGSZ_STORAGE_DIR": str(storage),
           "ZGSZ_QUEUE": queue, "ZGSZ_CONVERSION_TIMEOUT": "60"}
    port = _free_port()
    worker = _spawn(["worker", "--name", f"{queue}@%h"], env, logs / "worker.log")
    api = _spawn(["serve", "--port", str(port)], env, logs / "api.log")
    _running = LiveService(f"http://127.0.0.1:{port}", queue, storage, client, worker,
                           api, logs)
    try:
        wait_ready(_running)
    except BaseException:
        stop()
        raise
    return _running


def stop() -> None:
    global _running
    if _running is None:
        return
    _stop(_running.api)
    _stop(_running.worker)
    _running.redis.flushdb()
    _running = None
