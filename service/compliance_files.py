"""Writing a compliance result: an xlsx with two sheets and a PDF summary."""

from __future__ import annotations

import datetime as dt
import io

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill

from service.compliance import Check, ComplianceResult
from service.convert import Converter
from service.render import render_compliance

TITLE = "“智改数转”诊断服务合规检查"
SHORT = PatternFill("solid", fgColor="F8CBAD")
HEADER = Font(bold=True)
AGENCY_COLUMNS = (("诊断服务机构", 30), ("检查项", 18), ("要求", 24), ("实际", 16),
                  ("结论", 10), ("不符合之处", 60), ("输入文件", 40))
ENTERPRISE_COLUMNS = (("诊断服务机构", 30), ("被诊断企业", 30), ("检查项", 18),
                      ("要求", 24), ("实际", 16), ("结论", 10), ("不符合之处", 70),
                      ("输入文件", 30))


def verdict(check: Check) -> str:
    return "符合" if check.ok else "不符合"


def workbook_bytes(result: ComplianceResult) -> bytes:
    book = Workbook()
    agencies = book.active
    agencies.title = "机构"
    _sheet(agencies, AGENCY_COLUMNS,
           [[c.agency, c.rule, c.required, c.actual, verdict(c), c.detail, c.source]
            for c in result.agency_checks], result.agency_checks)
    enterprises = book.create_sheet("企业")
    _sheet(enterprises, ENTERPRISE_COLUMNS,
           [[c.agency, c.enterprise, c.rule, c.required, c.actual, verdict(c), c.detail,
             c.source] for c in result.enterprise_checks], result.enterprise_checks)

    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _sheet(sheet, columns, rows: list[list[str]], checks: list[Check]) -> None:
    sheet.append([name for name, _ in columns])
    for cell in sheet[1]:
        cell.font = HEADER
    for (_, width), letter in zip(columns, "ABCDEFGHIJ", strict=False):
        sheet.column_dimensions[letter].width = width
    for row, check in zip(rows, checks, strict=True):
        sheet.append(row)
        for cell in sheet[sheet.max_row]:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            if not check.ok:
                cell.fill = SHORT
    sheet.freeze_panes = "A2"


def summary_docx(result: ComplianceResult, files: int) -> bytes:
    def rows(checks: list[Check]) -> list[dict]:
        return [{"enterprise": c.enterprise, "rule": c.rule, "required": c.required,
                 "actual": c.actual, "verdict": verdict(c), "detail": c.detail}
                for c in checks]

    agencies = [
        {"name": name,
         "checks": rows([c for c in result.agency_checks if c.agency == name]),
         "enterprise_checks": rows([c for c in result.enterprise_checks
                                    if c.agency == name])}
        for name in dict.fromkeys([c.agency for c in result.agency_checks]
                                  + [c.agency for c in result.enterprise_checks])
    ]
    shortfalls = len(result.shortfalls)
    context = {
        "title": TITLE,
        "checked_at": dt.datetime.now().strftime("%Y-%m-%d %H:%M"),
        "files": files,
        "verdict": "全部符合" if not shortfalls else f"{shortfalls} 项不符合",
        "agencies": agencies,
    }
    return render_compliance(context)


def summary_pdf(result: ComplianceResult, files: int, converter: Converter) -> bytes:
    return converter.to_pdf(summary_docx(result, files), update_index=False)
