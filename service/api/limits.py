"""Bounds on what a request may carry, enforced before any route reads it.

    body over ZGSZ_MAX_REQUEST_BYTES (a Word file to /v1/check: 20 MB)   413
    an input text over ZGSZ_MAX_STRING_LENGTH characters, all its texts
    over ZGSZ_MAX_INPUT_CHARS, or JSON nested deeper than MAX_DEPTH      422

The input is measured on the raw JSON, before validation: pydantic never spends time on
an oversized input, and every problem names its field path, as validation would.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.api.errors import body
from service.errors import Problem
from service.labels import dotted, label_for
from service.settings import Settings

CHECK_PATH = "/v1/check"
MAX_REPORT_BYTES = 20 * 1024 * 1024
JSON_PATHS = ("/v1/jobs", "/v1/validate")
# Our input nests six levels; JSON a thousand deep only exhausts the parser's stack.
MAX_DEPTH = 32


def megabytes(size: int) -> str:
    return f"{size / 1024 / 1024:g} MB" if size >= 1024 * 1024 else f"{size} 字节"


class Limits:
    def __init__(self, app: ASGIApp, settings: Settings):
        self.app, self.settings = app, settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in ("POST", "PUT", "PATCH"):
            await self.app(scope, receive, send)
            return
        limit, setting = ((MAX_REPORT_BYTES, "/v1/check 的上限") if scope["path"] == CHECK_PATH
                          else (self.settings.max_request_bytes, "ZGSZ_MAX_REQUEST_BYTES"))
        content = await _read(scope, receive, limit)
        if content is None:
            message = f"请求体超过 {megabytes(limit)}（{setting}），未受理"
            await JSONResponse(body("request.too_large", message),
                               status_code=413)(scope, receive, send)
            return

        if scope["path"] in JSON_PATHS:
            problems = input_problems(content, self.settings)
            if problems:
                message = f"输入超出大小限制，共 {len(problems)} 处问题"
                await JSONResponse(body("input.too_large", message, problems=problems),
                                   status_code=422)(scope, receive, send)
                return
        await self.app(scope, _replay(content, receive), send)


async def _read(scope: Scope, receive: Receive, limit: int) -> bytes | None:
    """The whole body, or None as soon as it is known to exceed `limit`."""
    declared = dict(scope["headers"]).get(b"content-length", b"")
    if declared.isdigit() and int(declared) > limit:
        return None
    content = bytearray()
    while True:
        message = await receive()
        content += message.get("body", b"")
        if len(content) > limit:
            return None
        if not message.get("more_body", False):
            return bytes(content)


def _replay(content: bytes, receive: Receive) -> Receive:
    sent = False

    async def replayed() -> Message:
        nonlocal sent
        if sent:
            return await receive()  # the disconnect, when it comes
        sent = True
        return {"type": "http.request", "body": content, "more_body": False}
    return replayed


def input_problems(content: bytes, settings: Settings) -> list[Problem]:
    try:
        document = json.loads(content)
    except RecursionError:
        return [_problem("request.too_deep", [], "请求体",
                         f"JSON 嵌套超过 {MAX_DEPTH} 层")]
    except ValueError:
        return []  # not JSON: validation says so, in the usual words
    if not isinstance(document, dict) or not isinstance(document.get("input"), dict):
        return []

    problems, total = [], 0
    for path, value in _walk(document["input"]):
        if len(path) > MAX_DEPTH:
            return [_problem("input.too_deep", path[:MAX_DEPTH], None,
                             f"嵌套超过 {MAX_DEPTH} 层")]
        if isinstance(value, str):
            total += len(value)
            if len(value) > settings.max_string_length:
                problems.append(_problem(
                    "input.too_long", path, None,
                    f"文本有 {len(value)} 个字符，超过上限 {settings.max_string_length}"
                    "（ZGSZ_MAX_STRING_LENGTH）"))
    if total > settings.max_input_chars:
        problems.append(_problem(
            "input.too_large", [], "诊断输入",
            f"全部文本合计 {total} 个字符，超过上限 {settings.max_input_chars}"
            "（ZGSZ_MAX_INPUT_CHARS）"))
    return problems


def _walk(root: object) -> Iterator[tuple[list, object]]:
    """Every value with its path, keys included, without recursion."""
    stack: list[tuple[list, object]] = [([], root)]
    while stack:
        path, value = stack.pop()
        yield path, value
        if isinstance(value, dict):
            for key, item in value.items():
                # An over-long key is an over-long text too, named by its start.
                yield [*path, key if len(key) <= 40 else key[:40] + "…"], key
                stack.append(([*path, key], item))
        elif isinstance(value, list):
            stack.extend(([*path, i], item) for i, item in enumerate(value))


def _problem(code: str, path: list, label: str | None, message: str) -> Problem:
    return Problem(code=code, path=dotted(path), label=label or label_for(path),
                   message=message)
