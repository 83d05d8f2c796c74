"""The per-enterprise ledger (一企一台账): one printable PDF, its originals and a manifest.

Parts follow the seed's list: the report, the two assessment reports, attachments 1-3
(scanned signed copies where given, otherwise generated from the input) and the site
photos (one or two per visit). A cover and a contents page come first; every part is
also a PDF bookmark. Each page's footer carries the ledger id, which is derived from the
originals' hashes in the manifest, so a loose printed page leads back to its ledger.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import logging
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import img2pdf
import pikepdf
from pypdf import PdfReader

from service.convert import Converter
from service.errors import InputError, Problem
from service.model import DiagnosisInput
from service.render import _fill, chinese_date, file_stem, render_attachments
from service.signing import Field, add_signature_fields, find_seal_fields
from service.store import write_all
from service.uploads import inspect_office, inspect_pdf_upload

log = logging.getLogger("zgsz.ledger")

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png"}
PDFA_OPTION = "SelectPdfVersion=2"  # LibreOffice's PDF/A-2b export
# Photos and scans on A4 with 20 mm margins, scaled to fit, proportions kept.
A4_LAYOUT = img2pdf.get_layout_fun(
    pagesize=(img2pdf.mm_to_pt(210), img2pdf.mm_to_pt(297)),
    border=(img2pdf.mm_to_pt(20), img2pdf.mm_to_pt(20)),
    fit=img2pdf.FitMode.into,
)
ATTACHMENT_TITLES = {1: "附件1 签到表", 2: "附件2 诊断服务确认单",
                     3: "附件3 服务商诊断服务满意度调查表"}


@dataclass
class Part:
    key: str
    title: str
    pdf: bytes
    originals: list[Path] = field(default_factory=list)
    generated: bool = False
    page: int = 0
    pages: int = 0


@dataclass
class LedgerResult:
    ledger_id: str
    files: list[Path]
    missing: list[str]
    parts: list[Part]
    pages: int
    stripped: list[str] = field(default_factory=list)


def _sha256(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def _page_count(pdf: bytes) -> int:
    with pikepdf.open(io.BytesIO(pdf)) as document:
        return len(document.pages)


def _read_pdf(path: Path, label: str, notes: list[str]) -> bytes:
    inspected = inspect_pdf_upload(path.read_bytes(), f"{label}（{path.name}）")
    notes += [f"{label}（{path.name}）：已去除{item}" for item in inspected.stripped]
    return inspected.content


def _images_to_pdf(paths: list[Path], label: str) -> bytes:
    try:
        return img2pdf.convert([str(p) for p in paths], layout_fun=A4_LAYOUT)
    except (img2pdf.ImageOpenError, OSError, ValueError) as exc:
        raise InputError([Problem("ledger.bad_image", "", label,
                                  f"图片无法读取：{exc}")]) from exc


def _scan_pdf(files: list[Path], label: str, notes: list[str]) -> bytes:
    """Scanned copies, PDF or images, in file-name order, as one PDF."""
    merged = pikepdf.new()
    for path in sorted(files):
        if path.suffix.lower() == ".pdf":
            content = _read_pdf(path, label, notes)
        else:
            content = _images_to_pdf([path], label)
        with pikepdf.open(io.BytesIO(content)) as part:
            merged.pages.extend(part.pages)
    buffer = io.BytesIO()
    merged.save(buffer)
    return buffer.getvalue()


Convert = Callable[[bytes], bytes]


def collect_parts(data: DiagnosisInput, input_path: Path, convert: Convert, *,
                  report: Path | None, cmmm: Path | None, lianghua: Path | None,
                  scans: Path | None,
                  notes: list[str]) -> tuple[list[Part], list[str]]:
    """The ledger's parts and what is missing; `notes` collects what was stripped from
    files that came from outside."""
    parts: list[Part] = []
    missing: list[str] = []

    if report is None:
        missing.append("诊断报告（--report）")
    elif report.suffix.lower() == ".docx":
        inspected = inspect_office(report.read_bytes(), f"诊断报告（{report.name}）")
        notes += [f"诊断报告（{report.name}）：已去除{item}" for item in inspected.stripped]
        parts.append(Part("report", "诊断报告", convert(inspected.content), [report]))
    else:
        parts.append(Part("report", "诊断报告", _read_pdf(report, "诊断报告", notes),
                          [report]))

    for key, path, title, option in (
        ("cmmm", cmmm, "智能制造能力成熟度评估报告", "--cmmm"),
        ("lianghua", lianghua, "两化融合评估报告", "--lianghua"),
    ):
        if path is None:
            missing.append(f"{title}（{option}）")
        else:
            parts.append(Part(key, title, _read_pdf(path, title, notes), [path]))

    scanned = _scans_by_attachment(scans)
    generated = {doc.kind: doc for doc in render_attachments(data)}
    for number, title in ATTACHMENT_TITLES.items():
        files = scanned.get(number)
        if files:
            parts.append(Part(f"attachment{number}", title, _scan_pdf(files, title, notes),
                              files))
        else:
            docx = generated[f"attachment{number}"].docx
            parts.append(Part(f"attachment{number}", title, convert(docx),
                              generated=True))
        if number == 1:
            photos, photo_missing = _photos(data, input_path)
            missing += photo_missing
            if photos:
                parts.append(Part("photos", "现场照片",
                                  _images_to_pdf(photos, "现场照片"), photos))
    return parts, missing


def _scans_by_attachment(folder: Path | None) -> dict[int, list[Path]]:
    found: dict[int, list[Path]] = {}
    if folder is None:
        return found
    if not folder.is_dir():
        raise InputError([Problem("ledger.scans", "", "扫描件目录",
                                  f"{folder} 不是目录")])
    for path in folder.iterdir():
        if path.suffix.lower() not in IMAGE_SUFFIXES | {".pdf"}:
            continue
        for number in ATTACHMENT_TITLES:
            if f"附件{number}" in path.name:
                found.setdefault(number, []).append(path)
    return found


def _photos(data: DiagnosisInput, input_path: Path) -> tuple[list[Path], list[str]]:
    """The visits' photos, relative to the input file; the seed asks one or two each."""
    photos, missing = [], []
    for i, visit in enumerate(data.visits, start=1):
        where = f"第{i}次入企（{chinese_date(visit.date)}，{visit.kind}）"
        if not visit.photos:
            missing.append(f"{where}的现场照片（每次 1-2 张，visits[{i - 1}].photos）")
            continue
        for name in visit.photos[:2]:
            path = (input_path.parent / name).resolve()
            if path.is_file():
                photos.append(path)
            else:
                missing.append(f"{where}的照片文件不存在：{name}")
    return photos, missing


