"""What every `zgsz` command shares: consoles, exit codes, the output folder check."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import typer
from rich.console import Console

# soft_wrap: messages piped to a file or another program keep their lines whole.
out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)

EXIT_CHECKS_FAILED = 1
EXIT_BAD_INPUT = 2
EXIT_CONVERTER = 3
EXIT_WRITE = 4

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


def writable_folder(folder: Path) -> Path:
    """The output folder, created if need be; a clear message when it cannot be used."""
    if folder.exists() and not folder.is_dir():
        err.print(f"输出目录 {folder} 是一个文件，请换一个目录", style="bold red",
                  markup=False)
        raise typer.Exit(EXIT_BAD_INPUT)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        err.print(f"无法创建输出目录 {folder}：{os_reason(exc)}", style="bold red",
                  markup=False)
        raise typer.Exit(EXIT_BAD_INPUT) from None
    if not os.access(folder, os.W_OK | os.X_OK):
        err.print(f"没有输出目录 {folder} 的写入权限", style="bold red", markup=False)
        raise typer.Exit(EXIT_BAD_INPUT)
    return folder
