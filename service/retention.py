"""Deleting jobs older than ZGSZ_RETENTION_DAYS: their folders, records and keys.

Workers call `maybe_purge` after each job; a key in Redis lets one worker in the whole
deployment purge at most once an hour. `zgsz purge` purges at once.
"""

from __future__ import annotations

import datetime as dt
import logging
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

from service.jobs import JOB_ID, JobStore
from service.settings import Settings

log = logging.getLogger("zgsz.retention")

PURGE_INTERVAL = 3600
DAY = 86400


@dataclass
class Purged:
    folders: list[str] = field(default_factory=list)
    records: list[str] = field(default_factory=list)


def purge(settings: Settings, days: int | None = None,
          store: JobStore | None = None) -> Purged:
    """Delete every job created more than `days` days ago (0: none)."""
    days = settings.retention_days if days is None else days
    if days <= 0:
        return Purged()
    store = store or JobStore(settings)
    cutoff = time.time() - days * DAY
    created = {job_id: _epoch(at) for job_id, at in store.created_times().items()}

    purged = Purged(folders=_old_folders(settings.storage_dir, created, cutoff))
    for name in purged.folders:
        shutil.rmtree(settings.storage_dir / name, ignore_errors=True)
    purged.records = sorted(job_id for job_id, at in created.items()
                            if at is not None and at < cutoff)
    store.forget_jobs(set(purged.records))
    return purged


def _old_folders(storage: Path, created: dict[str, float | None],
                 cutoff: float) -> list[str]:
    if not storage.is_dir():
        return []
    old = []
    for folder in storage.iterdir():
        if not folder.is_dir() or not JOB_ID.fullmatch(folder.name):
            continue  # not ours to delete
        # A folder whose record has expired is judged by its last change.
        at = created.get(folder.name) or folder.stat().st_mtime
        if at < cutoff:
            old.append(folder.name)
    return sorted(old)


def _epoch(stamp: str) -> float | None:
    try:
        return dt.datetime.fromisoformat(stamp).timestamp()
    except ValueError:
        return None


_next_check = 0.0


def maybe_purge(settings: Settings, store: JobStore) -> None:
    """Purge if retention is on and nobody has in the last hour; cheap otherwise."""
    global _next_check
    if not settings.retention_days or time.monotonic() < _next_check:
        return
    _next_check = time.monotonic() + PURGE_INTERVAL
    if not store.claim_purge(PURGE_INTERVAL):
        return
    purged = purge(settings, store=store)
    log.info("retention: %d folders and %d records older than %d days deleted",
             len(purged.folders), len(purged.records), settings.retention_days)
