"""Writing job files: whole or not at all.

Every file of a run is first written under a temporary name in the target folder, then
renamed into place, so a reader never sees half a file and a failure leaves the files
of an earlier run untouched.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def write_all(folder: Path, files: dict[str, bytes]) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    for name in files:
        _check_inside(folder, name)
    staged: list[tuple[str, Path]] = []
    try:
        for name, content in files.items():
            target_dir = (folder / name).parent
            target_dir.mkdir(parents=True, exist_ok=True)
            fd, temp = tempfile.mkstemp(prefix=".zgsz-", suffix=".part", dir=target_dir)
            staged.append((name, Path(temp)))
            with os.fdopen(fd, "wb") as handle:
                handle.write(content)
                handle.flush()
                os.fsync(handle.fileno())
    except BaseException:
        for _, temp in staged:
            temp.unlink(missing_ok=True)
        raise

    written = []
    try:
        for name, temp in staged:
            target = folder / name
            os.chmod(temp, _FILE_MODE)
            os.replace(temp, target)
            written.append(target)
    finally:
        for _, temp in staged:
            temp.unlink(missing_ok=True)
    return written


def _check_inside(folder: Path, name: str) -> None:
    # Names come from enterprise names and, for `zgsz report --remote`, from a server:
    # none may write outside the folder, whatever it holds.
    root = folder.resolve()
    target = (folder / name).resolve()
    if "\x00" in name or ".." in Path(name).parts or root not in target.parents:
        raise ValueError(f"文件名“{name!r}”会写到目录 {folder} 之外，已拒绝")


def _default_mode() -> int:
    # mkstemp makes files 0600; job files are meant to be shared like any other file.
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


_FILE_MODE = _default_mode()
