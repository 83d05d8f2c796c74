"""Each worker process owns one warm LibreOffice, supervised.

It starts with the process (worker_process_init), is dialled before each job, and is
restarted after a crash, after a failed or timed-out conversion, and after
ZGSZ_CONVERTER_RESTART_AFTER conversions. A heartbeat in Redis tells the API that the
process lives and whether its LibreOffice answers.

A child killed outright (SIGKILL, out of memory) cannot stop its LibreOffice, which runs
in a session of its own; the next process to start on the machine stops such orphans.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import signal
import socket
import tempfile
import threading
from pathlib import Path

from celery.signals import worker_process_init, worker_process_shutdown, worker_shutdown

from service.convert import Converter
from service.errors import ConvertError, UnavailableError
from service.jobs import JobStore, now
from service.settings import get_settings

log = logging.getLogger("zgsz.workers.converter")

HEARTBEAT_INTERVAL = 5
HEARTBEAT_TTL = 3 * HEARTBEAT_INTERVAL
REGISTRY = Path(tempfile.gettempdir()) / "zgsz-converters"


class Supervisor:
    def __init__(self, store: JobStore):
        settings = get_settings()
        self.store = store
        self.name = f"{socket.gethostname()}:{os.getpid()}"
        self._restart_after = settings.converter_restart_after
        self._converter = Converter(conversion_timeout=settings.conversion_timeout)
        # Held for each conversion: unoserver serves one call at a time, so the
        # heartbeat must not dial it mid-conversion (it would wait, then call it dead).
        self._lock = threading.RLock()
        self._stopping = threading.Event()

    def start(self) -> None:
        sweep_orphans()
        try:
            self.restart("worker process started")
        except ConvertError as exc:
            log.error("LibreOffice did not start; the heartbeat tries again: %s",
                      exc.message)
        self.beat()
        threading.Thread(target=self._beat_forever, name="zgsz-heartbeat",
                         daemon=True).start()

    def stop(self) -> None:
        self._stopping.set()
        with self._lock:
            self._stop_converter()
        _unregister()
        try:
            self.store.forget_worker(self.name)
        except UnavailableError:
            pass

    def restart(self, reason: str, *, force: bool = False) -> None:
        with self._lock:
            self._stop_converter(force=force)
            self._converter.start()
            _register(self._converter)
        log.debug("LibreOffice (re)started, pid %s: %s", self._converter.pid, reason)

    def kill(self) -> None:
        """Stop LibreOffice now (after a time-out); the next job starts a fresh one."""
        self._stop_converter(force=True)
        _unregister()

    def _stop_converter(self, *, force: bool = False) -> None:
        group = self._converter.pid
        if force and group:
            # A broken LibreOffice may not stop when asked; waiting costs seconds.
            _kill_all(office_processes(group))
        self._converter.stop()
        self._converter.conversions = 0
        # oosplash can outlive a stopped unoserver, holding a dead soffice.bin.
        if group:
            _kill_all(office_processes(group))

    def ready(self) -> None:
        """Dial LibreOffice before a job; restart it if it is silent or due."""
        with self._lock:
            done = self._converter.conversions
            if self._restart_after and done >= self._restart_after:
                self.restart(f"after {done} conversions (ZGSZ_CONVERTER_RESTART_AFTER)")
            elif not self._converter.answers():
                log.warning("LibreOffice did not answer; restarting it")
                self.restart("not answering", force=True)

    def to_pdf(self, docx: bytes) -> bytes:
        return self.convert(docx)

    def convert(self, document: bytes, to: str = "pdf",
                filter_options: list[str] | None = None, *,
                update_index: bool = True) -> bytes:
        """As service.convert.Converter.convert, restarting LibreOffice on failure."""
        with self._lock:
            try:
                return self._converter.convert(document, to, filter_options,
                                               update_index=update_index)
            except ConvertError:
                # Whatever broke it, the retry should find a fresh LibreOffice.
                log.warning("conversion failed; restarting LibreOffice")
                self._restart_quietly()
                raise

    def _restart_quietly(self) -> None:
        try:
            self.restart("conversion failed", force=True)
        except ConvertError as exc:
            log.error("LibreOffice did not restart: %s", exc.message)
        self.beat()

    # ------------------------------------------------------------ heartbeat

    def beat(self) -> None:
        info = {"name": self.name, "pid": os.getpid(), "at": now(),
                "libreoffice": self._healthy(), "converter_pid": self._converter.pid,
                "conversions": self._converter.conversions}
        try:
            self.store.beat(self.name, info, HEARTBEAT_TTL)
        except UnavailableError as exc:
            log.warning("heartbeat not sent: %s", exc.message)

    def _healthy(self) -> bool:
        """Whether LibreOffice answers. An idle one that does not is restarted now, not
        at the next job: the API refuses jobs while no LibreOffice answers."""
        if not self._lock.acquire(blocking=False):
            return self._converter.alive  # busy converting: alive is all we may ask
        try:
            answers = self._converter.answers()
            if answers or self._stopping.is_set():
                return answers
            log.warning("LibreOffice stopped answering while idle; restarting it")
            self.restart("not answering while idle", force=True)
            return self._converter.answers()
        except ConvertError as exc:
            log.error("LibreOffice did not restart: %s", exc.message)
            return False
        finally:
            self._lock.release()

    def _beat_forever(self) -> None:
        while not self._stopping.wait(HEARTBEAT_INTERVAL):
            self.beat()


# ---------------------------------------------------------------- orphans


def _register(converter: Converter) -> None:
    REGISTRY.mkdir(exist_ok=True)
    entry = {"pgid": converter.pid, "profile": str(converter.profile or "")}
    (REGISTRY / str(os.getpid())).write_text(json.dumps(entry))


def _unregister() -> None:
    (REGISTRY / str(os.getpid())).unlink(missing_ok=True)


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def office_processes(pgid: int, names: tuple[bytes, ...] = (b"unoserver", b"soffice"),
                     ) -> list[int]:
    """Processes of group `pgid` whose command names one of `names` (pids get reused,
    so the command is checked too)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            group = int(stat.read_text().rsplit(")", 1)[1].split()[2])
            command = (stat.parent / "cmdline").read_bytes()
        except (OSError, IndexError, ValueError):
            continue
        if group == pgid and any(name in command for name in names):
            found.append(int(stat.parent.name))
    return found


