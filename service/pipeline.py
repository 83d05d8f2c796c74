"""One enterprise's input -> its report and attachments 1-3, as DOCX and PDF, validated.

The same steps serve the CLI in-process and the Celery workers.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import time
from dataclasses import dataclass, field
from pathlib import Path

from service.checks import Validation, validate
from service.convert import Converter
from service.errors import InputError
from service.model import DiagnosisInput
from service.pdfcheck import inspect_pdf
from service.render import Document, file_stem, render_attachments, render_report
from service.skeleton import load_skeleton
from service.store import write_all

log = logging.getLogger("zgsz.pipeline")

VALIDATION_FILE = "validation.json"


@dataclass
class Outcome:
    validation: Validation
    files: list[Path] = field(default_factory=list)
    pdf_checks: dict[str, dict] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.validation.ok and all(c["ok"] for c in self.pdf_checks.values())


def check_pdf(pdf: bytes) -> dict:
    """What a reader of the PDF would notice: pages, A4, fonts embedded, SC glyphs."""
    report = inspect_pdf(pdf)
    width, height = report.page_size_mm
    a4 = abs(width - 210) < 1 and abs(height - 297) < 1
    return {
        "ok": a4 and not report.unembedded and not report.non_sc_chars,
        "pages": report.pages,
        "a4": a4,
        "fonts": sorted({f.name for f in report.fonts}),
        "fonts_not_embedded": report.unembedded,
        "non_sc_chars": "".join(sorted(report.non_sc_chars)),
    }


def render_all(data: DiagnosisInput, *, draft: bool, validation: Validation,
               template: str | None = None) -> list[Document]:
    missing = [str(p) for p in validation.errors + validation.warnings]
    return [render_report(data, draft=draft, draft_problems=missing, template=template),
            *render_attachments(data, draft=draft, template=template)]


def produce(data: DiagnosisInput, out_dir: Path, converter: Converter, *,
            draft: bool = False, pdf: bool = True, template: str | None = None) -> Outcome:
    """Validate, render, convert and store. A final run with errors stores only
    validation.json and raises InputError."""
    started = time.monotonic()
    validation = validate(data)
    outcome = Outcome(validation)
    summary = _summary(data, validation, draft)

    if not draft and not validation.ok:
        write_all(out_dir, {VALIDATION_FILE: _json(summary)})
        raise InputError(validation.errors, "校验未通过，未生成正式文件")

    stem = file_stem(data.enterprise.name)
    files: dict[str, bytes] = {}
    for doc in render_all(data, draft=draft, validation=validation, template=template):
        name = f"{stem}_{doc.title}{'_草稿' if draft else ''}"
        files[f"{name}.docx"] = doc.docx
        if pdf:
            content = converter.to_pdf(doc.docx)
            files[f"{name}.pdf"] = content
            outcome.pdf_checks[f"{name}.pdf"] = check_pdf(content)

    summary["pdf_checks"] = outcome.pdf_checks
    summary["files"] = sorted(files)
    files[VALIDATION_FILE] = _json(summary)
    outcome.files = write_all(out_dir, files)

    log.info("report done: skeleton=%s draft=%s files=%d body=%d ok=%s in %.1fs",
             data.skeleton, draft, len(files), validation.body_chars, outcome.ok,
             time.monotonic() - started)
    return outcome


def blank_forms(out_dir: Path, converter: Converter, skeleton_id: str = "wujin-2022",
                *, pdf: bool = True) -> list[Path]:
    files: dict[str, bytes] = {}
    for doc in render_attachments(None, load_skeleton(skeleton_id)):
        files[f"{doc.title}_空白.docx"] = doc.docx
        if pdf:
            files[f"{doc.title}_空白.pdf"] = converter.to_pdf(doc.docx)
    return write_all(out_dir, files)


def _summary(data: DiagnosisInput, validation: Validation, draft: bool) -> dict:
    skeleton = load_skeleton(data.skeleton)
    return {
        "enterprise": data.enterprise.name,
        "skeleton": skeleton.id,
        "catalogue_edition": skeleton.catalogue,
        "draft": draft,
        "generated_at": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        **validation.as_dict(),
    }


def _json(value: dict) -> bytes:
    return json.dumps(value, ensure_ascii=False, indent=2).encode("utf-8")
