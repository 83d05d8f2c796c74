"""What every `zgsz` command shares: consoles, exit codes, the output folder check."""

from __future__ import annotations

import os
from pathlib import Path

import typer
from rich.console import Console

from service.errors import os_reason

# soft_wrap: messages piped to a file or another program keep their lines whole.
out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)

EXIT_CHECKS_FAILED = 1
EXIT_BAD_INPUT = 2
EXIT_CONVERTER = 3
EXIT_WRITE = 4

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