def _kill_all(pids: list[int]) -> None:
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def sweep_orphans() -> None:
    """Stop the LibreOffice of worker processes on this machine that died without it."""
    if not REGISTRY.is_dir():
        return
    for entry in REGISTRY.iterdir():
        if not entry.name.isdigit() or _running(int(entry.name)):
            continue
        try:
            orphan = json.loads(entry.read_text())
        except (OSError, ValueError):
            orphan = {}
        _kill_all(office_processes(orphan.get("pgid") or -1))
        if orphan.get("profile"):
            shutil.rmtree(orphan["profile"], ignore_errors=True)
        entry.unlink(missing_ok=True)
        log.warning("stopped the LibreOffice of dead worker process %s", entry.name)


# ---------------------------------------------------------------- per process

_supervisor: Supervisor | None = None


def supervisor() -> Supervisor:
    """This process's supervisor, started on first use outside a prefork child."""
    global _supervisor
    if _supervisor is None:
        _supervisor = Supervisor(JobStore(get_settings()))
        _supervisor.start()
    return _supervisor


@worker_process_init.connect
def _process_init(**_: object) -> None:
    supervisor()


@worker_process_shutdown.connect
def _process_shutdown(**_: object) -> None:
    if _supervisor is not None:
        _supervisor.stop()


@worker_shutdown.connect
def _worker_shutdown(**_: object) -> None:
    sweep_orphans()
