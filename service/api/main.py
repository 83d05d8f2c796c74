"""The FastAPI app: wiring only. Run it with `zgsz serve`."""

from __future__ import annotations

from importlib.metadata import version

from fastapi import FastAPI

from service.api import errors, forms, health, jobs, reference
from service.api.limits import Limits
from service.jobs import JobStore
from service.settings import Settings, get_settings
from workers.app import create_celery

DESCRIPTION = """\
“智改数转”诊断文档服务：提交企业诊断输入，由后台 worker 生成诊断报告与附件1-3
（Word 与 PDF），或上传企业名单批量生成附件1-3，再按任务编号查询进度、下载文件。

出错时答复统一为 JSON：`code`（稳定的错误代码）、`message`（中文说明）、
`retryable`（稍后重试是否可能成功）和 `problems`（输入问题的完整列表）。
"""


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    app = FastAPI(title="“智改数转”诊断文档服务", version=version("zgsz-docs"),
                  description=DESCRIPTION)
    app.state.settings = settings
    app.state.store = JobStore(settings)
    app.state.celery = create_celery(settings)

    errors.install(app)
    app.add_middleware(Limits, settings=settings)
    for module in (jobs, forms, reference, health):
        app.include_router(module.router)
    return app
