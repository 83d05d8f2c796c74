"""A real `zgsz worker` and `zgsz serve` for the tests, against the real Redis.

They use Redis database 15, a queue of their own (every key of theirs carries its name,
and only those are deleted at the end: other sessions may share the database) and a
temporary storage folder. One pair serves the whole session, whichever test module asks first;
`launch` starts further pairs with settings of their own (a short time-out, say).
Authentication is on, as in production: each pair has a token of INSTITUTION.
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

from service.auth import create_token
from service.jobs import JobStore
from service.settings import Settings
from tests.helpers import EXAMPLES

REDIS_URL = "redis://127.0.0.1:6379/15"
ZGSZ = Path(sys.executable).parent / "zgsz"
START_TIMEOUT = 90
JOB_TIMEOUT = 150
INSTITUTION = "测试诊断机构"


@dataclass
class LiveService:
    url: str
    queue: str
    storage: Path
    redis: redis.Redis
    worker: subprocess.Popen
    api: subprocess.Popen
    logs: Path
    token: str = ""

    def client(self, token: str | None = None) -> httpx.Client:
        """A client with this pair's token, or `token` ("" for none)."""
        token = self.token if token is None else token
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.Client(base_url=self.url, timeout=30, headers=headers)

    @property
    def token_env(self) -> dict[str, str]:
        """The environment `zgsz report --remote` reads its token from."""
        return {"ZGSZ_API_TOKEN": self.token}

    def new_token(self, institution: str, *, admin: bool = False) -> str:
        return create_token(self.store(), institution, admin=admin)

    def store(self) -> JobStore:
        return JobStore(Settings(redis_url=REDIS_URL, queue=self.queue))

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


def launch(folder: Path, client: redis.Redis | None = None,
           storage: Path | None = None, **settings: str) -> LiveService:
    """A new worker and API pair on a queue of its own; ZGSZ_* overrides in `settings`
    (conversion_timeout="10"); stop it with `halt`."""
    client = client or _connect()
    queue = f"test-{uuid.uuid4().hex[:8]}"
    storage, logs = storage or folder / "storage", folder / "logs"
    logs.mkdir(parents=True)
    env = {**os.environ, "ZGSZ_REDIS_URL": REDIS_URL, "ZGSZ_STORAGE_DIR": str(storage),
           "ZGSZ_QUEUE": queue, "ZGSZ_CONVERSION_TIMEOUT": "60",
           **{f"ZGSZ_{k.upper()}": v for k, v in settings.items()}}
    port = _free_port()
    worker = _spawn(["worker", "--name", f"{queue}@%h"], env, logs / "worker.log")
    api = _spawn(["serve", "--port", str(port)], env, logs / "api.log")
    service = LiveService(f"http://127.0.0.1:{port}", queue, storage, client, worker,
                          api, logs)
    try:
        service.token = service.new_token(INSTITUTION)
        wait_ready(service)
    except BaseException:
        halt(service)
        raise
    return service


def halt(service: LiveService) -> None:
    _stop(service.api)
    _stop(service.worker)
    keys = list(service.redis.scan_iter(match=f"*{service.queue}*", count=500))
    if keys:
        service.redis.delete(*keys)


def start(folder: Path) -> LiveService:
    global _running
    if _running is None:
        _running = launch(folder, _connect())
    return _running


def stop() -> None:
    global _running
    if _running is None:
        return
    halt(_running)
    _running = None
