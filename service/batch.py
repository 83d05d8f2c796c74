"""Attachments 1-3 for a whole roster at once, without one LibreOffice call per document.

Enterprises are rendered in chunks into one DOCX each (templates_docx/forms_batch.docx);
every form page opens with a Word bookmark named for its enterprise, which LibreOffice
exports as a PDF named destination. Each chunk is converted once and split back at those
destinations, so the split never depends on how many pages a form happens to take.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import queue
import re
import time
import zipfile
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pikepdf

from service.convert import Converter
from service.errors import ConvertError
from service.odf_batch import (
    PROTO_INDEX,
    Prototype,
    PrototypeError,
    prototype_docx,
    prototype_row,
    read_prototype,
)
from service.render import blank_survey, file_stem, render_forms_batch, sign_in_sheet
from service.roster import Roster, RosterRow, RowError
from service.skeleton import Skeleton
from service.store import Staging

log = logging.getLogger("zgsz.batch")

CHUNK_SIZE = 100
PDF_OPTIONS = ["ExportBookmarksToPDFDestination=true"]
MARKER = re.compile(r"^/?zgsz(\d+)f(\d)")
MERGED_NAME = "全部表单_打印版.pdf"
ZIP_NAME = "全部文件.zip"
MANIFEST_NAMES = ("清单.csv", "清单.json")
OUTPUT_NAMES = (MERGED_NAME, ZIP_NAME, *MANIFEST_NAMES)
FOLDER = "分企业"
# The per-enterprise files a batch writes: 0001_企业名称_附件1-3.pdf
OUR_FILE = re.compile(r"^\d{4}_.+_附件[0-9、-]+\.(pdf|docx)$")
A4_POINTS = (595.28, 841.89)
SHARED_FORM = 2


@dataclass
class EnterpriseForms:
    seq: int
    row: RosterRow
    pdf_name: str
    pages: int
    docx_name: str = ""


@dataclass
class BatchResult:
    done: list[EnterpriseForms] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)
    merged_pages: int = 0
    seconds: float = 0.0
    removed: int = 0


def forms_context(row: RosterRow, skeleton: Skeleton, index: int) -> dict:
    survey, overall = blank_survey()
    sheets = [sign_in_sheet(day) for day in row.dates] or [sign_in_sheet(None)]
    return {
        "index": index,
        "programme_name": skeleton.programme.name,
        "bureau": skeleton.programme.bureau,
        "enterprise_name": row.name,
        "agency_name": row.agency,
        "visits": sheets,
        "survey": survey,
        "overall": overall,
        "agency_date": "",
        "enterprise_date": "",
    }


def form_starts(pdf: pikepdf.Pdf) -> dict[tuple[int, int], int]:
    """(enterprise index, form) -> the form's first page, read from the named
    destinations."""
    page_number = {page.objgen: i for i, page in enumerate(pdf.pages)}
    destinations = pdf.Root.get("/Dests") or {}
    starts: dict[tuple[int, int], int] = {}
    for name, destination in destinations.items():
        match = MARKER.match(str(name))
        if match:
            page = page_number[destination[0].objgen]
            key = (int(match.group(1)), int(match.group(2)))
            starts[key] = min(page, starts.get(key, page))
    return starts


def page_starts(pdf: pikepdf.Pdf) -> dict[int, int]:
    """Enterprise index -> its first page."""
    starts: dict[int, int] = {}
    for (index, _), page in form_starts(pdf).items():
        starts[index] = min(page, starts.get(index, page))
    return starts


def split(pdf: pikepdf.Pdf, indexes: list[int]) -> dict[int, range]:
    starts = page_starts(pdf)
    lost = [i for i in indexes if i not in starts]
    if lost:
        raise ConvertError(f"批量 PDF 分拆失败：{len(lost)} 家企业的页面标记丢失",
                           transient=False)
    ordered = sorted(indexes, key=lambda i: starts[i])
    ends = [starts[i] for i in ordered[1:]] + [len(pdf.pages)]
    return {i: range(starts[i], end) for i, end in zip(ordered, ends, strict=True)}


def _pdf_bytes(pdf: pikepdf.Pdf) -> bytes:
    buffer = io.BytesIO()
    pdf.save(buffer)
    return buffer.getvalue()


def _form_label(forms: tuple[int, ...]) -> str:
    return "附件" + ("-".join(map(str, (forms[0], forms[-1]))) if len(forms) > 2 and
                    forms == tuple(range(forms[0], forms[-1] + 1))
                    else "、".join(map(str, forms)))


def _prototype(skeleton: Skeleton, forms: tuple[int, ...], draft: bool,
               converter) -> Prototype | None:
    """The batch's pages as flat ODF, or None to render every chunk as DOCX instead."""
    context = forms_context(prototype_row(), skeleton, PROTO_INDEX)
    docx = prototype_docx(context, forms, draft=draft)
    try:
        return read_prototype(converter.convert(docx, "fodt", update_index=False), forms)
    except PrototypeError as exc:
        # Slower but the same pages: a LibreOffice that writes its ODF differently
        # must not stop a batch.
        log.warning("forms prototype unusable, converting DOCX chunks: %s", exc.message)
        return None