def ledger_id(parts: list[Part], input_path: Path) -> str:
    """From the originals only: the same files give the same id on every run (the PDFs
    LibreOffice writes differ run to run in their timestamps)."""
    digest = hashlib.sha256(f"input:{_sha256(input_path.read_bytes())}\n".encode())
    for part in parts:
        for path in part.originals:
            digest.update(f"{part.key}:{_sha256(path.read_bytes())}\n".encode())
    return "ZG-" + digest.hexdigest()[:10].upper()


def _text_of(part: Part) -> str:
    reader = PdfReader(io.BytesIO(part.pdf))
    return "".join((page.extract_text() or "") for page in reader.pages)


def ownership_problems(data: DiagnosisInput, parts: list[Part]) -> list[str]:
    """Supplied documents that do not name this enterprise, or one file given twice."""
    found = []
    wanted = {re.sub(r"\s+", "", data.enterprise.name), data.enterprise.credit_code}
    for part in parts:
        if part.generated or part.key not in ("report", "cmmm", "lianghua"):
            continue
        text = re.sub(r"\s+", "", _text_of(part))
        if not any(name in text for name in wanted):
            found.append(f"{part.title}（{part.originals[0].name}）中找不到企业名称"
                         f"“{data.enterprise.name}”或其统一社会信用代码，可能不是本企业的文件")
    supplied = {}
    for part in parts:
        if part.key in ("cmmm", "lianghua"):
            digest = _sha256(part.originals[0].read_bytes())
            if digest in supplied:
                found.append(f"{part.title}与{supplied[digest]}是同一个文件")
            supplied[digest] = part.title
    return found


def _cover(data: DiagnosisInput, parts: list[Part], identifier: str, missing: list[str],
           convert: Convert, draft: bool) -> bytes:
    """Cover and contents; rendered until the page numbers it prints are stable."""
    cover_pages = 2
    while True:
        page = cover_pages + 1
        for part in parts:
            part.page, page = page, page + part.pages
        context = {
            "programme": data.programme, "enterprise": data.enterprise,
            "agency": data.agency, "ledger_date": chinese_date(dt.date.today()),
            "ledger_id": identifier, "draft": draft, "missing": missing,
            "parts": [{"title": p.title, "page": p.page} for p in parts],
        }
        pdf = convert(_fill("ledger_cover.docx", context))
        if _page_count(pdf) == cover_pages:
            return pdf
        cover_pages = _page_count(pdf)


def _stamp(document: pikepdf.Pdf, identifier: str, convert: Convert) -> None:
    """Lay the footer (ledger id, page n of m) over every page."""
    total = len(document.pages)
    stamp_pdf = convert(_fill("ledger_stamp.docx", {
        "ledger_id": identifier, "pages": range(total), "draft": False}))
    stamp = pikepdf.open(io.BytesIO(stamp_pdf))
    for page, overlay in zip(document.pages, stamp.pages, strict=True):
        page.add_overlay(document.copy_foreign(overlay.as_form_xobject()))


