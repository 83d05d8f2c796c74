"""A batch's forms as one flat OpenDocument file, assembled from a converted prototype.

LibreOffice reads its own flat OpenDocument several times faster than DOCX, and reading
is most of what a batch conversion costs. So a batch renders its forms once through
docxtpl, for a prototype enterprise whose values are placeholders, has LibreOffice turn
that DOCX into flat ODF, and then repeats the prototype's pages per enterprise with the
placeholders replaced. What LibreOffice lays out is the document model it builds from
the same DOCX, so the pages are those of the DOCX route (tests compare them as images).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from xml.sax.saxutils import escape

from lxml import etree

from service.errors import ConvertError
from service.render import render_forms_batch, sign_in_sheet
from service.roster import RosterRow

PROTO_INDEX = 987654
# Placeholders: plain ASCII words that LibreOffice keeps whole in one text run.
NAME, AGENCY, YEAR, MONTH, DAY = (f"zgszv{key}x" for key in ("name", "agency", "y", "m", "d"))
_VALUE = re.compile(r"zgszv(name|agency|y|m|d)x")
_MARK = re.compile(rf"zgsz{PROTO_INDEX}(f\d)(?:v\d+)?")
_TABLE_NAME = re.compile(r'table:name="([^"]*)"')
_TABLE_STYLE = re.compile(r"\bTable\d+\b")
_PAGE_PI = "zgsz-page"

TEXT_NS = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
OFFICE_NS = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"


class PrototypeError(ConvertError):
    """LibreOffice's flat ODF of the prototype is not laid out as expected."""

    def __init__(self, message: str):
        super().__init__(f"批量表单原型无法拆分：{message}", transient=False)


@dataclass(frozen=True)
class Prototype:
    head: str
    tail: str
    pages: dict[str, str]  # "f1" dated sheet, "f1-blank" undated sheet, "f2", "f3"
    forms: tuple[int, ...]

    def document(self, rows: list[tuple[int, RosterRow]],
                 forms: tuple[int, ...] | None = None) -> bytes:
        """The flat ODF of these roster rows' forms (all of the prototype's, or those
        of `forms`); each int is the row's index, which names its pages' bookmarks as
        in the DOCX route (zgsz<index>f<form>)."""
        parts = [self.head]
        for index, row in rows:
            parts += self._pages_of(index, row, forms or self.forms)
        parts.append(self.tail)
        return "".join(parts).encode("utf-8")

    def _pages_of(self, index: int, row: RosterRow, forms: tuple[int, ...]) -> list[str]:
        values = {"name": odf_text(row.name), "agency": odf_text(row.agency)}
        pages = []
        for form in forms:
            if form != 1:
                pages.append(_fill(self.pages[f"f{form}"], f"zgsz{index}f{form}", values))
            elif not row.dates:
                pages.append(_fill(self.pages["f1-blank"], f"zgsz{index}f1v1", values))
            for visit, day in enumerate(row.dates if form == 1 else (), start=1):
                date = {"y": str(day.year), "m": str(day.month), "d": str(day.day)}
                pages.append(_fill(self.pages["f1"], f"zgsz{index}f1v{visit}",
                                   values | date))
        return pages


def odf_text(value: str) -> str:
    """Text for an ODF paragraph: escaped, with spaces kept as typed."""
    text = escape(value)
    text = re.sub(r" {2,}", lambda m: f' <text:s text:c="{len(m.group()) - 1}"/>', text)
    text = text.replace("\t", "<text:tab/>").replace("\n", "<text:line-break/>")
    return text


def _fill(page: str, mark: str, values: dict[str, str]) -> str:
    page = _MARK.sub(mark, page)
    # Table names must be unique in a document; LibreOffice would rename them one by one.
    page = _TABLE_NAME.sub(lambda m: f'table:name="{mark}{m.group(1)}"', page)
    # Values last, in one pass: nothing in them is read as a placeholder or a name.
    return _VALUE.sub(lambda m: values[m.group(1)], page)


def prototype_row() -> RosterRow:
    return RosterRow(0, NAME, "", "", AGENCY)


