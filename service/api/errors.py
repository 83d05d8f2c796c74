"""Errors -> HTTP answers, decided by who is at fault, all in one JSON shape (ErrorOut).

    InputError, invalid request       422  every problem listed, with path and label
    ApiError                          its own status (401 no token, 404 unknown or
                                      someone else's job, 409, 400, 413, 422 a
                                      roster that cannot be read)
    QueueFullError                    429  with Retry-After
    UnavailableError, ConvertError    503  with Retry-After: Redis, worker, LibreOffice
    DataError                         500  a data file of ours is broken
    no such route, method not allowed 404, 405
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from service.errors import (
    ConvertError,
    DataError,
    InputError,
    Problem,
    QueueFullError,
    UnavailableError,
)
from service.labels import dotted
from service.loading import parse_input

log = logging.getLogger("zgsz.api")

CONVERTER_RETRY_AFTER = 30

_REQUEST_LABELS = {"input": "诊断输入", "draft": "草稿", "formats": "输出格式",
                   # POST /v1/jobs/forms (a form, not JSON)
                   "roster": "企业名单文件", "forms": "附件", "pad_even": "补足偶数页",
                   "docx": "Word 文件", "skeleton": "报告骨架"}
_REQUEST_MESSAGES = {
    "missing": "必填，但未填写",
    "extra_forbidden": "不认识的字段（可用：input、draft、formats）",
    "bool_type": "应为 true 或 false",
    "bool_parsing": "应为 true 或 false",
    "list_type": "应为列表",
    "too_short": "至少需要 1 项",
    "literal_error": "取值应为 docx、pdf 之一",
    "model_attributes_type": "应为 JSON 对象",
    "dict_type": "应为 JSON 对象",
    "json_invalid": "请求体不是有效的 JSON",
}


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, *,
                 headers: dict[str, str] | None = None,
                 problems: list[Problem] | None = None):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
        self.headers = headers
        self.problems = problems


def body(code: str, message: str, *, retryable: bool = False,
         problems: list[Problem] | None = None) -> dict[str, Any]:
    return {"code": code, "message": message, "retryable": retryable,
            "problems": [p.as_dict() for p in problems or []]}


def _answer(status: int, content: dict, retry_after: int | None = None) -> JSONResponse:
    headers = {"Retry-After": str(retry_after)} if retry_after else None
    return JSONResponse(content, status_code=status, headers=headers)


def _input_problems(raw: object) -> list[Problem]:
    # The input's own problems come from the same code the CLI uses, so that codes,
    # paths (relative to `input`) and Chinese labels match.
    try:
        parse_input(raw)
    except InputError as exc:
        return exc.problems
    return []


def request_problems(exc: RequestValidationError) -> list[Problem]:
    """FastAPI's validation errors, told the way the CLI tells them."""
    errors = exc.errors()
    raw = exc.body if isinstance(exc.body, dict) else {}
    inside_input = [e for e in errors if len(e["loc"]) > 2 and e["loc"][1] == "input"]
    problems = _input_problems(raw.get("input")) if inside_input else []
    told = bool(problems)

    for e in errors:
        if told and e in inside_input:
            continue
        loc = list(e["loc"][1:]) if e["loc"][:1] == ("body",) else list(e["loc"])
        name = str(loc[0]) if loc else ""
        problems.append(Problem(
            code=f"request.{e['type']}", path=dotted(loc) if name else "",
            label=_REQUEST_LABELS.get(name, "请求体"),
            message=_REQUEST_MESSAGES.get(e["type"], "取值无效"),
        ))
    return problems


# Starlette's own answers (no route, wrong method), in our shape and words.
_ROUTING = {404: ("http.not_found", "没有这个地址"),
            405: ("http.method_not_allowed", "此地址不接受 {method} 请求")}


def install(app: FastAPI) -> None:
    @app.exception_handler(StarletteHTTPException)
    async def _routing(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code, message = _ROUTING.get(exc.status_code, ("http.error", str(exc.detail)))
        answer = _answer(exc.status_code, body(code, message.format(method=request.method)))
        answer.headers.update(exc.headers or {})
        return answer

    @app.exception_handler(RequestValidationError)
    async def _invalid_request(_: Request, exc: RequestValidationError) -> JSONResponse:
        problems = request_problems(exc)
        message = f"输入有误，共 {len(problems)} 处问题"
        return _answer(422, body("input.invalid", message, problems=problems))

    @app.exception_handler(InputError)
    async def _invalid_input(_: Request, exc: InputError) -> JSONResponse:
        return _answer(422, body("input.invalid", exc.message, problems=exc.problems))

    @app.exception_handler(ApiError)
    async def _api_error(_: Request, exc: ApiError) -> JSONResponse:
        answer = _answer(exc.status, body(exc.code, exc.message, problems=exc.problems))
        answer.headers.update(exc.headers or {})
        return answer

    @app.exception_handler(QueueFullError)
    async def _queue_full(_: Request, exc: QueueFullError) -> JSONResponse:
        return _answer(429, body("queue.full", exc.message, retryable=True),
                       exc.retry_after)

    @app.exception_handler(UnavailableError)
    async def _unavailable(_: Request, exc: UnavailableError) -> JSONResponse:
        log.warning("unavailable: %s", exc.message)
        return _answer(503, body("service.unavailable", exc.message, retryable=True),
                       exc.retry_after)

    @app.exception_handler(ConvertError)
    async def _converter(_: Request, exc: ConvertError) -> JSONResponse:
        return _answer(503, body("converter.unavailable", exc.message,
                                 retryable=exc.transient), CONVERTER_RETRY_AFTER)

    @app.exception_handler(DataError)
    async def _broken_data(_: Request, exc: DataError) -> JSONResponse:
        log.error("data file broken: %s", exc.message)
        return _answer(500, body("data.broken", f"服务端数据文件有误：{exc.message}"))