def run_forms(roster: Roster, skeleton: Skeleton, forms: tuple[int, ...], out_dir: Path,
              converters: list[Converter], *, with_docx: bool = False,
              pad_even: bool = False, draft: bool = False, chunk_size: int = CHUNK_SIZE,
              progress: Callable[[int, int], None] | None = None) -> BatchResult:
    started = time.monotonic()
    rows = roster.rows
    contexts = [forms_context(row, skeleton, i) for i, row in enumerate(rows)]
    chunks = [list(range(s, min(s + chunk_size, len(rows))))
              for s in range(0, len(rows), chunk_size)]

    idle: queue.Queue[Converter] = queue.Queue()
    for converter in converters:
        idle.put(converter)

    prototype = _prototype(skeleton, forms, draft, converters[0]) if rows else None
    # The confirmation form names only the agency: with the prototype, each agency's
    # is laid out once and its pages shared by all the agency's enterprises.
    shared = SHARED_FORM in forms and len(forms) > 1 and prototype is not None
    own_forms = tuple(f for f in forms if not (shared and f == SHARED_FORM))
    agencies = sorted({row.agency for row in rows}) if shared else []

    def to_pdf(document: bytes) -> pikepdf.Pdf:
        converter = idle.get()
        try:
            pdf = converter.convert(document, "pdf", PDF_OPTIONS, update_index=False)
        finally:
            idle.put(converter)
        return pikepdf.open(io.BytesIO(pdf))

    def convert(indexes: list[int]) -> tuple[list[int], pikepdf.Pdf]:
        if prototype:
            document = prototype.document([(i, rows[i]) for i in indexes], own_forms)
        else:
            document = render_forms_batch([contexts[i] for i in indexes], forms, draft=draft)
        return indexes, to_pdf(document)

    def agency_pages() -> tuple[pikepdf.Pdf, dict[str, list[pikepdf.Page]]]:
        """Each agency's confirmation-form pages, and the PDF that must outlive them."""
        named = [(k, RosterRow(0, "", "", "", agency)) for k, agency in enumerate(agencies)]
        reader = to_pdf(prototype.document(named, (SHARED_FORM,)))
        ranges = split(reader, [k for k, _ in named])
        return reader, {agency: list(reader.pages[ranges[k].start:ranges[k].stop])
                        for k, agency in enumerate(agencies)}

    def pages_of(index: int, reader: pikepdf.Pdf, pages: range,
                 starts: dict[tuple[int, int], int],
                 shared_pages: dict[str, list[pikepdf.Page]]) -> list[pikepdf.Page]:
        own = list(reader.pages[pages.start:pages.stop])
        if not shared:
            return own
        # The forms keep their order: the confirmation form goes before the survey.
        at = starts[(index, 3)] - pages.start if 3 in forms else len(own)
        return own[:at] + shared_pages[rows[index].agency] + own[at:]

    merged = pikepdf.new()
    outline: list[tuple[str, int]] = []
    result = BatchResult(errors=list(roster.errors))
    label = _form_label(forms)
    done = 0

    # Files are staged as each chunk comes back, while LibreOffice works on the next,
    # and put in place together at the end; the zip is written as they come too. One
    # writer thread does the disk work, so waiting on fsync holds nothing else up.
    with Staging(out_dir) as staging, _pool(1) as writer:
        with staging.open(ZIP_NAME) as handle, zipfile.ZipFile(handle, "w") as archive:
            writes: list[Future] = []

            def store(name: str, content: bytes) -> None:
                staging.add(name, content)
                # PDF streams are compressed already; deflating them again costs time.
                method = zipfile.ZIP_STORED if name.endswith(".pdf") else zipfile.ZIP_DEFLATED
                archive.writestr(name, content, compress_type=method)

            def keep(name: str, content: bytes) -> None:
                writes.append(writer.submit(store, name, content))

            with _pool(max(1, len(converters))) as pool:
                shared_future = pool.submit(agency_pages) if shared else None
                # map keeps chunk order, so the merged file follows the roster.
                for indexes, reader in pool.map(convert, chunks):
                    # The future keeps the agencies' PDF, which the pages need, alive.
                    _, shared_pages = shared_future.result() if shared_future else (None, {})
                    starts = form_starts(reader)
                    for index, pages in sorted(split(reader, indexes).items()):
                        row = rows[index]
                        seq = index + 1
                        name = f"{FOLDER}/{seq:04d}_{file_stem(row.name)}_{label}"
                        own = pages_of(index, reader, pages, starts, shared_pages)
                        part = pikepdf.new()
                        part.pages.extend(own)
                        keep(f"{name}.pdf", _pdf_bytes(part))

                        outline.append((f"{seq:04d} {row.name}", len(merged.pages)))
                        merged.pages.extend(own)
                        if pad_even and len(own) % 2:
                            merged.add_blank_page(page_size=A4_POINTS)

                        entry = EnterpriseForms(seq, row, f"{name}.pdf", len(own))
                        if with_docx:
                            entry.docx_name = f"{name}.docx"
                            keep(entry.docx_name, render_forms_batch(
                                [contexts[index]], forms, draft=draft))
                        result.done.append(entry)
                    done += len(indexes)
                    if progress:
                        progress(done, len(rows))

            result.merged_pages = len(merged.pages)
            if rows:
                with merged.open_outline() as tree:
                    tree.root.extend(pikepdf.OutlineItem(title, page)
                                     for title, page in outline)
                keep(MERGED_NAME, _pdf_bytes(merged))
            for name, content in _manifests(result, label).items():
                keep(name, content)
            for write in writes:
                write.result()
        result.files = staging.commit()
    result.removed = _remove_stale(out_dir, {p.relative_to(out_dir) for p in result.files})

    result.seconds = time.monotonic() - started
    log.info("forms batch done: rows=%d errors=%d pages=%d in %.1fs", len(rows),
             len(result.errors), result.merged_pages, result.seconds)
    return result


