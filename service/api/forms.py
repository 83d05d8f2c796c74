"""POST /v1/jobs/forms: attachments 1-3 for a whole roster as one job, as `zgsz forms`.

The roster is read here, at submission, so that one that cannot be read at all is
refused with 422 in the roster reader's own words; its rows go to a worker in the task
message. The job is then followed and its files downloaded like any other
(service.api.jobs).
"""

from __future__ import annotations

import hashlib
import json
import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Request, Response, UploadFile

from service import forms_jobs
from service.api.deps import PrincipalDep, QueueDep, SettingsDep, StoreDep
from service.api.errors import ApiError
from service.api.jobs import (
    ERRORS,
    IdempotencyKey,
    admit,
    enqueue,
    find_job,
    job_out,
    job_url,
    replay,
)
from service.api.schemas import ErrorOut, JobOut
from service.errors import InputError, Problem
from service.roster import Roster, RowError
from service.skeleton import available, load_skeleton
from workers.app import FORMS_TASK

router = APIRouter(prefix="/v1/jobs", tags=["任务"], responses={
    401: {"model": ErrorOut, "description": "缺少访问令牌，或令牌无效"}})

DEFAULT_SKELETON = "wujin-2022"
FIELDS = {"roster": "企业名单文件", "forms": "附件", "pad_even": "补足偶数页",
          "docx": "Word 文件", "draft": "草稿水印", "skeleton": "报告骨架"}


async def _fields_as_documented(request: Request) -> None:
    """A misspelt option (padeven) or a field given twice would otherwise be ignored
    without a word, and the job made without what was asked for."""
    # FastAPI has read the form already; Starlette hands back the same one.
    form = await request.form()
    names = [name for name, _ in form.multi_items()]
    problems = [Problem("request.unknown_field", k, k,
                        f"没有这个字段（可用的字段：{'、'.join(FIELDS)}）")
                for k in dict.fromkeys(names) if k not in FIELDS]
    problems += [Problem("request.repeated_field", k, FIELDS[k],
                         f"只能给一次，却给了 {names.count(k)} 次")
                 for k in dict.fromkeys(names) if k in FIELDS and names.count(k) > 1]
    if problems:
        raise ApiError(422, "input.invalid", f"输入有误，共 {len(problems)} 处问题",
                       problems=problems)


@router.post("/forms", status_code=202, response_model=JobOut,
             dependencies=[Depends(_fields_as_documented)], responses={
    413: {"model": ErrorOut, "description": "请求体超过 ZGSZ_MAX_REQUEST_BYTES"},
    422: {"model": ErrorOut, "description": "名单无法读取、没有可生成的企业，或选项有误"},
    **{k: ERRORS[k] for k in (409, 429, 503)}})