def prototype_docx(context: dict, forms: tuple[int, ...], *, draft: bool) -> bytes:
    """Two prototype enterprises, each with a dated and an undated sign-in sheet; the
    second shows what follows the last page, which the first's pages must not hold.
    `context` is the batch's own context for prototype_row()."""
    first = {**context, "index": PROTO_INDEX,
             "visits": [{**sign_in_sheet(None), "year": YEAR, "month": MONTH, "day": DAY},
                        sign_in_sheet(None)]}
    second = {**first, "index": PROTO_INDEX + 1}
    return render_forms_batch([first, second], forms, draft=draft)


def read_prototype(fodt: bytes, forms: tuple[int, ...]) -> Prototype:
    """Cut LibreOffice's flat ODF of prototype_docx into head, pages and tail."""
    root = etree.fromstring(fodt, etree.XMLParser(huge_tree=True, resolve_entities=False))
    body = root.find(f"{{{OFFICE_NS}}}body/{{{OFFICE_NS}}}text")
    if body is None:
        raise PrototypeError("没有正文")
    for soft_break in body.iter(f"{{{TEXT_NS}}}soft-page-break"):
        # Layout hints from the prototype's own pagination; meaningless once repeated.
        soft_break.getparent().remove(soft_break)

    keys = []
    for child in list(body):
        names = [b.get(f"{{{TEXT_NS}}}name", "") for b in
                 child.iter(f"{{{TEXT_NS}}}bookmark-start")]
        marks = [n for n in names if n.startswith("zgsz")]
        if marks:
            keys.append(marks[0])
            child.addprevious(etree.ProcessingInstruction(_PAGE_PI, marks[0]))
    body.append(etree.ProcessingInstruction(_PAGE_PI, "end"))

    expected = [f"zgsz{index}{page}" for index in (PROTO_INDEX, PROTO_INDEX + 1)
                for page in _page_marks(forms)]
    if keys != expected:
        raise PrototypeError(f"页面标记为 {keys}，应为 {expected}")

    text = etree.tostring(root, encoding="unicode", xml_declaration=False)
    pieces = re.split(rf"<\?{_PAGE_PI} ([^?]*)\?>", text)
    head, rest = pieces[0], pieces[1:]
    segments = dict(zip(rest[0::2], rest[1::2], strict=True))
    first = [segments[k] for k in expected[:len(expected) // 2]]
    second = [segments[k] for k in expected[len(expected) // 2:]]
    _same_pages(first, second)
    pages = dict(zip(_page_keys(forms), first, strict=True))
    return Prototype('<?xml version="1.0" encoding="UTF-8"?>\n' + head,
                     segments["end"], pages, forms)


def _page_marks(forms: tuple[int, ...]) -> list[str]:
    return [mark for form in forms
            for mark in ((f"f{form}v1", f"f{form}v2") if form == 1 else (f"f{form}",))]


def _page_keys(forms: tuple[int, ...]) -> list[str]:
    return [key for form in forms
            for key in (("f1", "f1-blank") if form == 1 else (f"f{form}",))]


def _same_pages(first: list[str], second: list[str]) -> None:
    """The second enterprise's pages, its index put back, must equal the first's: then
    each page is self-contained and nothing of the document's end hides in the last."""
    def plain(page: str, index: int) -> str:
        # Only the indentation before the document's end differs at the last page.
        page = page.replace(f"zgsz{index}f", f"zgsz{PROTO_INDEX}f").rstrip()
        page = _TABLE_NAME.sub('table:name=""', page)
        # LibreOffice names each table's automatic styles after the table (Table5.A1);
        # number them by first use on the page instead.
        order: dict[str, str] = {}
        return _TABLE_STYLE.sub(
            lambda m: order.setdefault(m.group(), f"Table#{len(order)}"), page)

    for a, b in zip(first, second, strict=True):
        if plain(a, PROTO_INDEX) != plain(b, PROTO_INDEX + 1):
            raise PrototypeError("两家原型企业的页面不一致")
