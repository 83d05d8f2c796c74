"""The HTTP service end to end: real API server, worker, Redis and LibreOffice."""

from __future__ import annotations

import io
import re
from urllib.parse import unquote

import anyio
import httpx
import pytest
from pypdf import PdfReader

from service.api.main import create_app
from service.auth import create_token
from service.errors import SettingsError
from service.jobs import JobStore
from service.settings import Settings, load_settings
from tests import live_service
from tests.live_service import REDIS_URL, sample_input, wait_for_job

ENTERPRISE = "常州市澄曜示例精密机械有限公司"


def _in_process(settings: Settings, *requests: tuple[str, str, dict]) -> list:
    """Requests to an app built with `settings`, run in this process (no server)."""
    async def send() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=create_app(settings))
        async with httpx.AsyncClient(transport=transport,
                                     base_url="http://api") as client:
            return [await client.request(method, url, **kwargs)
                    for method, url, kwargs in requests]
    return anyio.run(send)


@pytest.fixture(scope="session")
def service(tmp_path_factory):
    yield live_service.start(tmp_path_factory.mktemp("live"))
    live_service.stop()


@pytest.fixture(scope="session")
def finished_job(service) -> dict:
    with service.client() as client:
        answer = client.post("/v1/jobs", json={"input": sample_input()})
        assert answer.status_code == 202, answer.text
        return wait_for_job(client, answer.json()["id"])


def test_submit_sample_succeeds_with_files(finished_job):
    assert finished_job["state"] == "succeeded", finished_job["error"]
    assert finished_job["progress"] == 100
    assert finished_job["validation"]["ok"] is True
    names = {f["name"] for f in finished_job["files"]}
    assert f"{ENTERPRISE}_诊断报告.pdf" in names
    assert f"{ENTERPRISE}_附件3_满意度调查表.docx" in names
    digests = [f["sha256"] for f in finished_job["files"]]
    assert all(re.fullmatch(r"[0-9a-f]{64}", digest) for digest in digests)


def test_download_pdf_contains_enterprise_name(service, finished_job):
    entry = next(f for f in finished_job["files"] if f["name"].endswith("诊断报告.pdf"))
    with service.client() as client:
        answer = client.get(entry["url"])

    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/pdf"
    assert len(answer.content) == entry["size"]
    pages = PdfReader(io.BytesIO(answer.content)).pages[:3]
    text = "".join(page.extract_text() for page in pages)
    assert ENTERPRISE in text.replace(" ", "").replace("\n", "")


def test_download_keeps_chinese_file_name(service, finished_job):
    entry = next(f for f in finished_job["files"] if f["name"].endswith("诊断报告.pdf"))
    with service.client() as client:
        disposition = client.get(entry["url"]).headers["content-disposition"]

    assert 'filename="report.pdf"' in disposition
    encoded = disposition.split("filename*=UTF-8''", 1)[1]
    assert unquote(encoded) == entry["name"]


def test_download_refuses_path_separators(service, finished_job):
    with service.client() as client:
        answer = client.get(f"/v1/jobs/{finished_job['id']}/files/..%2Fvalidation.json")
    assert answer.status_code == 400
    assert answer.json()["code"] == "file.bad_name"


def test_same_idempotency_key_gives_one_job(service):
    body = {"input": sample_input(), "formats": ["docx"]}
    headers = {"Idempotency-Key": "test-key-1"}
    with service.client() as client:
        first = client.post("/v1/jobs", json=body, headers=headers)
        second = client.post("/v1/jobs", json=body, headers=headers)
        other = client.post("/v1/jobs", json={**body, "draft": True}, headers=headers)
        wait_for_job(client, first.json()["id"])

    assert (first.status_code, second.status_code) == (202, 202)
    assert second.json()["id"] == first.json()["id"]
    assert second.headers["idempotent-replayed"] == "true"
    assert other.status_code == 409
    assert other.json()["code"] == "idempotency.conflict"


