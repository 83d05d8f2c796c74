"""Files from outside (DOCX, XLSX, PDF) checked before anything reads them.

Office files are zip archives of XML: a zip bomb, a DOCTYPE (entity expansion, external
entities), external relationships (linked images or files that LibreOffice would fetch)
and macros or OLE objects are what can hurt. Bombs and DOCTYPEs are refused; external
links, macros and embedded objects are stripped, and the findings say which. PDFs are
refused when encrypted; their scripts and launch actions are stripped.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass, field

import pikepdf

from service.errors import InputError, Problem

MAX_ENTRIES = 2000
MAX_INFLATED = 200 * 1024 * 1024
MAX_RATIO = 200  # inflated / compressed, per entry
_DOCTYPE = re.compile(rb"<!DOCTYPE|<!ENTITY", re.I)
_EXTERNAL = re.compile(
    rb'<Relationship\b[^>]*TargetMode="External"[^>]*/>', re.I)
_ACTIVE_PARTS = re.compile(r"(vbaProject\.bin|vbaData\.xml|/activeX/|/embeddings/.*\.bin$)",
                           re.I)
_MACRO_TYPES = re.compile(rb'<Override[^>]*(vbaProject|macroEnabled|activeX|oleObject)[^>]*/>',
                          re.I)


@dataclass
class Inspected:
    content: bytes
    stripped: list[str] = field(default_factory=list)


def _refuse(label: str, message: str) -> InputError:
    return InputError([Problem("upload.refused", "", label, message)], "文件被拒绝")


KINDS = {"docx": "Word（.docx）", "xlsx": "Excel（.xlsx）"}


def inspect_office(content: bytes, label: str, kind: str = "docx") -> Inspected:
    """A DOCX or XLSX made safe to open, or an InputError saying why it cannot be."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
        entries = archive.infolist()
    except (zipfile.BadZipFile, OSError):
        raise _refuse(label, f"不是有效的 {KINDS[kind]}文件") from None

    _check_bomb(entries, label)
    stripped: list[str] = []
    parts: dict[str, bytes] = {}
    for entry in entries:
        data = archive.read(entry)
        if entry.filename.endswith((".xml", ".rels")) and _DOCTYPE.search(data):
            raise _refuse(label, f"部件 {entry.filename} 含有 DOCTYPE/实体声明，已拒绝")
        if _ACTIVE_PARTS.search(entry.filename):
            stripped.append(f"宏或嵌入对象 {entry.filename}")
            continue
        parts[entry.filename] = data

    for name, data in list(parts.items()):
        if name.endswith(".rels"):
            parts[name], links = _drop_external(data)
            stripped += [f"外部链接 {link}" for link in links]
        elif name == "[Content_Types].xml":
            parts[name] = _MACRO_TYPES.sub(b"", data)

    if not stripped:
        return Inspected(content)
    return Inspected(_rezip(parts), stripped)


def _check_bomb(entries: list[zipfile.ZipInfo], label: str) -> None:
    if len(entries) > MAX_ENTRIES:
        raise _refuse(label, f"压缩包内有 {len(entries)} 个部件，超过上限 {MAX_ENTRIES}")
    inflated = sum(e.file_size for e in entries)
    if inflated > MAX_INFLATED:
        raise _refuse(label, f"解压后 {inflated // 2**20} MB，超过上限 "
                             f"{MAX_INFLATED // 2**20} MB（疑为压缩炸弹）")
    for entry in entries:
        if entry.compress_size and entry.file_size / entry.compress_size > MAX_RATIO \
                and entry.file_size > 1024 * 1024:
            raise _refuse(label, f"部件 {entry.filename} 压缩比异常（疑为压缩炸弹）")


def _drop_external(rels: bytes) -> tuple[bytes, list[str]]:
    """Relationships pointing outside the file keep their id but lose their target:
    the parts that name them stay valid, and there is nothing left to fetch."""
    links = []

    def neutralise(match: re.Match) -> bytes:
        element = match.group(0)
        target = re.search(rb'Target="([^"]*)"', element)
        links.append(target.group(1).decode("utf-8", "replace") if target else "?")
        return re.sub(rb'Target="[^"]*"', b'Target=""', element)

    return _EXTERNAL.sub(neutralise, rels), links


def _rezip(parts: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def inspect_pdf_upload(content: bytes, label: str) -> Inspected:
    """A PDF made inert: no JavaScript, no launch or open actions, no embedded files."""
    try:
        document = pikepdf.open(io.BytesIO(content))
    except pikepdf.PasswordError:
        raise _refuse(label, "PDF 已加密，请提供未加密的文件") from None
    except pikepdf.PdfError:
        raise _refuse(label, "不是可读的 PDF 文件") from None

    stripped = []
    with document:
        names = document.Root.get("/Names")
        for key in ("/JavaScript", "/EmbeddedFiles"):
            if names is not None and key in names:
                del names[key]
                stripped.append("脚本" if key == "/JavaScript" else "内嵌文件")
        for key in ("/OpenAction", "/AA"):
            if key in document.Root:
                del document.Root[key]
                stripped.append("打开时自动执行的动作")
        for page in document.pages:
            if "/AA" in page.obj:
                del page.obj["/AA"]
                stripped.append("页面动作")
        if not stripped:
            return Inspected(content)
        buffer = io.BytesIO()
        document.save(buffer)
    return Inspected(buffer.getvalue(), sorted(set(stripped)))
