"""What routes get from the app they run in: settings, the job store, the task queue,
and who is asking (the institution of the Bearer token)."""

from __future__ import annotations

from typing import Annotated

from celery import Celery
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from service.api.errors import ApiError
from service.auth import ANYONE, Principal, authenticate
from service.jobs import JobStore
from service.settings import Settings

_bearer = HTTPBearer(auto_error=False, description="机构的访问令牌（zgsz token create 签发）")

_CHALLENGE = {"WWW-Authenticate": "Bearer"}


def _settings(request: Request) -> Settings:
    return request.app.state.settings


def _store(request: Request) -> JobStore:
    return request.app.state.store


def _queue(request: Request) -> Celery:
    return request.app.state.celery


SettingsDep = Annotated[Settings, Depends(_settings)]
StoreDep = Annotated[JobStore, Depends(_store)]
QueueDep = Annotated[Celery, Depends(_queue)]


def principal(settings: SettingsDep, store: StoreDep,
              credentials: Annotated[HTTPAuthorizationCredentials | None,
                                     Depends(_bearer)]) -> Principal:
    if not settings.auth:
        return ANYONE
    if credentials is None:
        raise ApiError(401, "auth.missing",
                       "缺少访问令牌：请在请求头 Authorization 中写“Bearer 令牌”"
                       "（令牌由管理员用 zgsz token create 签发）", headers=_CHALLENGE)
    found = authenticate(store, credentials.credentials)
    if found is None:
        raise ApiError(401, "auth.invalid",
                       "访问令牌无效或已吊销（请求头 Authorization）。"
                       "请向管理员索取新令牌", headers=_CHALLENGE)
    return found


PrincipalDep = Annotated[Principal, Depends(principal)]