def submit_forms(
    request: Request, response: Response, store: StoreDep, settings: SettingsDep,
    queue: QueueDep, who: PrincipalDep,
    roster: Annotated[UploadFile, File(
        description="企业名单：.xlsx 或 .csv（UTF-8 或 GBK），格式同 `zgsz roster-template`")],
    forms: Annotated[str, Form(max_length=20, description="要生成的附件，如 1,2,3 或 1-3")]
    = "1,2,3",
    pad_even: Annotated[bool, Form(description="打印版中每家企业补足偶数页，"
                                               "双面打印时不会两家企业共用一张纸")] = False,
    docx: Annotated[bool, Form(description="同时提供每家企业的 Word 文件")] = False,
    draft: Annotated[bool, Form(description="加“草稿”水印")] = False,
    skeleton: Annotated[str, Form(max_length=100, description="报告骨架编号，决定项目"
                                  "名称、委托单位与镇（开发区）名单")] = DEFAULT_SKELETON,
    idempotency_key: IdempotencyKey = None,
) -> JobOut:
    """按企业名单批量生成附件1-3（与命令行 `zgsz forms` 相同），以 multipart/form-data 上传。

    名单在提交时读取：不是表格文件、找不到表头、缺少必需的列，或被安全检查拒绝（压缩
    炸弹、DOCTYPE 等）时立即答复 422，`message` 写明原因；名单中没有一行可以生成时同样
    答复 422，并在 `problems` 中列出每行的问题。个别行有问题不影响其他行：这些行在任务的
    `batch.row_errors` 中列出行号、列名与原因（提交后即可看到），也写在清单中。

    受理后答复 202；轮询 `url`，`progress` 随转换推进。成功后 `files` 列出
    `全部表单_打印版.pdf`、`全部文件.zip`、`清单.csv`、`清单.json` 与每家企业的
    `分企业/序号_企业名称_附件….pdf`，`batch.succeeded` 为生成的企业数。
    `Idempotency-Key`、429 与 503 同 `POST /v1/jobs`。
    """
    selected = forms_jobs.parse_forms(forms)
    problems = []
    if selected is None:
        problems.append(Problem("request.forms", "forms", "附件",
                                f"“{forms}”无效，应为 1、2、3 中的一个或几个，如 1,2,3 或 1-3"))
    if skeleton not in available():
        problems.append(Problem("request.skeleton", "skeleton", "报告骨架",
                                f"报告骨架 {skeleton} 不存在（现有：{'、'.join(available())}）"))
    if problems:
        raise ApiError(422, "input.invalid", f"输入有误，共 {len(problems)} 处问题",
                       problems=problems)

    content = roster.file.read()
    name = forms_jobs.display_name(roster.filename)
    parsed = _read(content, roster.filename, skeleton, name)
    options = {"forms": list(selected), "pad_even": pad_even, "docx": docx,
               "draft": draft, "skeleton": skeleton}

    digest = hashlib.sha256(content).hexdigest()
    fingerprint = hashlib.sha256(json.dumps(
        {"kind": "forms", "roster": digest, **options}, sort_keys=True).encode()).hexdigest()
    # Keys are per institution, as for report jobs (service.api.jobs).
    if idempotency_key:
        idempotency_key = f"{who.scope}:{idempotency_key}"
    if idempotency_key and (earlier := store.idempotent_job(idempotency_key)):
        return replay(store, earlier, fingerprint, request, response, who)

    admit(store, settings, pdf=True)
    job_id = uuid.uuid4().hex
    store.create(job_id, kind="forms", draft=draft,
                 formats=["pdf", "docx"] if docx else ["pdf"], fingerprint=fingerprint,
                 owner=who.institution,
                 batch=forms_jobs.batch_record(parsed, forms=selected, pad_even=pad_even,
                                               docx=docx, skeleton=skeleton))
    if idempotency_key:
        owner = store.claim_idempotency_key(idempotency_key, job_id)
        if owner != job_id:  # another request with this key won the race
            store.delete(job_id)
            return replay(store, owner, fingerprint, request, response, who)

    enqueue(queue, store, settings, job_id, FORMS_TASK,
            [job_id, forms_jobs.roster_message(parsed), options], idempotency_key)
    response.headers["Location"] = job_url(request, job_id)
    return job_out(find_job(store, job_id, who), request)


def _read(content: bytes, filename: str | None, skeleton: str, name: str) -> Roster:
    """The roster, or 422 saying in the reader's words why there is nothing to make."""
    try:
        parsed = forms_jobs.read_upload(content, filename, load_skeleton(skeleton))
    except InputError as exc:
        reasons = "；".join(p.message for p in exc.problems)
        refused = any(p.code == "upload.refused" for p in exc.problems)
        raise ApiError(422, "upload.refused" if refused else "roster.unreadable",
                       f"名单“{name}”{'被拒绝' if refused else '无法读取'}：{reasons}",
                       problems=exc.problems) from None

    if not parsed.rows:
        if not parsed.errors:
            raise ApiError(422, "roster.empty", f"名单“{name}”的表头之下没有企业")
        rows = len({e.row for e in parsed.errors})
        raise ApiError(422, "roster.no_rows",
                       f"名单“{name}”中没有可以生成的企业：{rows} 行都有问题",
                       problems=[_row_problem(e) for e in parsed.errors])
    if len(parsed.rows) > forms_jobs.MAX_ROWS:
        raise ApiError(422, "roster.too_many",
                       f"名单“{name}”有 {len(parsed.rows)} 家企业，超过单个任务的上限 "
                       f"{forms_jobs.MAX_ROWS} 家；请拆成几份名单分别提交")
    return parsed


def _row_problem(error: RowError) -> Problem:
    return Problem("roster.row", "", f"第 {error.row} 行「{error.column}」列",
                   error.message)
