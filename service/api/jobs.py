"""/v1/jobs: submit a report job, follow it, download its files."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import uuid
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Header, Request, Response
from fastapi.responses import FileResponse
from kombu.exceptions import OperationalError

from service.api.deps import PrincipalDep, QueueDep, SettingsDep, StoreDep
from service.api.downloads import content_disposition, inside, media_type, unsafe
from service.api.errors import ApiError
from service.api.schemas import ErrorOut, JobOut, JobRequest
from service.auth import Principal
from service.checks import validate
from service.errors import InputError, QueueFullError, UnavailableError
from service.jobs import JOB_ID, Job, JobStore
from service.settings import Settings
from workers.app import REPORT_TASK

router = APIRouter(prefix="/v1/jobs", tags=["任务"], responses={
    401: {"model": ErrorOut, "description": "缺少访问令牌，或令牌无效"}})

RETRY_AFTER = 30

IdempotencyKey = Annotated[str | None, Header(
    max_length=200, description="幂等键：同一个键重复提交只会得到同一个任务")]

ERRORS = {
    404: {"model": ErrorOut, "description": "任务或文件不存在（或不属于本机构）"},
    409: {"model": ErrorOut, "description": "同一个幂等键配了不同的请求体"},
    422: {"model": ErrorOut, "description": "输入有误或校验未通过，列出全部问题"},
    429: {"model": ErrorOut, "description": "排队任务已满，按 Retry-After 再提交"},
    503: {"model": ErrorOut, "description": "Redis、worker 或 LibreOffice 不可用"},
}


@router.post("", status_code=202, response_model=JobOut,
             responses={k: ERRORS[k] for k in (409, 422, 429, 503)})
def submit_job(payload: JobRequest, request: Request, response: Response,
               store: StoreDep, settings: SettingsDep, queue: QueueDep,
               who: PrincipalDep, idempotency_key: IdempotencyKey = None) -> JobOut:
    """提交一份诊断输入，生成诊断报告与附件1-3（Word 与 PDF）。

    `input` 与命令行使用的输入文件内容相同。服务先校验：输入有误，或正式任务（`draft`
    为 false）未通过规则校验时，立即答复 422，并在 `problems` 中一次列出全部问题；草稿
    任务校验未通过也会受理。受理后答复 202，返回任务编号和查询地址（亦见 `Location`
    响应头），之后轮询该地址直到 `state` 为 succeeded 或 failed。

    网络超时等情况下重发时请带同一个 `Idempotency-Key` 请求头：同一个键只会得到同一个
    任务（答复带 `Idempotent-Replayed: true`），同一个键配不同的请求体答复 409。

    排队任务已满答复 429；Redis、worker 或 LibreOffice 不可用答复 503。两者都带
    `Retry-After`（秒），届时重发即可。
    """
    validation = validate(payload.input)
    if not payload.draft and not validation.ok:
        raise InputError(validation.errors, "校验未通过，不能生成正式文件"
                                            "（可将 draft 设为 true 生成草稿）")

    fingerprint = hashlib.sha256(payload.model_dump_json().encode()).hexdigest()
    # Keys are per institution: another's key must neither replay nor reveal its job.
    if idempotency_key:
        idempotency_key = f"{who.scope}:{idempotency_key}"
    if idempotency_key and (earlier := store.idempotent_job(idempotency_key)):
        return replay(store, earlier, fingerprint, request, response, who)

    admit(store, settings, pdf="pdf" in payload.formats)
    job_id = uuid.uuid4().hex
    store.create(job_id, draft=payload.draft, formats=payload.formats,
                 validation=validation.as_dict(), fingerprint=fingerprint,
                 owner=who.institution)
    if idempotency_key:
        owner = store.claim_idempotency_key(idempotency_key, job_id)
        if owner != job_id:  # another request with this key won the race
            store.delete(job_id)
            return replay(store, owner, fingerprint, request, response, who)

    args = [job_id, payload.input.model_dump(mode="json"), payload.draft,
            payload.formats]
    enqueue(queue, store, settings, job_id, REPORT_TASK, args, idempotency_key)
    job = find_job(store, job_id, who)
    response.headers["Location"] = job_url(request, job_id)
    return job_out(job, request)


@router.get("/{job_id}", response_model=JobOut, responses={404: ERRORS[404]})
def get_job(job_id: str, request: Request, store: StoreDep,
            settings: SettingsDep, who: PrincipalDep) -> JobOut:
    """任务的状态、进度、校验结果、失败原因，及成功后可下载的文件（含大小与 SHA-256）。

    `state`：queued 排队中，running 处理中，succeeded 成功，failed 失败（见 `error`，
    其中 `retryable` 说明稍后重新提交是否可能成功）。`kind` 为 forms 的批量表单任务另有
    `batch`：有问题的行（行号、列名、原因）、成功的企业数与打印版页数。
    """
    job = _requeued_if_overdue(find_job(store, job_id, who), settings)
    return job_out(job, request)


@router.get("/{job_id}/files/{name:path}", response_class=FileResponse,
            responses={200: {"description": "文件内容", "content": {
                                 "application/pdf": {}, "application/json": {},
                                 "application/zip": {}, "text/csv": {}}},
                       400: {"model": ErrorOut,
                             "description": "文件名含 ..、反斜杠或控制字符"},
                       404: ERRORS[404]})
def download_file(job_id: str, name: str, store: StoreDep,
                  settings: SettingsDep, who: PrincipalDep) -> FileResponse:
    """下载任务的一个文件；`name` 取自任务的 `files` 列表（需 URL 编码），也可直接用其中的
    `url`。批量表单任务中每家企业的文件在子目录中，名称形如 `分企业/0001_企业名称_附件1-3.pdf`。

    `Content-Disposition` 同时给出中文文件名（`filename*=UTF-8''…`）与供旧客户端使用的
    ASCII 文件名；`ETag` 为文件的 SHA-256。
    """
    if unsafe(name):
        raise ApiError(400, "file.bad_name",
                       "文件名（name）须取自任务的 files 列表：不能含反斜杠（\\）、控制字符"
                       "或 . 与 ..，至多一层目录（如 分企业/文件名）")
    job = find_job(store, job_id, who)
    entry = next((f for f in job.files if f["name"] == name), None)
    folder = settings.storage_dir / job.id
    path = folder / name
    if entry is None or not inside(folder, path) or not path.is_file():
        raise ApiError(404, "file.not_found", f"任务 {job.id} 没有名为 {name} 的文件")
    return FileResponse(path, media_type=media_type(name), headers={
        "Content-Disposition": content_disposition(name),
        "ETag": f'"{entry["sha256"]}"',
    })


def job_out(job: Job, request: Request) -> JobOut:
    url = job_url(request, job.id)
    files = [{**f, "url": f"{url}/files/{quote(f['name'])}"} for f in job.files]
    fields = {f.name: getattr(job, f.name) for f in dataclasses.fields(Job)
              if f.name not in ("fingerprint", "worker_pid")}
    return JobOut(**{**fields, "url": url, "files": files})


def job_url(request: Request, job_id: str) -> str:
    return str(request.url_for("get_job", job_id=job_id))


def find_job(store: JobStore, job_id: str, who: Principal) -> Job:
    job = store.get(job_id) if JOB_ID.fullmatch(job_id) else None
    # Another institution's job answers exactly as a missing one: its existence is
    # theirs to know.
    if job is None or not who.may_see(job.owner):
        raise ApiError(404, "job.not_found",
                       f"任务 {job_id} 不存在（编号有误，或已超过保留期被清理）")
    return job


def replay(store: JobStore, job_id: str, fingerprint: str, request: Request,
            response: Response, who: Principal) -> JobOut:
    job = find_job(store, job_id, who)
    if job.fingerprint != fingerprint:
        raise ApiError(409, "idempotency.conflict", "此 Idempotency-Key 已用于另一份"
                                                    "不同的请求；提交新内容请换一个键")
    response.headers["Idempotent-Replayed"] = "true"
    response.headers["Location"] = job_url(request, job_id)
    return job_out(job, request)


def admit(store: JobStore, settings: Settings, *, pdf: bool) -> None:
    """Refuse now what nobody could do soon, rather than let it wait in the queue."""
    workers = store.heartbeats()
    if not workers:
        raise UnavailableError("当前没有在线的 worker，任务无人处理。"
                               "请启动 zgsz worker", retry_after=RETRY_AFTER)
    if pdf and not any(w.get("libreoffice") for w in workers):
        raise UnavailableError("所有 worker 的 LibreOffice 转换服务暂不可用"
                               "（可能正在重启）", retry_after=RETRY_AFTER)
    if settings.max_queue and store.waiting() >= settings.max_queue:
        raise QueueFullError(f"排队任务已达上限 {settings.max_queue} 个"
                             "（ZGSZ_MAX_QUEUE），请稍后再提交",
                             retry_after=RETRY_AFTER)


def enqueue(queue, store: JobStore, settings: Settings, job_id: str, task: str,
            args: list, idempotency_key: str | None) -> None:
    try:
        queue.send_task(task, args=args, task_id=job_id, queue=settings.queue)
    except (OperationalError, OSError) as exc:
        store.delete(job_id)
        if idempotency_key:
            store.release_idempotency_key(idempotency_key)
        raise UnavailableError("任务未能进入队列：无法访问 Redis（ZGSZ_REDIS_URL）",
                               retry_after=RETRY_AFTER) from exc


def _requeued_if_overdue(job: Job, settings: Settings) -> Job:
    """A job still “running” past every time limit lost its worker, and Celery has put
    it back in the queue (late acknowledgement): it will run again, so say queued, not
    failed. Chaos runs showed such jobs finishing after a long queue."""
    if job.state != "running" or not job.started_at:
        return job
    started = dt.datetime.fromisoformat(job.started_at)
    running = dt.datetime.now().astimezone() - started
    if running.total_seconds() < settings.api_job_timeout:
        return job
    return dataclasses.replace(job, state="queued", progress=0)