def test_failing_checks_list_every_problem(service):
    data = sample_input()
    data["enterprise"]["credit_code"] = "91320412MA1XW7K30X"
    data["visits"][0]["experts"] = data["visits"][0]["experts"][:1]
    data["report"]["scenarios"] = data["report"]["scenarios"][:9]

    with service.client() as client:
        answer = client.post("/v1/jobs", json={"input": data})

    assert answer.status_code == 422
    problems = answer.json()["problems"]
    by_code = {p["code"]: p for p in problems}
    assert {"enterprise.credit_code", "visit.too_few_experts",
            "scenario.too_few"} <= set(by_code)
    assert by_code["enterprise.credit_code"]["path"] == "enterprise.credit_code"
    assert by_code["enterprise.credit_code"]["label"] == "被诊断企业 › 统一社会信用代码"
    assert by_code["visit.too_few_experts"]["path"] == "visits[0].experts"


def test_failing_checks_accepted_as_draft(service):
    data = sample_input()
    data["report"]["scenarios"] = data["report"]["scenarios"][:9]
    with service.client() as client:
        answer = client.post("/v1/jobs", json={"input": data, "draft": True,
                                               "formats": ["docx"]})
        job = wait_for_job(client, answer.json()["id"])

    assert answer.status_code == 202
    assert job["state"] == "succeeded"
    assert any(f["name"].endswith("诊断报告_草稿.docx") for f in job["files"])
    assert not any(f["name"].endswith(".pdf") for f in job["files"])


def test_malformed_input_lists_every_problem(service):
    data = sample_input()
    del data["enterprise"]["name"]
    data["enterprise"]["employees"] = "很多"

    with service.client() as client:
        answer = client.post("/v1/jobs", json={"input": data, "formats": ["xls"]})

    assert answer.status_code == 422
    found = {(p["code"], p["path"]) for p in answer.json()["problems"]}
    assert found == {("input.missing", "enterprise.name"),
                     ("input.int_parsing", "enterprise.employees"),
                     ("request.literal_error", "formats[0]")}
    labels = {p["path"]: p["label"] for p in answer.json()["problems"]}
    assert labels["enterprise.name"] == "被诊断企业 › 企业名称"
    assert labels["formats[0]"] == "输出格式"


def test_validate_answers_at_once(service):
    data = sample_input()
    data["report"]["scenarios"] = data["report"]["scenarios"][:9]
    with service.client() as client:
        answer = client.post("/v1/validate", json={"input": data})

    assert answer.status_code == 200
    assert answer.json()["ok"] is False
    assert [e["code"] for e in answer.json()["errors"]] == ["scenario.too_few"]


def test_unknown_job_is_404(service):
    with service.client() as client:
        answer = client.get("/v1/jobs/" + "0" * 32)
    assert answer.status_code == 404
    assert answer.json()["code"] == "job.not_found"


def test_unknown_address_and_wrong_method_answer_in_our_shape(service):
    with service.client() as client:
        missing = client.get("/v1/nothing-here")
        wrong = client.put("/v1/jobs/forms")

    assert (missing.status_code, missing.json()["message"]) == (404, "没有这个地址")
    assert (wrong.status_code, wrong.json()["message"]) == (405, "此地址不接受 PUT 请求")
    assert wrong.json()["code"] == "http.method_not_allowed" and "allow" in wrong.headers
    assert set(missing.json()) >= {"code", "message", "retryable", "problems"}


def test_reference_data(service):
    with service.client() as client:
        skeletons = client.get("/v1/skeletons").json()
        edition = skeletons[0]["catalogue"]
        catalogue = client.get(f"/v1/catalogues/{edition}")
        missing = client.get("/v1/catalogues/1999")

    assert "wujin-2022" in {s["id"] for s in skeletons}
    assert catalogue.status_code == 200 and catalogue.json()["links"]
    assert missing.status_code == 404


def test_readyz_names_each_part(service):
    with service.client() as client:
        answer = client.get("/readyz")
    assert answer.status_code == 200
    assert set(answer.json()["checks"]) == {"redis", "workers", "libreoffice"}


def test_redis_outage_answers_503_with_retry_after():
    submitted, ready, alive = _in_process(
        Settings(redis_url="redis://127.0.0.1:1/0"),
        ("POST", "/v1/jobs", {"json": {"input": sample_input()},
                              "headers": {"Authorization": "Bearer any-token"}}),
        ("GET", "/readyz", {}),
        ("GET", "/healthz", {}),
    )

    assert submitted.status_code == 503
    assert int(submitted.headers["retry-after"]) > 0
    assert "ZGSZ_REDIS_URL" in submitted.json()["message"]
    assert ready.status_code == 503
    assert ready.json()["checks"]["redis"]["ok"] is False
    assert alive.status_code == 200


