"""DOCX -> PDF through LibreOffice, driven by unoserver. The only module that talks to it.

A Converter either uses a unoserver already running (ZGSZ_UNOSERVER=host:port) or starts
its own on free ports with a throwaway profile, checks it by dialling, and stops it when
done. LibreOffice may take seconds to start; nothing here sleeps a fixed time instead.
"""

from __future__ import annotations

import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import xmlrpc.client
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from service.errors import ConvertError

log = logging.getLogger("zgsz.convert")

STOP_GRACE = 2.0
# unoserver stops a conversion after --conversion-timeout, but not a LibreOffice that
# is frozen (SIGSTOP, a hung bridge): its own clean-up then waits on it forever. Our
# call gives up a little later instead, and the caller restarts LibreOffice.
CALL_GRACE = 5
DEFAULT_START_TIMEOUT = 60
# How each output format we ask for begins, to tell a real answer from an empty one.
_SIGNATURES = {"pdf": b"%PDF", "fodt": b"<?xml"}


def _env_seconds(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    if not raw.isdigit() or int(raw) == 0:
        raise ConvertError(f"环境变量 {name} 应为正整数（秒），实际为“{raw}”",
                           transient=False)
    return int(raw)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class _TimeoutTransport(xmlrpc.client.Transport):
    def __init__(self, timeout: float):
        super().__init__()
        self._timeout = timeout

    def make_connection(self, host):
        conn = super().make_connection(host)
        conn.timeout = self._timeout
        return conn


# A fresh profile says, before LibreOffice first reads it: no macros, never update
# links, never load images from untrusted places. Documents come from outside.
_SETTINGS = {
    ("org.openoffice.Office.Common/Security/Scripting", "MacroSecurityLevel"): ("int", "3"),
    ("org.openoffice.Office.Common/Security/Scripting", "DisableMacrosExecution"):
        ("boolean", "true"),
    ("org.openoffice.Office.Common/Security/Scripting", "BlockUntrustedRefererLinks"):
        ("boolean", "true"),
    ("org.openoffice.Office.Writer/Content/Update", "Link"): ("int", "2"),
    ("org.openoffice.Office.Calc/Content/Update", "Link"): ("int", "2"),
}


def _lock_down(profile: Path) -> None:
    items = "".join(
        f'<item oor:path="/{path}"><prop oor:name="{name}" oor:op="fuse">'
        f"<value>{value}</value></prop></item>"
        for (path, name), (_, value) in _SETTINGS.items()
    )
    user = profile / "user"
    user.mkdir(parents=True, exist_ok=True)
    (user / "registrymodifications.xcu").write_text(
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<oor:items xmlns:oor="http://openoffice.org/2001/registry" '
        'xmlns:xs="http://www.w3.org/2001/XMLSchema" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        f"{items}</oor:items>", "utf-8")


def _signal_group(pgid: int, sig: int) -> None:
    try:
        os.killpg(pgid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def answers(host: str, port: int, timeout: float = 2.0) -> bool:
    """Whether a unoserver answers its `info` call at host:port."""
    proxy = xmlrpc.client.ServerProxy(
        f"http://{host}:{port}", transport=_TimeoutTransport(timeout), allow_none=True
    )
    try:
        proxy.info()
        return True
    except (OSError, xmlrpc.client.Error):
        return False


def _address(value: str) -> tuple[str, int]:
    host, _, port = value.strip().rpartition(":")
    if not port.isdigit() or not 0 < int(port) < 65536:
        raise ConvertError(f"ZGSZ_UNOSERVER 应为“主机:端口”，如 127.0.0.1:2003，"
                           f"实际为“{value}”", transient=False)
    return host or "127.0.0.1", int(port)


class Converter:
    """A LibreOffice we may convert with; use as a context manager.

    LibreOffice starts on the first conversion (or an explicit start()), so work that
    ends before converting anything never waits for it."""

    def __init__(self, address: str | None = None, *,
                 conversion_timeout: int | None = None):
        address = address or os.environ.get("ZGSZ_UNOSERVER") or None
        self.conversion_timeout = conversion_timeout or _env_seconds(
            "ZGSZ_CONVERSION_TIMEOUT", 120)
        self.start_timeout = _env_seconds("ZGSZ_CONVERTER_START_TIMEOUT",
                                          DEFAULT_START_TIMEOUT)
        self._external = address is not None
        if address:
            self.host, self.port = _address(address)
        else:
            self.host, self.port = "127.0.0.1", _free_port()
        self._process: subprocess.Popen | None = None
        self._profile: Path | None = None
        self.conversions = 0

    def __enter__(self) -> Converter:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    # ------------------------------------------------------------ lifecycle

    def start(self) -> None:
        if self._external:
            if not answers(self.host, self.port):
                raise ConvertError(
                    f"无法连接 ZGSZ_UNOSERVER 指定的转换服务 {self.host}:{self.port}",
                    transient=True,
                )
            return
        if self._process and self._process.poll() is None:
            return

        if shutil.which("soffice") is None:
            raise ConvertError(
                "未找到 LibreOffice（soffice）。请先运行 scripts/setup.sh 安装。",
                transient=False,
            )

        self._profile = Path(tempfile.mkdtemp(prefix="zgsz-lo-profile-"))
        _lock_down(self._profile)
        uno_port = _free_port()
        command = [
            sys.executable, "-m", "unoserver.server",
            "--interface", self.host, "--port", str(self.port),
            "--uno-port", str(uno_port),
            "--user-installation", str(self._profile),
            "--conversion-timeout", str(self.conversion_timeout),
            "--quiet",
        ]
        # TODO: unoserver 3.7 waits a fixed 5 s before it serves, however soon LibreOffice
        # is up; a lone `zgsz forms` pays that once a run, and no option skips it.
        log.debug("starting unoserver on port %s", self.port)
        # LibreOffice leaves a lu*.tmp folder in the temp dir at every start; kept in its
        # profile, it goes when the profile does.
        temp = self._profile / "tmp"
        temp.mkdir()
        # A session of its own, so that stopping it also stops the soffice it spawned.
        self._process = subprocess.Popen(
            command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            start_new_session=True, env={**os.environ, "TMPDIR": str(temp)},
        )
        try:
            self._wait_ready()
        except BaseException:
            # Ctrl-C while LibreOffice starts must not leave it running.
            self.stop()
            raise

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                err = self._process.stderr.read().decode(errors="replace")[-500:]
                self.stop()
                raise ConvertError(f"LibreOffice 转换服务启动失败：{err}", transient=True)
            if answers(self.host, self.port, timeout=1.0):
                log.debug("unoserver ready on port %s", self.port)
                return
            time.sleep(0.2)
        self.stop()
        raise ConvertError(
            f"LibreOffice 转换服务在 {self.start_timeout} 秒内未就绪", transient=True
        )

    def stop(self) -> None:
        process, self._process = self._process, None
        if process and process.poll() is None:
            _signal_group(process.pid, signal.SIGTERM)
            try:
                # Our profile is throwaway, so a short grace is enough.
                process.wait(timeout=STOP_GRACE)
            except subprocess.TimeoutExpired:
                pass
        if process:
            # oosplash ignores SIGTERM and would linger with a dead soffice.bin: whatever
            # is left of the group goes now.
            _signal_group(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
        if process and process.stderr:
            process.stderr.close()
        if self._profile:
            shutil.rmtree(self._profile, ignore_errors=True)
            self._profile = None

    def restart(self) -> None:
        """A fresh LibreOffice with a fresh profile, e.g. after a crash or a time-out."""
        self.stop()
        self.conversions = 0
        self.start()

    @property
    def pid(self) -> int | None:
        """The unoserver's pid, which is also the process group of its soffice."""
        if self._external or self._process is None:
            return None
        return self._process.pid

    @property
    def profile(self) -> Path | None:
        """The throwaway LibreOffice user profile of the running instance."""
        return self._profile

    def answers(self, timeout: float = 2.0) -> bool:
        """Whether the converter answers when dialled, not merely whether it runs."""
        return self.alive and answers(self.host, self.port, timeout)

    @property
    def alive(self) -> bool:
        if self._external:
            return answers(self.host, self.port)
        return bool(self._process and self._process.poll() is None)

    # ------------------------------------------------------------ work

    def to_pdf(self, docx: bytes, filter_options: list[str] | None = None, *,
               update_index: bool = True) -> bytes:
        """The PDF of a DOCX; `update_index` refreshes the table of contents first."""
        return self.convert(docx, "pdf", filter_options, update_index=update_index)

    def convert(self, document: bytes, to: str = "pdf",
                filter_options: list[str] | None = None, *,
                update_index: bool = True) -> bytes:
        """A document (any format LibreOffice detects) in the format named by its file
        extension `to`, such as "pdf" or "fodt"."""
        if self._process is None and not self._external:
            self.start()
        if not self.alive:
            raise ConvertError("LibreOffice 转换服务未运行", transient=True)

        started = time.monotonic()
        proxy = xmlrpc.client.ServerProxy(
            f"http://{self.host}:{self.port}", allow_none=True,
            transport=_TimeoutTransport(self.conversion_timeout + CALL_GRACE))
        try:
            # unoserver's own client dials `info` first and sleeps 10 s between five
            # tries when the server is gone; a dead converter must fail at once here.
            answer = proxy.convert(None, document, None, to, None, filter_options or [],
                                   update_index, None, None)
            result = answer.data if answer is not None else b""
        except TimeoutError as exc:
            raise ConvertError(
                f"LibreOffice 转换超时：{self.conversion_timeout} 秒内未完成"
                "（ZGSZ_CONVERSION_TIMEOUT）", transient=True) from exc
        except (OSError, xmlrpc.client.Error) as exc:
            raise ConvertError(f"LibreOffice 转换失败：{exc}", transient=True) from exc

        if not result.startswith(_SIGNATURES.get(to, b"")) or not result:
            raise ConvertError(f"LibreOffice 未返回有效的 {to.upper()} 文件", transient=True)
        self.conversions += 1
        log.debug("converted %d bytes to %s in %.2fs", len(document), to,
                  time.monotonic() - started)
        return result


def start_all(converters: list[Converter]) -> None:
    """Start several LibreOffices side by side: each takes seconds, mostly waiting."""
    with ThreadPoolExecutor(max_workers=max(1, len(converters))) as pool:
        list(pool.map(Converter.start, converters))
