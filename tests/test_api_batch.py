"""The forms batch over HTTP, as an API user sees it: a roster uploaded, progress
followed, row errors read from the job, files downloaded and read back. Real API, worker,
Redis and LibreOffice."""

from __future__ import annotations

import datetime as dt
import io
import time
import zipfile
from urllib.parse import quote, unquote

import httpx
import pytest
from openpyxl import Workbook
from pypdf import PdfReader

from service.retention import purge
from service.settings import Settings
from tests import live_service
from tests.helpers import squeeze
from tests.live_service import JOB_TIMEOUT, REDIS_URL, LiveService
from tests.roster_data import HEADERS, enterprise_row

ROWS = 10
# Data index -> the column at fault; Excel shows data index i on row i + 2.
BAD = {3: "统一社会信用代码", 7: "所在镇（开发区）"}
GOOD = [i for i in range(ROWS) if i not in BAD]
KEY = "forms-batch-2022-wujin"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def xlsx(rows: list[list]) -> bytes:
    book = Workbook()
    book.active.append(["2022年武进区“智改数转”诊断企业名单"])  # a title above the header
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def roster_rows() -> list[list]:
    rows = [HEADERS] + [enterprise_row(i) for i in range(ROWS)]
    rows[1 + 3][1] = "91320412MA1XW7K30X"  # wrong check character
    rows[1 + 7][2] = "不存在镇"
    return rows


def excel_row(index: int) -> int:
    return index + 3  # the title row, then the header, then the data


def name(index: int) -> str:
    return enterprise_row(index)[0]


def submit(client: httpx.Client, content: bytes, filename: str = "名单.xlsx",
           headers: dict | None = None, **options: str) -> httpx.Response:
    return client.post("/v1/jobs/forms", files={"roster": (filename, content, XLSX)},
                       data=options, headers=headers or {})


def follow(client: httpx.Client, job_id: str) -> tuple[dict, list[int]]:
    """The finished job, and every progress figure seen on the way."""
    seen: list[int] = []
    deadline = time.monotonic() + JOB_TIMEOUT
    while time.monotonic() < deadline:
        job = client.get(f"/v1/jobs/{job_id}").json()
        seen.append(job["progress"])
        if job["state"] in ("succeeded", "failed"):
            return job, seen
        time.sleep(0.1)
    pytest.fail(f"forms job {job_id} not finished within {JOB_TIMEOUT}s: {job}")


# One file, sent again byte for byte (openpyxl stamps every save with the time).
ROSTER = xlsx(roster_rows())


@pytest.fixture(scope="session")
def service(tmp_path_factory):
    yield live_service.start(tmp_path_factory.mktemp("live"))
    live_service.stop()


@pytest.fixture(scope="module")
def batch(service: LiveService) -> dict:
    with service.client() as client:
        answer = submit(client, ROSTER, headers={"Idempotency-Key": KEY},
                        forms="1,2,3", pad_even="true", docx="true")
        assert answer.status_code == 202, answer.text
        job, seen = follow(client, answer.json()["id"])
    return {"submitted": answer, "job": job, "progress": seen}


def by_name(job: dict, wanted: str) -> dict:
    [entry] = [f for f in job["files"] if f["name"] == wanted]
    return entry


# ------------------------------------------------------------------ the job


def test_submission_lists_the_bad_rows_at_once(batch):
    answer = batch["submitted"]
    submitted = answer.json()

    assert answer.headers["location"] == submitted["url"]
    assert submitted["kind"] == "forms"
    assert submitted["state"] in ("queued", "running")
    assert submitted["batch"]["enterprises"] == len(GOOD)
    assert [(e["row"], e["column"]) for e in submitted["batch"]["row_errors"]] == [
        (excel_row(i), column) for i, column in BAD.items()]


def test_progress_climbs_to_100_and_eight_enterprises_succeed(batch):
    job, seen = batch["job"], batch["progress"]

    assert job["state"] == "succeeded", job["error"]
    assert seen == sorted(seen), seen  # never goes back
    assert seen[-1] == job["progress"] == 100
    assert job["batch"]["succeeded"] == len(GOOD) == 8
    assert job["batch"]["failed_rows"] == 2
    # Attachments 1-3 take 3 pages (one sign-in sheet); each padded to 4 for duplex.
    assert job["batch"]["merged_pages"] == 4 * len(GOOD)