def test_full_queue_answers_429(service):
    # A queue nobody consumes, room for one job; a heartbeat stands in for a worker.
    # Its own name each run: the database is shared, and only the service's keys go.
    settings = Settings(redis_url=REDIS_URL, queue=f"{service.queue}-full", max_queue=1,
                        storage_dir=service.storage)
    JobStore(settings).beat("stand-in", {"libreoffice": True}, ttl=60)
    token = create_token(JobStore(settings), "测试诊断机构")
    body = {"json": {"input": sample_input()},
            "headers": {"Authorization": f"Bearer {token}"}}
    first, second = _in_process(settings, ("POST", "/v1/jobs", body),
                                ("POST", "/v1/jobs", body))

    assert first.status_code == 202
    assert second.status_code == 429
    assert second.headers["retry-after"]
    assert "ZGSZ_MAX_QUEUE" in second.json()["message"]


def test_invalid_settings_are_all_named(monkeypatch):
    monkeypatch.setenv("ZGSZ_MAX_QUEUE", "很多")
    monkeypatch.setenv("ZGSZ_CONVERSION_TIMEOUT", "1")
    with pytest.raises(SettingsError) as caught:
        load_settings()
    assert {p.path for p in caught.value.problems} == {"ZGSZ_MAX_QUEUE",
                                                       "ZGSZ_CONVERSION_TIMEOUT"}
    assert "环境变量 ZGSZ_MAX_QUEUE" in caught.value.message


def test_time_limits_nest():
    settings = Settings(conversion_timeout=60)
    assert (settings.conversion_timeout < settings.task_soft_time_limit
            < settings.task_time_limit < settings.api_job_timeout)



def test_cli_remote_gives_the_same_files_as_in_process(service, sample_outputs, tmp_path):
    from tests.helpers import EXAMPLES, pdf_text, run_zgsz, squeeze

    out = tmp_path / "remote"
    result = run_zgsz("report", str(EXAMPLES / "chemical_plant.yaml"), "-o", str(out),
                      "--remote", service.url, env=service.token_env)

    assert result.returncode == 0, result.stderr
    local = sorted(p.name for p in sample_outputs["chemical_plant"].iterdir())
    remote = sorted(p.name for p in out.iterdir())
    assert remote == local
    report = next(out.glob("*诊断报告.pdf"))
    assert "常州市岚拓示例涂料科技有限公司" in squeeze(pdf_text(report))


def test_cli_remote_lists_every_problem(service, tmp_path):
    from tests.conftest import write_yaml
    from tests.helpers import run_zgsz

    data = sample_input()
    data["report"]["scenarios"] = data["report"]["scenarios"][:9]
    data["enterprise"]["credit_code"] = "91320412MA1XW7K30X"

    result = run_zgsz("report", str(write_yaml(tmp_path, data)), "-o",
                      str(tmp_path / "out"), "--remote", service.url,
                      env=service.token_env)

    assert result.returncode == 1
    assert "服务端校验未通过" in result.stderr
    assert "当前只有 9 个不重复场景" in result.stderr
    assert "校验位不符" in result.stderr


def test_check_route_locates_problems_in_an_edited_report(service, tmp_path):
    from docx import Document

    from tests.helpers import EXAMPLES, find_one, run_zgsz

    run_zgsz("report", str(EXAMPLES / "machining_parts.yaml"), "-o", str(tmp_path),
             "--no-pdf", check=True)
    path = find_one(tmp_path, "诊断报告", suffix=".docx")
    document = Document(path)
    heading = next(p for p in document.paragraphs
                   if p.style.name == "Heading 1" and "服务商推荐方案" in p.text)
    heading.runs[0].text = "七、供应商建议"
    document.save(path)

    with service.client() as client:
        answer = client.post("/v1/check", content=path.read_bytes())
        broken = client.post("/v1/check", content=b"not a docx")

    assert answer.status_code == 200
    [problem] = answer.json()["problems"]
    assert problem["code"] == "section.renamed"
    assert problem["label"] == "章节“七、供应商建议”"
    assert broken.status_code == 422
    assert "不是有效的 Word" in broken.json()["message"]
