"""No phone number or attendee name in the logs of the API or the worker."""

from __future__ import annotations

import logging

import pytest

from service.redact import PHONE_MASK, VALUE_MASK, private_values
from tests import live_service
from tests.live_service import sample_input, wait_for_job
from workers import logs


@pytest.fixture(scope="session")
def service(tmp_path_factory):
    yield live_service.start(tmp_path_factory.mktemp("live"))
    live_service.stop()


def _secrets(data: dict) -> set[str]:
    people = [data["enterprise"]["contact"],
              *(a for v in data["visits"] for a in v["attendees"])]
    return {p["name"] for p in people} | {p["phone"] for p in people}


def test_logs_hold_no_phone_or_name_after_a_job(service):
    data = sample_input()
    with service.client() as client:
        job = wait_for_job(client, client.post("/v1/jobs", json={
            "input": data, "formats": ["docx"]}).json()["id"])
        # A phone number where a job id belongs: the access log line must not keep it.
        stray = client.get(f"/v1/jobs/{data['enterprise']['contact']['phone']}")
    assert job["state"] == "succeeded" and stray.status_code == 404

    text = {p.name: p.read_text("utf-8", "replace") for p in service.logs.glob("*.log")}
    assert set(text) == {"api.log", "worker.log"}
    for secret in _secrets(data):
        for name, content in text.items():
            assert secret not in content, f"{secret} found in {name}"
    assert f"GET /v1/jobs/{PHONE_MASK}" in text["api.log"]


def test_log_records_are_masked_inside_a_job(tmp_path):
    data = sample_input()
    contact = data["enterprise"]["contact"]
    attendee = data["visits"][0]["attendees"][0]
    path = tmp_path / "job.log"
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter(logs.FORMAT))
    log = logging.getLogger("zgsz.test.privacy")
    log.addHandler(handler)
    logs.install()
    try:
        with logs.job_context("job-1", private_values(data)):
            log.warning("contact %s, phone %s", contact["name"], contact["phone"])
            log.warning("attendee %(name)s", {"name": attendee["name"]})
            try:
                raise ValueError(f"bad row: {attendee['name']} {attendee['phone']}")
            except ValueError:
                log.exception("failed")
        log.warning("outside a job: +86 139-0000-1234 and %d", 13900001234)
    finally:
        log.removeHandler(handler)
        handler.close()

    written = path.read_text("utf-8")
    for secret in (contact["name"], contact["phone"], attendee["name"],
                   attendee["phone"], "139-0000-1234", "13900001234"):
        assert secret not in written
    assert VALUE_MASK in written and PHONE_MASK in written
    assert "[job-1]" in written and "ValueError" in written
