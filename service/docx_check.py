"""Checking a report that a person edited in Word, against the same skeleton and rules.

The document is read as Word shows it: level-1 headings open sections, paragraphs and
tables follow. Each problem says where it is: the section heading and the paragraph (or
table row) number inside it, counted as a reader counts them.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections import Counter
from dataclasses import dataclass, field

from docx import Document
from docx.oxml.ns import qn
from docx.table import Table
from docx.text.paragraph import Paragraph

from service.catalogue import load_catalogue
from service.errors import InputError, Problem
from service.skeleton import Skeleton
from service.textcount import RULE, han_count
from service.uploads import inspect_office

# Text a template or a writer leaves behind for someone else to fill in.
PLACEHOLDERS = re.compile(
    r"待补充|待调研|待完善|待核实|待定|此处填写|请在此|请填写|[XxＸｘ]{3,}|×{3,}|"
    r"\{\{|\}\}|\{%|%\}|TODO"
)
NUMBERING = re.compile(r"^\s*(?:[一二三四五六七八九十]+[、.．]|\d+(?:\.\d+)*[、.．\s])\s*")
# Table captions belong to their tables, which the counting rule leaves out.
CAPTION_STYLES = {"Table Caption ZG", "Caption", "题注"}
SCENARIO_ID = re.compile(r"\b([A-Z]{1,2}\d{2,3})\b")


@dataclass
class Block:
    """A section of the edited document: its heading and what follows it."""

    heading: str
    position: int  # 1-based among the level-1 headings
    paragraphs: list[str] = field(default_factory=list)
    tables: list[list[list[str]]] = field(default_factory=list)

    @property
    def title(self) -> str:
        return NUMBERING.sub("", self.heading).strip()


@dataclass
class CheckResult:
    problems: list[Problem]
    body_chars: int
    sections_found: list[str]

    @property
    def ok(self) -> bool:
        return not any(p.severity == "error" for p in self.problems)

    def as_dict(self) -> dict:
        return {
            "ok": self.ok,
            "body_chars": self.body_chars,
            "counting_rule": RULE,
            "sections_found": self.sections_found,
            "problems": [p.as_dict() for p in self.problems],
        }


def _is_heading(paragraph: Paragraph) -> bool:
    style = paragraph.style
    while style is not None:
        if style.name in ("Heading 1", "标题 1"):
            return True
        ppr = style.element.pPr
        level = ppr.find(qn("w:outlineLvl")) if ppr is not None else None
        if level is not None and level.get(qn("w:val")) == "0":
            return True
        style = style.base_style
    return False


def read_blocks(docx: bytes) -> list[Block]:
    """The document cut at its level-1 headings; what precedes the first is left out."""
    try:
        document = Document(io.BytesIO(docx))
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise InputError([Problem("docx.unreadable", "", "报告文件",
                                  "不是有效的 Word（.docx）文件")]) from exc

    blocks: list[Block] = []
    for item in document.iter_inner_content():
        if isinstance(item, Paragraph):
            text = item.text.strip()
            if _is_heading(item) and text:
                blocks.append(Block(text, len(blocks) + 1))
            elif blocks and text and item.style.name not in CAPTION_STYLES:
                blocks[-1].paragraphs.append(text)
        elif isinstance(item, Table) and blocks:
            rows = [[cell.text.strip() for cell in row.cells] for row in item.rows]
            blocks[-1].tables.append(rows)
    return blocks


def _where(block: Block, detail: str = "") -> str:
    return f"章节“{block.heading}”" + (f" › {detail}" if detail else "")


def check_docx(docx: bytes, skeleton: Skeleton) -> CheckResult:
    inspected = inspect_office(docx, "报告文件")
    blocks = read_blocks(inspected.content)
    problems: list[Problem] = [
        Problem("upload.stripped", "", "报告文件", f"已去除{item}", "warning")
        for item in inspected.stripped
    ]
    matched = _match_sections(blocks, skeleton, problems)

    for section in skeleton.ordered():
        block = matched.get(section.id)
        if block and section.required and han_count("".join(block.paragraphs)) == 0:
            problems.append(Problem("section.empty", f"section:{section.id}",
                                    _where(block), "必需章节的正文为空"))

    body = sum(han_count("".join(b.paragraphs)) for b in matched.values())
    if body < skeleton.rules.min_body_chars:
        problems.append(Problem("body.too_short", "body", "全文",
                                f"正文共 {body} 字，不足 {skeleton.rules.min_body_chars} 字"
                                f"（{RULE}）"))

    _check_placeholders(blocks, problems)
    _check_tables(matched, skeleton, problems)
    return CheckResult(problems, body, [b.heading for b in blocks])


def _match_sections(blocks: list[Block], skeleton: Skeleton,
                    problems: list[Problem]) -> dict[str, Block]:
    """Pair skeleton sections with headings; a heading sitting where a missing section
    belongs is reported once, as renamed, not as one missing and one unknown."""
    by_title = {b.title: b for b in blocks}
    matched: dict[str, Block] = {}
    for section in skeleton.ordered():
        if section.title in by_title:
            matched[section.id] = by_title[section.title]

    positions = [b.position for b in matched.values()]
    if positions != sorted(positions):
        order = "、".join(s.title for s in skeleton.ordered())
        problems.append(Problem("section.order", "sections", "章节顺序",
                                f"章节顺序与骨架不一致，应为：{order}"))

    used = {id(b) for b in matched.values()}
    ordered = skeleton.ordered()
    for index, section in enumerate(ordered):
        if section.id in matched:
            continue
        before = max((matched[s.id].position for s in ordered[:index] if s.id in matched),
                     default=0)
        after = min((matched[s.id].position for s in ordered[index + 1:]
                     if s.id in matched), default=len(blocks) + 1)
        stray = next((b for b in blocks if before < b.position < after
                      and id(b) not in used), None)
        if stray is not None:
            used.add(id(stray))
            matched[section.id] = stray
            problems.append(Problem("section.renamed", f"section:{section.id}",
                                    _where(stray),
                                    f"章节标题与骨架不符，应为“{section.title}”"))
        elif section.required:
            place = f"应位于第 {before} 个一级标题之后" if before else "应位于正文开头"
            problems.append(Problem("section.missing", f"section:{section.id}",
                                    f"章节“{section.title}”",
                                    f"缺少必需章节（{place}）"))
    return matched


def _check_placeholders(blocks: list[Block], problems: list[Problem]) -> None:
    for block in blocks:
        for number, text in enumerate(block.paragraphs, start=1):
            if found := PLACEHOLDERS.search(text):
                problems.append(Problem("text.placeholder", f"p:{block.position}.{number}",
                                        _where(block, f"第{number}段"),
                                        f"留有占位文字“{found.group(0)}”：{text[:30]}"))
        for t, table in enumerate(block.tables, start=1):
            for r, row in enumerate(table, start=1):
                for cell in row:
                    if found := PLACEHOLDERS.search(cell):
                        problems.append(Problem(
                            "text.placeholder", f"t:{block.position}.{t}.{r}",
                            _where(block, f"表格第{r}行"),
                            f"留有占位文字“{found.group(0)}”：{cell[:30]}"))
                        break


def _check_tables(matched: dict[str, Block], skeleton: Skeleton,
                  problems: list[Problem]) -> None:
    for section in skeleton.ordered():
        block = matched.get(section.id)
        if block is None:
            continue
        if section.table == "scenarios":
            _check_scenarios(block, skeleton, problems)
        if section.table == "benchmarks":
            named = [row for table in block.tables for row in table[1:]
                     if len(row) > 1 and row[1]]
            if len(named) < skeleton.rules.min_benchmarks:
                problems.append(Problem("benchmark.missing", f"section:{section.id}",
                                        _where(block), "未列出同行业国内标杆企业"))


def _check_scenarios(block: Block, skeleton: Skeleton, problems: list[Problem]) -> None:
    catalogue = load_catalogue(skeleton.catalogue)
    seen: Counter[str] = Counter()
    first_row: dict[str, int] = {}
    for table in block.tables:
        for r, row in enumerate(table[1:], start=2):
            found = next((m.group(1) for cell in row if (m := SCENARIO_ID.search(cell))),
                         None)
            if found is None:
                continue
            seen[found] += 1
            where = _where(block, f"表格第{r}行")
            if seen[found] == 2:
                problems.append(Problem("scenario.repeated", f"t:{block.position}.{r}",
                                        where, f"场景 {found} 重复（与表格第"
                                        f"{first_row[found]}行相同）"))
            first_row.setdefault(found, r)
            if catalogue.get(found) is None:
                severity = "error" if catalogue.complete else "warning"
                problems.append(Problem("scenario.unknown", f"t:{block.position}.{r}",
                                        where, f"场景编号 {found} 不在"
                                        f"《{catalogue.title}》中", severity))
    if len(seen) < skeleton.rules.min_scenarios:
        problems.append(Problem("scenario.too_few", "scenarios", _where(block),
                                f"推荐场景至少 {skeleton.rules.min_scenarios} 个且不重复，"
                                f"当前 {len(seen)} 个"))
