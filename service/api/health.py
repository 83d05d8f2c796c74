"""Liveness and readiness, each part named so that an operator knows what to fix."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from service.api.deps import StoreDep
from service.api.schemas import ReadinessOut
from service.errors import UnavailableError
from service.jobs import JobStore

router = APIRouter(tags=["运行状态"])


@router.get("/healthz")
def healthz() -> dict:
    """进程存活即答复 200，不检查 Redis 与 worker。"""
    return {"status": "ok"}


@router.get("/readyz", response_model=ReadinessOut,
            responses={503: {"model": ReadinessOut, "description": "有部件不可用"}})
def readyz(store: StoreDep) -> JSONResponse:
    """能否受理任务：Redis 可达、至少一个 worker 在线、至少一个 worker 的 LibreOffice
    可用。全部就绪答复 200，否则 503，`checks` 中说明哪一部分不可用。"""
    checks = _checks(store)
    ready = all(c["ok"] for c in checks.values())
    return JSONResponse({"ready": ready, "checks": checks},
                        status_code=200 if ready else 503)


def _checks(store: JobStore) -> dict[str, dict]:
    try:
        store.ping()
        workers = store.heartbeats()
    except UnavailableError as exc:
        skipped = {"ok": False, "message": "未检查：Redis 不可用"}
        return {"redis": {"ok": False, "message": exc.message},
                "workers": skipped, "libreoffice": skipped}

    offices = sum(1 for w in workers if w.get("libreoffice"))
    return {
        "redis": {"ok": True, "message": "可用"},
        "workers": {"ok": bool(workers),
                    "message": f"{len(workers)} 个 worker 进程在线" if workers
                    else "没有在线的 worker 进程（心跳已过期）。请启动 zgsz worker"},
        "libreoffice": {"ok": offices > 0,
                        "message": f"{offices} 个 LibreOffice 可用" if offices
                        else "没有可用的 LibreOffice（worker 心跳报告转换服务未运行）"},
    }
