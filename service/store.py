"""Writing job files: whole or not at all.

Every file of a run is first written under a temporary name in the target folder, then
renamed into place, so a reader never sees half a file and a failure leaves the files
of an earlier run untouched.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO


def write_all(folder: Path, files: dict[str, bytes]) -> list[Path]:
    with Staging(folder) as staging:
        for name in files:
            _check_inside(folder, name)
        for name, content in files.items():
            staging.add(name, content)
        return staging.commit()


class Staging:
    """Files written one by one under temporary names, put in place together by
    commit(); leaving the `with` block without commit() removes them all."""

    def __init__(self, folder: Path):
        self.folder = folder
        self._staged: list[tuple[str, Path]] = []

    def __enter__(self) -> Staging:
        self.folder.mkdir(parents=True, exist_ok=True)
        return self

    def __exit__(self, *exc) -> None:
        for _, temp in self._staged:
            temp.unlink(missing_ok=True)

    def add(self, name: str, content: bytes) -> None:
        with self.open(name) as handle:
            handle.write(content)

    @contextmanager
    def open(self, name: str) -> Iterator[BinaryIO]:
        """A file to write `name` into, for content too big to hold in memory at once."""
        _check_inside(self.folder, name)
        target_dir = (self.folder / name).parent
        target_dir.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(prefix=".zgsz-", suffix=".part", dir=target_dir)
        self._staged.append((name, Path(temp)))
        with os.fdopen(fd, "wb") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())

    def commit(self) -> list[Path]:
        written = []
        for name, temp in self._staged:
            target = self.folder / name
            os.chmod(temp, _FILE_MODE)
            os.replace(temp, target)
            written.append(target)
        self._staged = []
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
