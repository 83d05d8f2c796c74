"""The errors zgsz raises, in one tree.

    ZgszError                  anything we report to a user; `message` is Chinese
    ├── InputError             the input is wrong; `problems` lists every problem found
    ├── DataError              a skeleton, catalogue or template file of ours is broken
    ├── ConvertError           LibreOffice failed or timed out; `transient` says if a retry helps
    ├── SettingsError          invalid ZGSZ_* variables; `problems` names each one
    ├── QueueFullError         ZGSZ_MAX_QUEUE jobs wait already; `retry_after` seconds
    └── UnavailableError       Redis or every worker is out of reach; `retry_after` too

A Problem names the field by its path (enterprise.credit_code) and its Chinese label
(被诊断企业 › 统一社会信用代码), so a person can find it in the input and a program can
match on the path and the code.
"""

from __future__ import annotations

import errno
from dataclasses import asdict, dataclass
from typing import Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Problem:
    code: str
    path: str
    label: str
    message: str
    severity: Severity = "error"

    def __str__(self) -> str:
        where = f"{self.label}（{self.path}）" if self.path else self.label
        kind = "错误" if self.severity == "error" else "警告"
        return f"[{kind}] {where}：{self.message}"

    def as_dict(self) -> dict:
        return asdict(self)


class ZgszError(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class InputError(ZgszError):
    def __init__(self, problems: list[Problem], message: str = "输入有误"):
        super().__init__(f"{message}，共 {len(problems)} 处问题")
        self.problems = problems


class DataError(ZgszError):
    pass


class ConvertError(ZgszError):
    def __init__(self, message: str, *, transient: bool):
        super().__init__(message)
        self.transient = transient


class SettingsError(ZgszError):
    def __init__(self, problems: list[Problem]):
        lines = "\n".join(f"  {p.label}：{p.message}" for p in problems)
        super().__init__(f"环境变量共 {len(problems)} 处取值无效：\n{lines}")
        self.problems = problems


class QueueFullError(ZgszError):
    def __init__(self, message: str, *, retry_after: int):
        super().__init__(message)
        self.retry_after = retry_after


class UnavailableError(ZgszError):
    def __init__(self, message: str, *, retry_after: int):
        super().__init__(message)
        self.retry_after = retry_after


# The operating system's reasons are in English; these are the ones users meet.
_REASONS = {
    errno.ENOENT: "路径不存在", errno.ENOTDIR: "路径中有一段是文件，不是目录",
    errno.EACCES: "没有权限", errno.EPERM: "没有权限", errno.EROFS: "所在磁盘只读",
    errno.ENOSPC: "磁盘已满", errno.EDQUOT: "磁盘配额已满", errno.EFBIG: "文件过大",
    errno.ENAMETOOLONG: "名称过长", errno.EISDIR: "是一个目录",
}


def os_reason(exc: OSError) -> str:
    """Why a file operation failed, in Chinese where we know the reason."""
    return _REASONS.get(exc.errno) or exc.strerror or str(exc)