@contextmanager
def _pool(workers: int) -> Iterator[ThreadPoolExecutor]:
    """Threads that, when the batch fails or is interrupted, drop the work not yet
    begun instead of finishing it first."""
    pool = ThreadPoolExecutor(max_workers=workers)
    try:
        yield pool
    except BaseException:
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    pool.shutdown(wait=True)


def _remove_stale(out_dir: Path, written: set[Path]) -> int:
    """Remove an earlier batch's files that this one did not write again: a folder
    reused for another roster must not mix its enterprises into what gets printed."""
    stale = [p for p in (out_dir / FOLDER).glob("*") if OUR_FILE.match(p.name)]
    if (out_dir / MERGED_NAME).exists():
        stale.append(out_dir / MERGED_NAME)
    removed = 0
    for path in stale:
        if path.relative_to(out_dir) not in written:
            path.unlink(missing_ok=True)
            removed += 1
    if removed:
        log.info("removed %d files of an earlier batch", removed)
    return removed


def _csv_safe(value: object) -> object:
    # A name beginning with = or + would run as a formula when Excel opens the CSV.
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value


def _manifests(result: BatchResult, label: str) -> dict[str, bytes]:
    records = []
    for entry in result.done:
        records.append({
            "行号": entry.row.row, "序号": entry.seq, "企业名称": entry.row.name,
            "统一社会信用代码": entry.row.credit_code, "状态": "成功", "表单": label,
            "PDF": entry.pdf_name, "Word": entry.docx_name, "页数": entry.pages,
            "项目负责人": entry.row.agency_lead, "企业负责人": entry.row.enterprise_lead,
            "问题": "",
        })
    by_row: dict[int, list[RowError]] = {}
    for error in result.errors:
        by_row.setdefault(error.row, []).append(error)
    for row, errors in by_row.items():
        records.append({
            "行号": row, "序号": "", "企业名称": errors[0].name,
            "统一社会信用代码": errors[0].code, "状态": "失败", "表单": "", "PDF": "", "Word": "",
            "页数": 0, "项目负责人": "", "企业负责人": "",
            "问题": "；".join(f"「{e.column}」{e.message}" for e in errors),
        })
    records.sort(key=lambda r: r["行号"])

    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=list(records[0]) if records else ["行号"])
    writer.writeheader()
    writer.writerows({k: _csv_safe(v) for k, v in r.items()} for r in records)
    # utf-8-sig: Excel on Windows opens the CSV with the Chinese headers intact.
    return {
        MANIFEST_NAMES[0]: text.getvalue().encode("utf-8-sig"),
        MANIFEST_NAMES[1]: json.dumps(records, ensure_ascii=False, indent=2).encode("utf-8"),
    }