def test_row_errors_name_row_column_and_reason(batch):
    errors = {e["row"]: e for e in batch["job"]["batch"]["row_errors"]}

    assert set(errors) == {excel_row(i) for i in BAD}
    credit = errors[excel_row(3)]
    assert credit["column"] == "统一社会信用代码"
    assert "校验位不符" in credit["message"]
    assert credit["enterprise"] == name(3)
    town = errors[excel_row(7)]
    assert town["column"] == "所在镇（开发区）"
    assert "不存在镇" in town["message"]


def test_files_are_listed_print_file_first(batch):
    names = [f["name"] for f in batch["job"]["files"]]

    assert names[:4] == sorted(["全部表单_打印版.pdf", "全部文件.zip", "清单.csv", "清单.json"])
    parts = names[4:]
    assert len([n for n in parts if n.endswith(".pdf")]) == len(GOOD)
    assert len([n for n in parts if n.endswith(".docx")]) == len(GOOD)
    assert all(n.startswith("分企业/") for n in parts)
    assert f"分企业/0001_{name(GOOD[0])}_附件1-3.pdf" in parts


# ------------------------------------------------------------------ downloads


def test_merged_pdf_downloads_with_every_good_enterprise(service, batch):
    entry = by_name(batch["job"], "全部表单_打印版.pdf")
    with service.client() as client:
        answer = client.get(entry["url"])

    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/pdf"
    assert len(answer.content) == entry["size"]
    disposition = answer.headers["content-disposition"]
    assert 'filename="forms_print.pdf"' in disposition
    assert unquote(disposition.split("''", 1)[1]) == "全部表单_打印版.pdf"
    merged = PdfReader(io.BytesIO(answer.content))
    assert [item.title for item in merged.outline] == [
        f"{seq:04d} {name(i)}" for seq, i in enumerate(GOOD, start=1)]
    text = squeeze("".join(page.extract_text() for page in merged.pages))
    assert all(name(i) in text for i in GOOD)
    assert not any(name(i) in text for i in BAD)


def test_each_enterprise_pdf_holds_its_own_name_only(service, batch):
    seq, index = 2, GOOD[1]
    wanted = f"分企业/{seq:04d}_{name(index)}_附件1-3.pdf"
    entry = by_name(batch["job"], wanted)
    assert entry["url"].endswith(f"/files/{quote(wanted)}")
    with service.client() as client:
        answer = client.get(entry["url"])

    assert answer.status_code == 200, answer.text
    disposition = answer.headers["content-disposition"]
    assert unquote(disposition.split("''", 1)[1]) == wanted.split("/", 1)[1]
    pdf = PdfReader(io.BytesIO(answer.content))
    assert len(pdf.pages) == 3
    text = squeeze("".join(page.extract_text() for page in pdf.pages))
    assert name(index) in text
    others = [name(i) for i in range(ROWS) if i != index]
    assert not [other for other in others if other in text]


def test_manifest_and_zip_download(service, batch):
    with service.client() as client:
        manifest = client.get(by_name(batch["job"], "清单.json")["url"])
        archive = client.get(by_name(batch["job"], "全部文件.zip")["url"])

    records = {r["行号"]: r for r in manifest.json()}
    assert [records[excel_row(i)]["状态"] for i in range(ROWS)] == [
        "失败" if i in BAD else "成功" for i in range(ROWS)]
    assert archive.headers["content-type"] == "application/zip"
    names = zipfile.ZipFile(io.BytesIO(archive.content)).namelist()
    assert "全部表单_打印版.pdf" in names
    assert len([n for n in names if n.startswith("分企业/")]) == 2 * len(GOOD)


def test_names_outside_the_listed_files_are_refused(service, batch):
    job_id = batch["job"]["id"]
    with service.client() as client:
        for requested, status in (("分企业%2F..%2F..%2Fetc%2Fpasswd", 400),
                                  ("分企业/%2E%2E", 400), ("a/b/c.pdf", 400),
                                  ("分企业", 404), ("分企业/none.pdf", 404)):
            answer = client.get(f"/v1/jobs/{job_id}/files/{requested}")
            assert answer.status_code == status, (requested, answer.text)


