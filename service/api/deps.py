"""What routes get from the app they run in: settings, the job store, the task queue."""

from __future__ import annotations

from typing import Annotated

from celery import Celery
from fastapi import Depends, Request

from service.jobs import JobStore
from service.settings import Settings


def _settings(request: Request) -> Settings:
    return request.app.state.settings


def _store(request: Request) -> JobStore:
    return request.app.state.store


def _queue(request: Request) -> Celery:
    return request.app.state.celery


SettingsDep = Annotated[Settings, Depends(_settings)]
StoreDep = Annotated[JobStore, Depends(_store)]
QueueDep = Annotated[Celery, Depends(_queue)]
