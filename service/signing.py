"""Empty digital signature fields on the seal areas of attachments 2 and 3 (pyHanko).

The fields are placed where the forms print their seal labels, found by reading the
page text back, so a certificate-based e-signature can be applied later without editing
the document. Each field is 42 mm square: the size of a round official seal.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign.fields import SigFieldSpec, append_signature_field
from pypdf import PdfReader

SEAL = 42 * 72 / 25.4  # 42 mm in points


@dataclass(frozen=True)
class SealArea:
    """Where a seal goes: the label that names it, who signs, and the field's offset."""

    label: str
    field: str
    dx: float  # from the label's start, points
    dy: float  # from the label's baseline to the field's top, points


# Attachment 2: both seals in the blank room under their labels. Attachment 3: the
# enterprise's seal over its name line, in the right half of that tall row.
SEAL_AREAS = (
    SealArea("诊断服务机构（公章）", "agency_seal_confirmation", 0, -6),
    SealArea("被诊断企业（公章）", "enterprise_seal_confirmation", 0, -6),
    SealArea("被诊断企业名称（公章）", "enterprise_seal_survey", 230, 10),
)


@dataclass(frozen=True)
class Field:
    name: str
    page: int
    box: tuple[float, float, float, float]


def _label_positions(reader: PdfReader, page_index: int) -> list[tuple[str, float, float]]:
    found: list[tuple[str, float, float]] = []

    def visit(text, cm, tm, font, size):
        if text.strip():
            x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
            y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
            found.append((text, x, y))

    reader.pages[page_index].extract_text(visitor_text=visit)
    return found


def find_seal_fields(pdf: bytes, pages: range | None = None) -> list[Field]:
    """The seal fields the forms on `pages` (all pages by default) call for."""
    reader = PdfReader(io.BytesIO(pdf))
    fields: list[Field] = []
    taken: set[str] = set()
    for index in pages if pages is not None else range(len(reader.pages)):
        for text, x, y in _label_positions(reader, index):
            for area in SEAL_AREAS:
                if not text.startswith(area.label):
                    continue
                name = area.field if area.field not in taken else f"{area.field}_{index + 1}"
                taken.add(name)
                left, top = x + area.dx, y + area.dy
                fields.append(Field(name, index, (left, top - SEAL, left + SEAL, top)))
    return fields


def add_signature_fields(pdf: bytes, fields: list[Field]) -> bytes:
    """The PDF with the given empty signature fields appended (an incremental update)."""
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    for field in fields:
        append_signature_field(writer, SigFieldSpec(
            sig_field_name=field.name, on_page=field.page,
            box=tuple(round(v, 2) for v in field.box)))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
