"""Serving a job's files: safe names, a Content-Disposition keeping Chinese names."""

from __future__ import annotations

import re
from pathlib import Path, PurePath
from urllib.parse import quote

from service.render import KINDS

MEDIA_TYPES = {
    ".pdf": "application/pdf",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".json": "application/json",
}


# Device names Windows will not open as files, whatever their extension.
RESERVED = re.compile(r"(CON|PRN|AUX|NUL|COM[0-9]|LPT[0-9])(\..*)?", re.IGNORECASE)
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def unsafe(name: str) -> bool:
    """Whether a requested file name could reach outside the job's folder."""
    return ("/" in name or "\\" in name or name in ("", ".", "..")
            or bool(_CONTROL.search(name)))


def inside(folder: Path, path: Path) -> bool:
    """Whether `path`, links followed, is a file directly in `folder`."""
    return path.resolve().parent == folder.resolve()


def ascii_name(name: str) -> str:
    """An ASCII stand-in for clients that ignore filename*: 诊断报告 -> report."""
    path = PurePath(name)
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
    # current browsers and curl -J prefer.
    return (f'attachment; filename="{ascii_name(name)}"; '
            f"filename*=UTF-8''{quote(name, safe='')}")


def media_type(name: str) -> str:
    return MEDIA_TYPES.get(PurePath(name).suffix.lower(), "application/octet-stream")
