"""Serving a job's files: safe names, a Content-Disposition keeping Chinese names.

A name is a file directly in the job's folder, or in one folder below it (a forms job's
分企业/0001_….pdf); nothing else can be asked for, links followed or not.
"""

from __future__ import annotations

import re
from pathlib import Path, PurePath
from urllib.parse import quote

from service.batch import MERGED_NAME, ZIP_NAME
from service.render import KINDS

MEDIA_TYPES = {
    ".pdf": "application/pdf",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".json": "application/json",
    ".csv": "text/csv; charset=utf-8",
    ".zip": "application/zip",
}
# ASCII stand-ins for a forms job's own files (each enterprise's keeps its number).
BATCH_NAMES = {MERGED_NAME: "forms_print.pdf", ZIP_NAME: "all_files.zip",
               "清单.csv": "manifest.csv", "清单.json": "manifest.json"}


# Device names Windows will not open as files, whatever their extension.
RESERVED = re.compile(r"(CON|PRN|AUX|NUL|COM[0-9]|LPT[0-9])(\..*)?", re.IGNORECASE)
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def unsafe(name: str) -> bool:
    """Whether a requested file name could reach outside the job's folder: a name, or
    a folder and a name (分企业/x.pdf), none of them empty, . or .., no backslash, no
    control character, no leading slash."""
    parts = name.split("/")
    return (len(parts) > 2 or "\\" in name or bool(_CONTROL.search(name))
            or any(part in ("", ".", "..") for part in parts))


def inside(folder: Path, path: Path) -> bool:
    """Whether `path`, links followed, is still the file asked for in `folder`: no link,
    of the file or of its folder, leads anywhere else, not even within the folder."""
    try:
        return path.resolve().relative_to(folder.resolve()) == path.relative_to(folder)
    except ValueError:
        return False


def ascii_name(name: str) -> str:
    """An ASCII stand-in for clients that ignore filename*: 诊断报告 -> report."""
    path = PurePath(name)
    if path.name in BATCH_NAMES:
        return BATCH_NAMES[path.name]
    for kind, title in KINDS.items():
        if title in path.stem:
            draft = "_draft" if path.stem.endswith("_草稿") else ""
            return f"{kind}{draft}{path.suffix}"
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", path.stem).strip("_.") or "file"
    suffix = re.sub(r"[^A-Za-z0-9.]+", "", path.suffix)
    if RESERVED.fullmatch(stem):
        stem = f"_{stem}"
    return f"{stem}{suffix}"


def content_disposition(name: str) -> str:
    # RFC 6266 / 5987: the quoted ASCII fallback first, then the UTF-8 name that
    # current browsers and curl -J prefer. A file in a folder is saved by its own name.
    name = PurePath(name).name
    return (f'attachment; filename="{ascii_name(name)}"; '
            f"filename*=UTF-8''{quote(name, safe='')}")


def media_type(name: str) -> str:
    return MEDIA_TYPES.get(PurePath(name).suffix.lower(), "application/octet-stream")