def test_logs_name_none_of_the_rosters_people(service, batch):
    people = {enterprise_row(i)[j] for i in range(ROWS) for j in (4, 5)}  # the leads
    for path in service.logs.glob("*.log"):
        text = path.read_text("utf-8", "replace")
        assert not [p for p in people if p in text], path.name


# ------------------------------------------------------------------ who may see it


def test_another_institution_can_neither_see_nor_download_it(service, batch):
    job = batch["job"]
    entry = by_name(job, f"分企业/0001_{name(GOOD[0])}_附件1-3.pdf")
    with service.client(service.new_token("另一家诊断机构")) as client:
        seen = client.get(f"/v1/jobs/{job['id']}")
        download = client.get(entry["url"])
        merged = client.get(by_name(job, "全部表单_打印版.pdf")["url"])

    for answer in (seen, download, merged):
        assert answer.status_code == 404, answer.text
        assert answer.json()["code"] == "job.not_found"
        assert name(GOOD[0]) not in answer.text


def test_same_idempotency_key_gives_the_same_job(service, batch):
    job_id = batch["job"]["id"]
    with service.client() as client:
        again = submit(client, ROSTER, headers={"Idempotency-Key": KEY},
                       forms="1,2,3", pad_even="true", docx="true")
        changed = submit(client, ROSTER, headers={"Idempotency-Key": KEY},
                         forms="1,2")

    assert again.status_code == 202
    assert again.json()["id"] == job_id
    assert again.headers["idempotent-replayed"] == "true"
    assert changed.status_code == 409
    assert changed.json()["code"] == "idempotency.conflict"


# ------------------------------------------------------------------ refused at once


def _no_credit_code_column() -> bytes:
    rows = [[c for j, c in enumerate(row) if j != 1] for row in roster_rows()]
    return xlsx(rows)


def _zip_bomb() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(xlsx(roster_rows()))) as source, \
            zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as bomb:
        for item in source.infolist():
            bomb.writestr(item, source.read(item))
        bomb.writestr("xl/padding.xml", b"\0" * (8 * 1024 * 1024))
    return buffer.getvalue()


@pytest.mark.parametrize(("filename", "content", "code", "words"), [
    ("名单.xlsx", _no_credit_code_column(), "roster.unreadable",
     "表头缺少必需的列：统一社会信用代码"),
    ("名单.csv", "甲,乙,丙\n1,2,3\n".encode(), "roster.unreadable", "找不到表头"),
    ("名单.xlsx", b"this is not a spreadsheet", "upload.refused", "不是有效的 Excel"),
    ("名单.pdf", b"%PDF-1.7", "roster.unreadable", "只支持 .xlsx 与 .csv"),
    ("名单.xlsx", _zip_bomb(), "upload.refused", "压缩炸弹"),
], ids=["no-credit-code-column", "no-header", "not-xlsx", "pdf", "zip-bomb"])
def test_unreadable_roster_is_refused_with_the_readers_words(service, filename, content,
                                                             code, words):
    with service.client() as client:
        answer = submit(client, content, filename)

    assert answer.status_code == 422, answer.text
    refused = answer.json()
    assert refused["code"] == code
    assert words in refused["message"]
    assert filename in refused["message"]
    assert refused["problems"][0]["label"] == filename


def test_roster_of_bad_rows_only_is_refused_listing_them(service):
    rows = roster_rows()[:1] + [roster_rows()[1 + i] for i in BAD]
    with service.client() as client:
        answer = submit(client, xlsx(rows))

    assert answer.status_code == 422
    assert answer.json()["code"] == "roster.no_rows"
    assert "2 行都有问题" in answer.json()["message"]
    labels = [p["label"] for p in answer.json()["problems"]]
    assert labels == ["第 3 行「统一社会信用代码」列", "第 4 行「所在镇（开发区）」列"]


