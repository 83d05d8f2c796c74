"""Who may see what, and what a request may carry: tokens per institution, file names
that cannot leave the job's folder, size limits. On the real API, worker and Redis."""

from __future__ import annotations

import os
import re
from urllib.parse import quote, unquote

import httpx
import pytest

from service.api.main import create_app
from service.settings import Settings
from tests import live_service
from tests.live_service import LiveService, sample_input, wait_for_job

OTHER = "另一家诊断机构"
BUREAU = "武进区工业和信息化局"


@pytest.fixture(scope="session")
def service(tmp_path_factory):
    yield live_service.start(tmp_path_factory.mktemp("live"))
    live_service.stop()


def _submit(service: LiveService, token: str | None = None, name: str | None = None,
            **extra) -> dict:
    data = sample_input()
    if name is not None:
        data["enterprise"]["name"] = name
    with service.client(token) as client:
        answer = client.post("/v1/jobs", json={"input": data, "formats": ["docx"],
                                               **extra.pop("body", {})}, **extra)
        assert answer.status_code == 202, answer.text
        return wait_for_job(client, answer.json()["id"])


@pytest.fixture(scope="module")
def our_job(service) -> dict:
    job = _submit(service)
    assert job["state"] == "succeeded", job["error"]
    return job


def _v1_routes() -> set[tuple[str, str]]:
    paths = create_app(Settings()).openapi()["paths"]
    return {(method.upper(), path) for path, operations in paths.items()
            if path.startswith("/v1") for method in operations}


def _requests(job: dict) -> dict[tuple[str, str], tuple[str, str, dict]]:
    """One request per /v1 route, aimed at `job` and its files where a route takes them."""
    file_name = job["files"][0]["name"]
    return {
        ("POST", "/v1/jobs"): ("POST", "/v1/jobs", {"json": {"input": sample_input()}}),
        ("POST", "/v1/jobs/forms"): ("POST", "/v1/jobs/forms", {"files": {
            "roster": ("名单.csv", "企业名称,统一社会信用代码\n".encode(), "text/csv")}}),
        ("GET", "/v1/jobs/{job_id}"): ("GET", f"/v1/jobs/{job['id']}", {}),
        ("GET", "/v1/jobs/{job_id}/files/{name}"):
            ("GET", f"/v1/jobs/{job['id']}/files/{quote(file_name)}", {}),
        ("POST", "/v1/validate"): ("POST", "/v1/validate",
                                   {"json": {"input": sample_input()}}),
        ("GET", "/v1/skeletons"): ("GET", "/v1/skeletons", {}),
        ("GET", "/v1/catalogues/{edition}"): ("GET", "/v1/catalogues/2025", {}),
        ("POST", "/v1/check"): ("POST", "/v1/check", {"content": b"not a docx"}),
    }


def test_every_route_is_covered_below(our_job):
    assert set(_requests(our_job)) == _v1_routes()


@pytest.mark.parametrize("token", ["", "zgsz_not-a-token"], ids=["missing", "unknown"])
def test_every_route_refuses_without_a_valid_token(service, our_job, token):
    with service.client(token) as client:
        for method, url, kwargs in _requests(our_job).values():
            answer = client.request(method, url, **kwargs)
            assert answer.status_code == 401, (method, url, answer.text)
            assert answer.headers["www-authenticate"] == "Bearer"
            assert "Authorization" in answer.json()["message"], answer.text


def test_every_route_with_a_job_hides_another_institutions_job(service, our_job):
    other = service.new_token(OTHER)
    missing = {**our_job, "id": "0" * 32}
    with service.client(other) as client:
        for key, (method, url, kwargs) in _requests(our_job).items():
            if "{job_id}" not in key[1]:
                continue
            answer = client.request(method, url, **kwargs)
            unknown = client.request(*_requests(missing)[key][:2])
            assert answer.status_code == 404, (url, answer.text)
            # Word for word what a job that never existed gets, but for the id.
            assert (answer.json()["message"].replace(our_job["id"], "?")
                    == unknown.json()["message"].replace("0" * 32, "?"))
            assert our_job["files"][0]["name"] not in answer.text


def test_other_institution_reusing_an_idempotency_key_gets_its_own_job(service):
    headers = {"Idempotency-Key": "shared-key-7"}
    ours = _submit(service, headers=headers)
    theirs = _submit(service, service.new_token(OTHER), headers=headers,
                     body={"draft": True})

    assert theirs["id"] != ours["id"]
    assert theirs["draft"] is True


def test_admin_token_sees_every_institution(service, our_job):
    entry = our_job["files"][0]
    with service.client(service.new_token(BUREAU, admin=True)) as client:
        job = client.get(f"/v1/jobs/{our_job['id']}")
        download = client.get(entry["url"])

    assert job.status_code == 200
    assert download.status_code == 200
    assert len(download.content) == entry["size"]


def test_health_and_docs_need_no_token(service):
    with service.client("") as client:
        for url in ("/healthz", "/readyz", "/docs", "/openapi.json"):
            assert client.get(url).status_code == 200, url


# ------------------------------------------------------------------ file names


@pytest.mark.parametrize("name", [
    "../../etc/passwd", "..\\..\\boot.ini", "a/b/c", "CON", "NUL.txt", "LPT1",
    "x\x00y", "\x01\x1f\x7f", '"; filename="evil.exe', "名称\r\nSet-Cookie: a=b",
], ids=["dotdot", "backslash", "slashes", "con", "nul", "lpt1", "nul-byte",
        "control", "quote", "crlf"])
