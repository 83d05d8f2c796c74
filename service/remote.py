"""Running a report job on a zgsz service instead of in-process (`zgsz report --remote`)."""

from __future__ import annotations

import os
import time
from pathlib import Path

import httpx

from service.errors import ConvertError, InputError, Problem, ZgszError
from service.model import DiagnosisInput
from service.store import write_all

POLL_SECONDS = 1.0
TOKEN_VARIABLE = "ZGSZ_API_TOKEN"


def run_remote(base_url: str, data: DiagnosisInput, out_dir: Path, *, draft: bool,
               pdf: bool, wait_seconds: float = 900, token: str | None = None) -> dict:
    """Submit, wait, download every file into out_dir; the finished job is returned.

    The API token is `token`, or else the environment variable ZGSZ_API_TOKEN."""
    formats = ["docx", "pdf"] if pdf else ["docx"]
    body = {"input": data.model_dump(mode="json"), "draft": draft, "formats": formats}
    token = token or os.environ.get(TOKEN_VARIABLE)
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    try:
        with httpx.Client(base_url=base_url.rstrip("/"), timeout=30,
                          headers=headers) as client:
            job = _answer(client.post("/v1/jobs", json=body))
            deadline = time.monotonic() + wait_seconds
            while job["state"] in ("queued", "running"):
                if time.monotonic() > deadline:
                    raise ZgszError(f"等待超过 {wait_seconds:g} 秒，任务 {job['id']} 仍未完成")
                time.sleep(POLL_SECONDS)
                job = _answer(client.get(f"/v1/jobs/{job['id']}"))

            if job["state"] == "failed":
                error = job.get("error") or {}
                raise ConvertError(f"服务端任务失败：{error.get('message', '原因未知')}",
                                   transient=bool(error.get("retryable")))
            files = {f["name"]: client.get(f["url"]).raise_for_status().content
                     for f in job["files"]}
    except httpx.HTTPError as exc:
        raise ZgszError(f"无法连接服务 {base_url}：{exc}") from exc

    write_all(out_dir, files)
    return job


def _answer(response: httpx.Response) -> dict:
    if response.status_code < 400:
        return response.json()
    try:
        error = response.json()
    except ValueError:
        error = {"message": response.text[:200]}
    if response.status_code == 422 and error.get("problems"):
        raise InputError([Problem(p["code"], p["path"], p["label"], p["message"],
                                  p.get("severity", "error"))
                          for p in error["problems"]], "服务端校验未通过")
    advice = f"（令牌取自环境变量 {TOKEN_VARIABLE}）" if response.status_code == 401 else ""
    raise ZgszError(f"服务答复 {response.status_code}：{error.get('message', '')}{advice}")