def build_ledger(data: DiagnosisInput, input_path: Path, out_dir: Path,
                 converter: Converter, *, report: Path | None = None,
                 cmmm: Path | None = None, lianghua: Path | None = None,
                 scans: Path | None = None, draft: bool = False,
                 sign_fields: bool = False, pdfa: bool = False) -> LedgerResult:
    options = [PDFA_OPTION] if pdfa else []

    def convert(docx: bytes) -> bytes:
        return converter.to_pdf(docx, options)

    notes: list[str] = []
    parts, missing = collect_parts(data, input_path, convert, report=report,
                                   cmmm=cmmm, lianghua=lianghua, scans=scans, notes=notes)
    foreign = ownership_problems(data, parts)
    if (missing or foreign) and not draft:
        raise InputError(
            [Problem("ledger.missing", "", "台账材料", f"缺少{item}") for item in missing]
            + [Problem("ledger.foreign", "", "台账材料", item) for item in foreign],
            "台账材料不全或有误，未生成正式台账（可加 --draft 生成草稿）",
        )
    missing = missing + foreign

    for part in parts:
        part.pages = _page_count(part.pdf)
    identifier = ledger_id(parts, input_path)
    cover = _cover(data, parts, identifier, missing, convert, draft)

    document = pikepdf.new()
    outline = [("封面", 0), ("目录", 1)]
    with pikepdf.open(io.BytesIO(cover)) as cover_pdf:
        document.pages.extend(cover_pdf.pages)
    for part in parts:
        outline.append((part.title, len(document.pages)))
        with pikepdf.open(io.BytesIO(part.pdf)) as part_pdf:
            document.pages.extend(part_pdf.pages)
    with document.open_outline() as tree:
        tree.root.extend(pikepdf.OutlineItem(title, page) for title, page in outline)
    _stamp(document, identifier, convert)
    if pdfa:
        _mark_pdfa(document, cover, data)
    buffer = io.BytesIO()
    document.save(buffer)
    ledger_pdf = buffer.getvalue()
    if sign_fields:
        ledger_pdf = add_signature_fields(ledger_pdf, _form_fields(ledger_pdf, parts))

    stem = f"{file_stem(data.enterprise.name)}_台账{'_草稿' if draft else ''}"
    manifest = _manifest(identifier, data, parts, input_path, missing,
                         f"{stem}.pdf", ledger_pdf, draft, notes)
    files = {
        f"{stem}.pdf": ledger_pdf,
        f"{stem}_清单.json": manifest,
    }
    files[f"{stem}.zip"] = _zip(parts, input_path, files)
    written = write_all(out_dir, files)
    log.info("ledger done: id=%s parts=%d pages=%d missing=%d", identifier, len(parts),
             len(document.pages), len(missing))
    return LedgerResult(identifier, written, missing, parts, len(document.pages), notes)


def _form_fields(pdf: bytes, parts: list[Part]) -> list[Field]:
    """Seal fields on the generated confirmation form and survey; a scanned copy is
    already sealed on paper."""
    fields = []
    for part in parts:
        if part.generated and part.key in ("attachment2", "attachment3"):
            start = part.page - 1
            fields += find_seal_fields(pdf, range(start, start + part.pages))
    return fields


def _mark_pdfa(document: pikepdf.Pdf, cover: bytes, data: DiagnosisInput) -> None:
    """Identify the merged ledger as PDF/A-2b, with the sRGB output intent LibreOffice
    wrote into its own PDF/A parts. See README for what is checked and what is not."""
    with pikepdf.open(io.BytesIO(cover)) as source:
        intents = source.Root.get("/OutputIntents")
        if intents is not None:
            document.Root.OutputIntents = pikepdf.Array(
                [document.copy_foreign(intent) for intent in intents])
    with document.open_metadata(set_pikepdf_as_editor=False) as meta:
        meta["pdfaid:part"] = "2"
        meta["pdfaid:conformance"] = "B"
        meta["dc:title"] = f"{data.enterprise.name} 诊断服务台账"


def _manifest(identifier: str, data: DiagnosisInput, parts: list[Part],
              input_path: Path, missing: list[str], ledger_name: str,
              ledger_pdf: bytes, draft: bool, notes: list[str]) -> bytes:
    entries = [{"name": f"原始文件/{input_path.name}", "role": "诊断输入",
                "sha256": _sha256(input_path.read_bytes())}]
    for part in parts:
        for path in part.originals:
            entries.append({"name": f"原始文件/{path.name}", "role": part.title,
                            "sha256": _sha256(path.read_bytes())})
        entries.append({"name": None, "role": f"{part.title}（台账第 {part.page} 页起，"
                        f"共 {part.pages} 页{'，由输入生成' if part.generated else ''}）",
                        "sha256": _sha256(part.pdf)})
    entries.append({"name": ledger_name, "role": "台账 PDF", "sha256": _sha256(ledger_pdf)})
    return json.dumps({
        "ledger_id": identifier,
        "enterprise": data.enterprise.name,
        "credit_code": data.enterprise.credit_code,
        "agency": data.agency.name,
        "draft": draft,
        "complete": not missing,
        "missing": missing,
        "stripped": notes,
        "created_at": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "files": entries,
    }, ensure_ascii=False, indent=2).encode("utf-8")


def _zip(parts: list[Part], input_path: Path, files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.write(input_path, f"原始文件/{input_path.name}")
        for part in parts:
            for path in part.originals:
                archive.write(path, f"原始文件/{path.name}")
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()