def test_hostile_enterprise_names_stay_in_the_jobs_folder(service, name):
    if any(ord(c) < 32 or ord(c) == 127 for c in name.replace("\r\n", "")):
        # Characters Word cannot store are refused up front, naming the field.
        data = sample_input()
        data["enterprise"]["name"] = name
        with service.client() as client:
            answer = client.post("/v1/jobs", json={"input": data, "formats": ["docx"]})
        assert answer.status_code == 422, answer.text
        assert [p["path"] for p in answer.json()["problems"]] == ["enterprise.name"]
        return
    job = _submit(service, name=name)
    assert job["state"] == "succeeded", job["error"]
    folder = service.storage / job["id"]

    with service.client() as client:
        for entry in job["files"]:
            answer = client.get(entry["url"])
            assert answer.status_code == 200, entry["name"]
            disposition = answer.headers["content-disposition"]
            assert re.fullmatch(r'attachment; filename="[A-Za-z0-9._-]+"; '
                                r"filename\*=UTF-8''[A-Za-z0-9%._~-]+", disposition)
            assert unquote(disposition.split("''", 1)[1]) == entry["name"]
    written = {p.name for p in folder.iterdir()}
    assert written == {f["name"] for f in job["files"]}
    assert all("/" not in n and "\\" not in n and "\x00" not in n for n in written)


@pytest.mark.parametrize("requested", [
    "..%2F..%2Fetc%2Fpasswd", "..%5Cvalidation.json", "%2Fetc%2Fpasswd", "%2E%2E",
    "validation.json%00.pdf", "CON", "NUL", "..%2F" + "0" * 32 + "%2Fvalidation.json",
])
def test_download_of_a_crafted_name_never_leaves_the_folder(service, our_job,
                                                            requested):
    with service.client() as client:
        answer = client.get(f"/v1/jobs/{our_job['id']}/files/{requested}")
    assert answer.status_code in (400, 404), answer.text
    assert answer.json()["code"] in ("file.bad_name", "file.not_found")


def test_download_refuses_a_link_out_of_the_folder(service):
    job = _submit(service)
    entry = job["files"][0]
    path = service.storage / job["id"] / entry["name"]
    path.unlink()
    os.symlink("/etc/passwd", path)

    with service.client() as client:
        answer = client.get(entry["url"])
    assert answer.status_code == 404
    assert "root:" not in answer.text


# ------------------------------------------------------------------ sizes


def test_body_over_the_limit_answers_413_naming_it(service):
    padding = "字" * (2 * 1024 * 1024)  # 6 MB in UTF-8
    data = {**sample_input(), "padding": padding}
    with service.client() as client:
        declared = client.post("/v1/jobs", json={"input": data})
        streamed = client.post("/v1/validate", content=iter([b"{" + b" " * 6_000_000]),
                               headers={"Content-Type": "application/json"})

    for answer in (declared, streamed):
        assert answer.status_code == 413, answer.text
        assert "ZGSZ_MAX_REQUEST_BYTES" in answer.json()["message"]
        assert "5 MB" in answer.json()["message"]


def test_over_long_text_answers_422_with_its_path(service):
    data = sample_input()
    data["enterprise"]["address"] = "路" * 20_001
    data["report"]["sections"]["basic_info"] = "段" * 30_000
    with service.client() as client:
        answer = client.post("/v1/jobs", json={"input": data})

    assert answer.status_code == 422
    problems = {p["path"]: p for p in answer.json()["problems"]}
    assert problems["enterprise.address"]["code"] == "input.too_long"
    assert problems["enterprise.address"]["label"] == "被诊断企业 › 地址"
    assert "ZGSZ_MAX_STRING_LENGTH" in problems["enterprise.address"]["message"]
    assert problems["report.sections.basic_info"]["code"] == "input.too_long"


def test_deep_json_answers_422_not_500(service):
    deep = b'{"input": ' + b"[" * 50_000 + b"]" * 50_000 + b"}"
    with service.client() as client:
        answer = client.post("/v1/validate", content=deep,
                             headers={"Content-Type": "application/json"})
    assert answer.status_code == 422, answer.text
    assert "嵌套" in answer.json()["problems"][0]["message"]


def test_too_much_text_in_all_answers_422(service):
    data = sample_input()
    data["report"]["benchmarks"] = [{"name": "甲" * 19_000}] * 30
    with service.client() as client:
        answer = client.post("/v1/validate", json={"input": data})
    assert answer.status_code == 422
    assert any("ZGSZ_MAX_INPUT_CHARS" in p["message"]
               for p in answer.json()["problems"])


def test_auth_off_lets_anyone_in(service):
    import anyio

    async def ask() -> httpx.Response:
        app = create_app(Settings(redis_url=live_service.REDIS_URL, queue=service.queue,
                                  auth=False))
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                     base_url="http://api") as client:
            return await client.get("/v1/skeletons")
    assert anyio.run(ask).status_code == 200


def test_input_over_http_may_not_name_server_files(service):
    """A photo path in an API input would read the server's own files: refused."""
    data = live_service.sample_input()
    data["visits"][0]["photos"] = ["/etc/hostname"]
    data["visits"][1]["photos"] = ["../../../../etc/passwd"]

    with service.client() as client:
        checked = client.post("/v1/validate", json={"input": data})
        submitted = client.post("/v1/jobs", json={"input": data})

    codes = {e["path"]: e["code"] for e in checked.json()["errors"]}
    assert codes == {"visits[0].photos[0]": "picture.not_allowed",
                     "visits[1].photos[0]": "picture.not_allowed"}
    assert submitted.status_code == 422
    assert "不能引用文件" in submitted.text
