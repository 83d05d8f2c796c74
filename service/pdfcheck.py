"""Reading a produced PDF back: text, pages, fonts, and whether Han text is drawn in SC.

Noto CJK ships as collections whose faces (JP, SC, TC, ...) share one CFF table, so the
embedded font is always *named* “NotoSerifCJKjp…” whatever face drew it. What differs is
the glyph: 令, 过, 直 have distinct SC and JP glyphs. We therefore compare each glyph the
PDF uses with the glyph the SC face's cmap maps that character to.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from fontTools.ttLib import TTCollection
from pypdf import PdfReader

FONT_DIRS = (Path("/usr/share/fonts"), Path("/usr/local/share/fonts"))


@dataclass
class FontInfo:
    name: str
    subtype: str
    embedded: bool


@dataclass
class PdfReport:
    pages: int
    text: str
    fonts: list[FontInfo]
    page_texts: list[str] = field(default_factory=list)
    non_sc_chars: set[str] = field(default_factory=set)
    page_size_mm: tuple[float, float] = (0.0, 0.0)

    @property
    def unembedded(self) -> list[str]:
        return sorted({f.name for f in self.fonts if not f.embedded})


def _fonts_of(resources, seen: set[int]) -> list:
    """Fonts of a resource dictionary and of the forms it holds (LibreOffice shares one
    resource dictionary between a page and its forms, hence `seen`)."""
    found = []
    if not resources or id(resources.get_object()) in seen:
        return found
    resources = resources.get_object()
    seen.add(id(resources))
    fonts = resources.get("/Font")
    if fonts:
        found += [f.get_object() for f in fonts.get_object().values()]
    xobjects = resources.get("/XObject")
    if xobjects:
        for xobj in xobjects.get_object().values():
            xobj = xobj.get_object()
            if xobj.get("/Subtype") == "/Form":
                found += _fonts_of(xobj.get("/Resources"), seen)
    return found


def _descriptor(font):
    if font.get("/Subtype") == "/Type0":
        font = font["/DescendantFonts"][0].get_object()
    return font.get("/FontDescriptor")


def _embedded(font) -> bool:
    if font.get("/Subtype") == "/Type3":
        return True
    descriptor = _descriptor(font)
    if descriptor is None:
        return False
    descriptor = descriptor.get_object()
    return any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3"))


def _to_unicode(font) -> dict[int, str]:
    stream = font.get("/ToUnicode")
    if stream is None:
        return {}
    text = stream.get_object().get_data().decode("latin-1")
    mapping: dict[int, str] = {}

    def decode(hexstr: str) -> str:
        return bytes.fromhex(hexstr).decode("utf-16-be", errors="replace")

    for block in re.findall(r"beginbfchar(.*?)endbfchar", text, re.S):
        for src, dst in re.findall(r"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
            mapping[int(src, 16)] = decode(dst)
    for block in re.findall(r"beginbfrange(.*?)endbfrange", text, re.S):
        for lo, hi, dst in re.findall(
            r"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block
        ):
            start = int(dst, 16)
            for offset, code in enumerate(range(int(lo, 16), int(hi, 16) + 1)):
                mapping[code] = chr(start + offset)
    return mapping


def _glyph_names(font) -> dict[int, str]:
    """Code -> glyph name of a Type 1 font program that LibreOffice embedded."""
    descriptor = _descriptor(font)
    if descriptor is None or "/FontFile" not in descriptor.get_object():
        return {}
    program = descriptor.get_object()["/FontFile"].get_object().get_data()
    head = program.split(b"eexec", 1)[0].decode("latin-1")
    return {int(code): name for code, name in re.findall(r"dup (\d+) /(\S+) put", head)}


@cache
def _collection_for(base_font: str) -> tuple[dict[int, str], dict[int, str]] | None:
    """SC and JP cmaps (char -> glyph name) of the Noto CJK collection behind a font."""
    match = re.search(r"Noto(Sans|Serif)CJK\w*-(\w+?)(?:-|$)", base_font)
    if not match:
        return None
    family, weight = match.groups()
    file_name = f"Noto{family}CJK-{weight}.ttc"
    path = next((p for d in FONT_DIRS if d.exists() for p in d.rglob(file_name)), None)
    if path is None:
        return None

    faces = {}
    collection = TTCollection(str(path), lazy=True)
    try:
        for face in collection.fonts:
            family_name = face["name"].getDebugName(1) or ""
            for region in ("SC", "JP"):
                if family_name.endswith(f" {region}"):
                    faces[region] = dict(face.getBestCmap())
    finally:
        collection.close()
    if set(faces) != {"SC", "JP"}:
        return None
    return faces["SC"], faces["JP"]


def _non_sc_chars(font) -> set[str]:
    """Han characters this font draws with a glyph that is not the SC face's."""
    base = str(font.get("/BaseFont", ""))
    cmaps = _collection_for(base.split("+", 1)[-1])
    if cmaps is None:
        return set()
    sc, jp = cmaps
    names = _glyph_names(font)
    wrong = set()
    for code, char in _to_unicode(font).items():
        if len(char) != 1 or code not in names:
            continue
        point = ord(char)
        wanted = _glyph_id(sc.get(point))
        if wanted != _glyph_id(jp.get(point)) and _glyph_id(names[code]) != wanted:
            wrong.add(char)
    return wrong


def _glyph_id(name: str | None) -> int | None:
    """`cid09856` (fontTools) and `cid9856` (LibreOffice) name the same glyph."""
    match = re.fullmatch(r"cid0*(\d+)", name or "")
    return int(match.group(1)) if match else None


def inspect_pdf(pdf: bytes) -> PdfReport:
    reader = PdfReader(io.BytesIO(pdf))
    fonts: dict[int, object] = {}
    texts = []
    for page in reader.pages:
        texts.append(page.extract_text() or "")
        for font in _fonts_of(page.get("/Resources"), set()):
            fonts[id(font)] = font

    infos = [
        FontInfo(str(f.get("/BaseFont", "?")), str(f.get("/Subtype")), _embedded(f))
        for f in fonts.values()
    ]
    non_sc: set[str] = set()
    for font in fonts.values():
        non_sc |= _non_sc_chars(font)

    box = reader.pages[0].mediabox if reader.pages else None
    size = (float(box.width) * 25.4 / 72, float(box.height) * 25.4 / 72) if box else (0, 0)
    return PdfReport(
        pages=len(reader.pages),
        text="\n".join(texts),
        fonts=infos,
        page_texts=texts,
        non_sc_chars=non_sc,
        page_size_mm=size,
    )