def test_a_name_no_document_can_hold_is_a_row_error_not_a_failed_job(service):
    headers = [*HEADERS[:6], "服务时间"]
    rows = [enterprise_row(i)[:6] + ["2022-06-15"] for i in range(3)]
    rows[1][0] = "常州市\x07测试有限公司"  # a control character pasted from another system
    content = "\n".join(",".join(r) for r in [headers, *rows]).encode("utf-8")

    with service.client() as client:
        answer = submit(client, content, "名单.csv")
        job, _ = follow(client, answer.json()["id"])

    assert answer.status_code == 202, answer.text
    [error] = answer.json()["batch"]["row_errors"]
    assert (error["row"], error["column"]) == (3, "企业名称")
    assert "U+0007" in error["message"]
    assert answer.json()["batch"]["notices"] == [
        "未识别的列已忽略：服务时间（名单中没有的列：服务日期）"]
    assert job["state"] == "succeeded", job["error"]
    assert job["batch"]["succeeded"] == 2


def test_invalid_options_are_named(service):
    with service.client() as client:
        answer = submit(client, xlsx(roster_rows()), forms="1,4", skeleton="../x")
        missing = client.post("/v1/jobs/forms", data={"forms": "1"})
        # A range is read as one (1-3), but a vast one is refused, not counted through.
        vast = submit(client, xlsx(roster_rows()), forms="1-99999999999999")

    assert answer.status_code == 422
    assert {p["path"]: p["label"] for p in answer.json()["problems"]} == {
        "forms": "附件", "skeleton": "报告骨架"}
    assert vast.status_code == 422
    assert [p["path"] for p in vast.json()["problems"]] == ["forms"]
    assert missing.status_code == 422
    assert [(p["path"], p["label"], p["message"]) for p in missing.json()["problems"]] == [
        ("roster", "企业名单文件", "必填，但未填写")]


def test_misspelt_and_repeated_fields_are_named(service):
    with service.client() as client:
        answer = client.post("/v1/jobs/forms", data={"padeven": "true"}, files=[
            ("roster", ("名单.xlsx", ROSTER, XLSX)), ("roster", ("二.xlsx", ROSTER, XLSX))])

    assert answer.status_code == 422, answer.text
    assert [(p["path"], p["message"]) for p in answer.json()["problems"]] == [
        ("padeven", "没有这个字段（可用的字段：roster、forms、pad_even、docx、draft、skeleton）"),
        ("roster", "只能给一次，却给了 2 次")]


def test_roster_over_the_request_limit_answers_413(service):
    with service.client() as client:
        answer = submit(client, b"x" * (6 * 1024 * 1024), "名单.csv")
    assert answer.status_code == 413
    assert "ZGSZ_MAX_REQUEST_BYTES" in answer.json()["message"]


# ------------------------------------------------------------------ retention


def test_retention_purges_a_forms_job_folders_and_all(service):
    rows = [HEADERS, enterprise_row(40), enterprise_row(41)]
    with service.client() as client:
        answer = submit(client, xlsx(rows), headers={"Idempotency-Key": "forms-old"},
                        forms="2")
        job, _ = follow(client, answer.json()["id"])
        assert job["state"] == "succeeded", job["error"]
        folder = service.storage / job["id"]
        assert (folder / "分企业").is_dir()

        # Make it ten days old, then purge jobs older than seven days.
        long_ago = dt.datetime.now().astimezone() - dt.timedelta(days=10)
        service.store().update(job["id"], created_at=long_ago.isoformat())
        settings = Settings(redis_url=REDIS_URL, queue=service.queue,
                            storage_dir=service.storage)
        purged = purge(settings, days=7, store=service.store())

        assert job["id"] in purged.folders and job["id"] in purged.records
        assert not folder.exists()
        assert client.get(f"/v1/jobs/{job['id']}").status_code == 404
        assert client.get(job["files"][0]["url"]).status_code == 404
        # Its idempotency key went with it: the same key makes a new job.
        again = submit(client, xlsx(rows), headers={"Idempotency-Key": "forms-old"},
                       forms="2")
        assert again.status_code == 202
        assert again.json()["id"] != job["id"]
        follow(client, again.json()["id"])
