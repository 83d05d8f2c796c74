"""Jobs older than ZGSZ_RETENTION_DAYS go, folders and records; recent ones stay."""

from __future__ import annotations

import datetime as dt
import os
import time
import uuid
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from service import cli_admin
from service.jobs import JobStore
from service.settings import Settings
from tests import live_service
from tests.live_service import REDIS_URL, sample_input, wait_for_job

DAY = 86400


def _ago(days: float) -> str:
    moment = dt.datetime.now().astimezone() - dt.timedelta(days=days)
    return moment.isoformat(timespec="seconds")


def _plant(store: JobStore, storage: Path, days: float, *, record: bool = True,
           folder: bool = True) -> str:
    """A job `days` old: its record (created_at set back) and its folder (mtime too)."""
    job_id = uuid.uuid4().hex
    if record:
        store.create(job_id, state="succeeded", created_at=_ago(days))
    if folder:
        path = storage / job_id
        path.mkdir(parents=True)
        (path / "报告.pdf").write_bytes(b"%PDF-1.7")
        stamp = time.time() - days * DAY
        os.utime(path / "报告.pdf", (stamp, stamp))
        os.utime(path, (stamp, stamp))
    return job_id


@pytest.fixture
def planted(tmp_path, monkeypatch):
    queue = f"test-ret-{uuid.uuid4().hex[:8]}"
    settings = Settings(redis_url=REDIS_URL, queue=queue, storage_dir=tmp_path)
    for name, value in (("REDIS_URL", REDIS_URL), ("QUEUE", queue),
                        ("STORAGE_DIR", str(tmp_path))):
        monkeypatch.setenv(f"ZGSZ_{name}", value)
    store = JobStore(settings)
    jobs = {
        "old": _plant(store, tmp_path, 10),
        "old_folder_only": _plant(store, tmp_path, 10, record=False),
        "old_record_only": _plant(store, tmp_path, 10, folder=False),
        "recent": _plant(store, tmp_path, 2),
        "recent_folder_only": _plant(store, tmp_path, 2, record=False),
    }
    store.claim_idempotency_key("key-of-old", jobs["old"])
    (tmp_path / "notes").mkdir()  # not a job folder: never ours to delete
    os.utime(tmp_path / "notes", (0, 0))
    yield store, tmp_path, jobs
    keys = list(live_service._connect().scan_iter(match=f"{queue}*"))
    if keys:
        live_service._connect().delete(*keys)


def _admin() -> typer.Typer:
    app = typer.Typer()
    app.command("purge")(cli_admin.purge)
    app.add_typer(cli_admin.token_app, name="token")
    return app


def test_purge_deletes_old_jobs_and_keeps_recent(planted):
    store, storage, jobs = planted
    result = CliRunner().invoke(_admin(), ["purge", "--days", "7"])

    assert result.exit_code == 0, result.output
    assert "目录 2 个，记录 2 条" in result.output
    left = {p.name for p in storage.iterdir()}
    assert left == {jobs["recent"], jobs["recent_folder_only"], "notes"}
    assert store.get(jobs["old"]) is None and store.get(jobs["old_record_only"]) is None
    assert store.get(jobs["recent"]) is not None
    assert store.idempotent_job("key-of-old") is None


def test_purge_without_days_names_the_setting(planted):
    result = CliRunner().invoke(_admin(), ["purge"])
    assert result.exit_code == 2
    assert "ZGSZ_RETENTION_DAYS" in result.output


def test_token_create_prints_a_token_that_opens_the_api(planted):
    store, _, _ = planted
    result = CliRunner().invoke(_admin(), ["token", "create", "--institution",
                                           "某诊断机构"])
    assert result.exit_code == 0, result.output
    token = result.output.strip().splitlines()[-1]
    from service.auth import authenticate
    assert authenticate(store, token).institution == "某诊断机构"
    assert token not in str(store.tokens())


def test_worker_purges_old_jobs_after_a_job(tmp_path_factory):
    folder = tmp_path_factory.mktemp("retention")
    storage = folder / "storage"
    settings_store = None
    service = live_service.launch(folder, storage=storage, retention_days="7")
    try:
        settings_store = service.store()
        old = _plant(settings_store, storage, 10)
        recent = _plant(settings_store, storage, 2)
        with service.client() as client:
            answer = client.post("/v1/jobs", json={"input": sample_input(),
                                                   "formats": ["docx"]})
            job = wait_for_job(client, answer.json()["id"])

        assert job["state"] == "succeeded"
        deadline = time.monotonic() + 30  # the purge runs just after the job
        while (storage / old).exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not (storage / old).exists()
        assert settings_store.get(old) is None
        assert (storage / recent).is_dir() and (storage / job["id"]).is_dir()
    finally:
        live_service.halt(service)
