"""Job records in Redis: one hash per job, so that any API process can answer for it.

Keys, all under the queue name so that two deployments may share one Redis:

    <queue>:job:<id>           hash: kind, state, progress, times, validation, batch,
                               error, files
    <queue>:idempotency:<key>  the job first submitted with that Idempotency-Key
    <queue>:worker:<name>      a worker process's heartbeat (JSON), expiring by itself
    <queue>:token:<sha256>     hash: an API token's institution and role (service.auth)
    <queue>:purge              held for an hour by the worker that last purged old jobs
    <queue>                    Celery's list of waiting messages: read, never written

Redis errors become UnavailableError here and nowhere else.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import re
from dataclasses import dataclass, field
from typing import Any, Literal

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from service.errors import UnavailableError
from service.settings import Settings

State = Literal["queued", "running", "succeeded", "failed"]
FINAL_STATES = ("succeeded", "failed")
JOB_ID = re.compile(r"[0-9a-f]{32}")
JSON_FIELDS = ("formats", "validation", "error", "files", "batch")
REDIS_RETRY_AFTER = 10


def now() -> str:
    return dt.datetime.now().astimezone().isoformat(timespec="seconds")


@dataclass
class Job:
    id: str
    state: State
    progress: int = 0
    draft: bool = False
    formats: list[str] = field(default_factory=list)
    attempts: int = 0
    created_at: str | None = None
    started_at: str | None = None
    finished_at: str | None = None
    validation: dict | None = None
    error: dict | None = None
    files: list[dict] = field(default_factory=list)
    fingerprint: str = ""
    worker_pid: int | None = None
    owner: str = ""
    kind: str = "report"
    # A forms job: its options, the roster's row errors, and once done what was made.
    batch: dict | None = None

    @classmethod
    def from_hash(cls, job_id: str, raw: dict[str, str]) -> Job:
        values: dict[str, Any] = {k: v for k, v in raw.items()
                                  if k in cls.__dataclass_fields__}
        for key in JSON_FIELDS:
            if key in values:
                values[key] = json.loads(values[key])
        for key in ("progress", "attempts", "worker_pid"):
            if key in values:
                values[key] = int(values[key])
        values["draft"] = values.get("draft") == "1"
        values["files"] = values.get("files") or []
        return cls(id=job_id, **values)


def to_hash(fields: dict[str, Any]) -> dict[str, str]:
    """Job fields -> Redis hash values: JSON for structures, 1/0 for booleans."""
    out = {}
    for key, value in fields.items():
        if key in JSON_FIELDS:
            out[key] = json.dumps(value, ensure_ascii=False)
        elif isinstance(value, bool):
            out[key] = "1" if value else "0"
        else:
            out[key] = str(value)
    return out


def _translated(method):
    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except redis.RedisError as exc:
            raise UnavailableError(
                f"无法访问 Redis（ZGSZ_REDIS_URL）：{exc}。请检查 Redis 是否运行",
                retry_after=REDIS_RETRY_AFTER,
            ) from exc
    return wrapper


class JobStore:
    def __init__(self, settings: Settings):
        # Short time-outs and one retry at once (a pooled connection that died with a
        # restarted Redis): with Redis gone a request answers 503 within a second, not
        # after redis-py's default ten retries with back-off.
        self._redis = redis.Redis.from_url(
            settings.redis_url, decode_responses=True,
            socket_connect_timeout=2, socket_timeout=5, retry=Retry(NoBackoff(), 1),
        )
        self._queue = settings.queue
        self._ttl = settings.job_ttl_seconds

    def _key(self, *parts: str) -> str:
        return ":".join((self._queue, *parts))

    @_translated
    def ping(self) -> None:
        self._redis.ping()

    @_translated
    def create(self, job_id: str, **fields: Any) -> None:
        key = self._key("job", job_id)
        with self._redis.pipeline() as pipe:
            pipe.hset(key, mapping=to_hash({"state": "queued", "progress": 0,
                                            "attempts": 0, "created_at": now(),
                                            **fields}))
            pipe.expire(key, self._ttl)
            pipe.execute()

    @_translated
    def get(self, job_id: str) -> Job | None:
        raw = self._redis.hgetall(self._key("job", job_id))
        return Job.from_hash(job_id, raw) if raw else None

    @_translated
    def update(self, job_id: str, **fields: Any) -> None:
        self._redis.hset(self._key("job", job_id), mapping=to_hash(fields))

    @_translated
    def start(self, job_id: str, **fields: Any) -> int:
        """Mark a job running; returns the attempt number (re-deliveries count)."""
        key = self._key("job", job_id)
        with self._redis.pipeline() as pipe:
            pipe.hincrby(key, "attempts", 1)
            pipe.hset(key, mapping=to_hash({"state": "running", "started_at": now(),
                                            **fields}))
            attempts, _ = pipe.execute()
        return attempts

    @_translated
    def delete(self, job_id: str) -> None:
        self._redis.delete(self._key("job", job_id))

    @_translated
    def claim_idempotency_key(self, key: str, job_id: str) -> str:
        """The job id that owns `key`: `job_id` if this call set it first."""
        redis_key = self._key("idempotency", key)
        if self._redis.set(redis_key, job_id, nx=True, ex=self._ttl):
            return job_id
        return self._redis.get(redis_key) or job_id

    @_translated
    def idempotent_job(self, key: str) -> str | None:
        return self._redis.get(self._key("idempotency", key))

    @_translated
    def release_idempotency_key(self, key: str) -> None:
        self._redis.delete(self._key("idempotency", key))

    @_translated
    def waiting(self) -> int:
        # Celery's Redis transport keeps waiting messages in a list named after the
        # queue (priority 0, the only one we use); reserved and running ones are not.
        return self._redis.llen(self._queue)

    @_translated
    def beat(self, name: str, info: dict, ttl: int) -> None:
        self._redis.set(self._key("worker", name), json.dumps(info), ex=ttl)

    @_translated
    def forget_worker(self, name: str) -> None:
        self._redis.delete(self._key("worker", name))

    @_translated
    def save_token(self, digest: str, fields: dict[str, str]) -> None:
        self._redis.hset(self._key("token", digest), mapping=fields)

    @_translated
    def token(self, digest: str) -> dict[str, str]:
        return self._redis.hgetall(self._key("token", digest))

    @_translated
    def tokens(self) -> dict[str, dict[str, str]]:
        prefix = self._key("token", "")
        keys = list(self._redis.scan_iter(match=prefix + "*", count=100))
        return {key[len(prefix):]: self._redis.hgetall(key) for key in keys}

    @_translated
    def delete_token(self, digest: str) -> bool:
        return bool(self._redis.delete(self._key("token", digest)))

    @_translated
    def created_times(self) -> dict[str, str]:
        """Every job id with its created_at (empty if the record lacks one)."""
        prefix = self._key("job", "")
        keys = list(self._redis.scan_iter(match=prefix + "*", count=500))
        with self._redis.pipeline() as pipe:
            for key in keys:
                pipe.hget(key, "created_at")
            times = pipe.execute()
        return {key[len(prefix):]: value or ""
                for key, value in zip(keys, times, strict=True)}

    @_translated
    def forget_jobs(self, job_ids: set[str]) -> None:
        """Delete job records and the idempotency keys that lead to them."""
        if not job_ids:
            return
        self._redis.delete(*(self._key("job", job_id) for job_id in job_ids))
        keys = list(self._redis.scan_iter(match=self._key("idempotency", "*"),
                                          count=500))
        owners = self._redis.mget(keys) if keys else []
        stale = [key for key, owner in zip(keys, owners, strict=True)
                 if owner in job_ids]
        if stale:
            self._redis.delete(*stale)

    @_translated
    def claim_purge(self, seconds: int) -> bool:
        """Whether this caller should purge now: true at most once per `seconds`."""
        return bool(self._redis.set(self._key("purge"), now(), nx=True, ex=seconds))

    @_translated
    def heartbeats(self) -> list[dict]:
        keys = list(self._redis.scan_iter(match=self._key("worker", "*"), count=100))
        values = self._redis.mget(keys) if keys else []
        return [json.loads(v) for v in values if v]
