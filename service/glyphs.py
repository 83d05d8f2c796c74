"""Characters a document cannot hold, or that no installed font can draw.

Two kinds, both errors naming the field, found before anything is rendered:
- characters XML 1.0 forbids (control characters, U+FFFE, U+FFFF, lone surrogates):
  no Word file can contain them;
- characters no font on this machine covers (rare ideographs beyond the CJK fonts,
  such as U+20000): LibreOffice would print an empty box or drop them silently.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path

from fontTools.ttLib import TTCollection, TTFont
from pydantic import BaseModel

from service.errors import Problem
from service.labels import dotted, label_for

FONT_DIRS = (Path("/usr/share/fonts"), Path("/usr/local/share/fonts"))
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
# Direction overrides make a name print (and a file name read) other than as typed.
DIRECTION_CONTROLS = "\u202a-\u202e\u2066-\u2069"
_BIDI = re.compile(f"[{DIRECTION_CONTROLS}]")
# Marks that combine with the character before them or steer layout; fonts need not
# carry them as glyphs of their own.
_INVISIBLE = re.compile("[\u200b-\u200f\u2028-\u202e\u2060-\u2064\ufe00-\ufe0f\ufeff"
                        "\U000e0100-\U000e01ef\t\n\r ]")


@cache
def covered() -> frozenset[int]:
    """Every code point some installed font has a glyph for (first face of each file)."""
    points: set[int] = set()
    for folder in FONT_DIRS:
        if not folder.exists():
            continue
        for path in folder.rglob("*"):
            points |= _cmap(path)
    return frozenset(points)


def _cmap(path: Path) -> set[int]:
    suffix = path.suffix.lower()
    try:
        if suffix in (".ttf", ".otf"):
            font = TTFont(path, lazy=True)
            try:
                return set(font.getBestCmap() or {})
            finally:
                font.close()
        if suffix == ".ttc":
            collection = TTCollection(path, lazy=True)
            try:
                return set(collection.fonts[0].getBestCmap() or {})
            finally:
                collection.close()
    except Exception:  # a broken font file must not stop a report; it just covers nothing
        return set()
    return set()


def _strings(value: object, path: tuple) -> Iterator[tuple[tuple, str]]:
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, BaseModel):
        for name in type(value).model_fields:
            yield from _strings(getattr(value, name), (*path, name))
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(item, (*path, key))
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            yield from _strings(item, (*path, index))


def _describe(chars: list[str]) -> str:
    return "、".join(f"“{c}”（U+{ord(c):04X}）" if c.isprintable() else f"U+{ord(c):04X}"
                    for c in chars[:5]) + ("等" if len(chars) > 5 else "")


def illegal_problem(text: str) -> str | None:
    """Why the string cannot go into a document as typed, else None."""
    illegal = sorted(set(_XML_ILLEGAL.findall(text)))
    if illegal:
        return f"含有 Word 文件无法保存的字符{_describe(illegal)}，请删除"
    bidi = sorted(set(_BIDI.findall(text)))
    if bidi:
        return f"含有改变文字方向的控制字符{_describe(bidi)}，打印出来会与所填不同，请删除"
    return None


def string_problem(text: str) -> tuple[str, str] | None:
    """A code and a message for a string that cannot be stored or drawn, else None."""
    illegal = illegal_problem(text)
    if illegal:
        return "text.illegal_char", illegal
    fonts = covered()
    undrawable = sorted({c for c in text if ord(c) not in fonts and not _INVISIBLE.match(c)})
    if undrawable and fonts:
        return ("text.no_glyph",
                f"字符{_describe(undrawable)}没有可用的字体，打印时会成为空框或缺字；"
                "请改用通行写法，或在服务器上安装含该字的字体")
    return None


def text_problems(data: BaseModel) -> list[Problem]:
    """Every string field holding a character that cannot be stored or drawn."""
    problems = []
    for path, text in _strings(data, ()):
        found = string_problem(text)
        if found:
            problems.append(Problem(found[0], dotted(path), label_for(path), found[1]))
    return problems
