"""Rosters: a programme's enterprises in a spreadsheet (xlsx or CSV), read as a person would.

Real rosters have title rows above the header, blank rows, spaces around values,
full-width letters in credit codes, dates as Excel serial numbers or as text, numbers
stored as text. Each of these is read; what cannot be read is reported with the row
number the user sees in Excel and the column's header.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from service.credit_code import credit_code_problem, normalize_credit_code
from service.errors import InputError, Problem
from service.model import NAME_MAX
from service.skeleton import Skeleton
from service.uploads import inspect_office


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    required: bool
    aliases: tuple[str, ...] = ()
    width: int = 16


COLUMNS = (
    Column("name", "企业名称", True, ("被诊断企业", "被诊断企业名称", "企业"), 34),
    Column("credit_code", "统一社会信用代码", True, ("信用代码", "社会信用代码"), 24),
    Column("town", "所在镇（开发区）", True, ("所在镇", "镇（开发区）", "镇/开发区", "属地"), 22),
    Column("agency", "诊断服务机构", True, ("诊断机构", "服务机构", "诊断服务机构名称"), 30),
    Column("agency_lead", "项目负责人", False, ("机构负责人",), 12),
    Column("enterprise_lead", "企业负责人", False, (), 12),
    Column("dates", "服务日期", False, ("诊断日期", "入企日期", "日期"), 24),
)
BY_KEY = {c.key: c for c in COLUMNS}
HEADER_SCAN_ROWS = 20
EXCEL_EPOCH = dt.date(1899, 12, 30)


@dataclass
class RosterRow:
    row: int
    name: str
    credit_code: str
    town: str
    agency: str
    agency_lead: str = ""
    enterprise_lead: str = ""
    dates: list[dt.date] = field(default_factory=list)


@dataclass
class RowError:
    row: int
    column: str
    message: str
    name: str = ""

    def __str__(self) -> str:
        where = f"第 {self.row} 行" + (f"「{self.column}」列" if self.column else "")
        return f"{where}：{self.message}"


@dataclass
class Roster:
    rows: list[RosterRow]
    errors: list[RowError]


def _squeeze(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    return re.sub(r"\s+", "", text).replace("(", "（").replace(")", "）")


def _header_key(cell: object) -> str | None:
    if cell is None:
        return None
    text = _squeeze(str(cell)).rstrip("*")
    for column in COLUMNS:
        names = (column.header, *column.aliases)
        if text in {_squeeze(n) for n in names}:
            return column.key
    return None


# ------------------------------------------------------------ reading cells


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return _one_line(str(value).strip().strip("\u3000").strip())


_LINE_BREAK = re.compile(r"\s*[\r\n\t\v\f]\s*")


def _one_line(text: str) -> str:
    """A cell typed over several lines (Alt+Enter) read as one: the break goes between
    Chinese characters and becomes a space between other words."""
    def join(match: re.Match) -> str:
        before, after = text[match.start() - 1:match.start()], text[match.end():match.end() + 1]
        return "" if _wide(before) and _wide(after) else " "

    return _LINE_BREAK.sub(join, text)


def _wide(char: str) -> bool:
    return bool(char) and ("\u2e80" <= char <= "\u9fff" or "\uff00" <= char <= "\uffef")


_DATE_TEXT = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")


def _dates(value: object) -> list[dt.date]:
    """One or more dates: a date cell, an Excel serial number, or text such as
    “2022-6-15、2022年7月2日”. Raises ValueError with the reason in Chinese."""
    if value is None or value == "":
        return []
    if isinstance(value, dt.datetime):
        return [value.date()]
    if isinstance(value, dt.date):
        return [value]
    if isinstance(value, int | float) and not isinstance(value, bool):
        return [_serial_date(value)]

    text = unicodedata.normalize("NFKC", str(value)).strip()
    if re.fullmatch(r"\d{5}(\.0+)?", text):
        return [_serial_date(float(text))]

    found = []
    for year, month, day in _DATE_TEXT.findall(text):
        try:
            found.append(dt.date(int(year), int(month), int(day)))
        except ValueError:
            raise ValueError(f"日期 {year}-{month}-{day} 不存在") from None
    leftover = _DATE_TEXT.sub("", text)
    if not found or re.search(r"[0-9A-Za-z\u4e00-\u9fff]", leftover):
        raise ValueError(f"无法识别的日期“{text}”，请写成 2022-06-15 或 2022年6月15日")
    return found


def _serial_date(serial: float) -> dt.date:
    # Excel counts days from 1899-12-30 (its 1900 leap-year bug folded in); a plausible
    # programme date lies between 1955 and 2173, which keeps ids and amounts out.
    if not 20000 <= serial <= 100000:
        raise ValueError(f"数字 {serial:g} 不像日期")
    return EXCEL_EPOCH + dt.timedelta(days=int(serial))


def _credit_code(value: object) -> str:
    if isinstance(value, float | int) and not isinstance(value, bool):
        # Excel keeps 15 significant digits: an all-digit code saved as a number is gone.
        raise ValueError("被存成了数字，Excel 已丢失后几位；请把该列设为“文本”后重新填写")
    return normalize_credit_code(_text(value))


# ------------------------------------------------------------ reading sheets


def _read_cells(path: Path) -> list[list[object]]:
    suffix = path.suffix.lower()
    if suffix == ".csv":
        raw = path.read_bytes()
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                text = raw.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        else:
            raise _file_error(path, "CSV 文件既不是 UTF-8 也不是 GBK 编码")
        return [list(row) for row in csv.reader(io.StringIO(text))]

    if suffix not in (".xlsx", ".xlsm"):
        raise _file_error(path, "只支持 .xlsx 与 .csv 名单（旧版 .xls 请在 Excel 中另存为 .xlsx）")
    try:
        content = inspect_office(path.read_bytes(), str(path), "xlsx").content
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except FileNotFoundError:
        raise _file_error(path, "文件不存在") from None
    except InputError:
        raise
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise _file_error(path, f"无法作为 Excel 文件打开（{type(exc).__name__}）") from exc
    try:
        sheet = book.worksheets[0]
        return [list(row) for row in sheet.iter_rows(values_only=True)]
    finally:
        book.close()


def _file_error(path: Path, message: str) -> InputError:
    return InputError([Problem("roster.file", "", str(path), message)], "名单无法读取")


def _find_header(cells: list[list[object]], path: Path) -> tuple[int, dict[int, str]]:
    for index, row in enumerate(cells[:HEADER_SCAN_ROWS]):
        mapping = {i: key for i, cell in enumerate(row) if (key := _header_key(cell))}
        if sum(1 for k in mapping.values() if BY_KEY[k].required) >= 2:
            missing = [c.header for c in COLUMNS if c.required and c.key not in
                       mapping.values()]
            if missing:
                raise _file_error(path, f"表头缺少必需的列：{'、'.join(missing)}")
            return index, mapping
    expected = "、".join(c.header for c in COLUMNS if c.required)
    raise _file_error(path, f"前 {HEADER_SCAN_ROWS} 行中找不到表头（应含：{expected}）")


def read_roster(path: Path, skeleton: Skeleton) -> Roster:
    cells = _read_cells(path)
    header_index, mapping = _find_header(cells, path)
    rows, errors = [], []
    seen_codes: dict[str, int] = {}
    seen_names: dict[str, int] = {}

    for offset, raw in enumerate(cells[header_index + 1:], start=header_index + 2):
        values = {key: raw[i] if i < len(raw) else None for i, key in mapping.items()}
        if all(_text(v) == "" for v in values.values()):
            continue

        row, row_errors = _read_row(offset, values, skeleton)
        if row is not None:
            row_errors += _duplicates(row, seen_codes, seen_names)
        errors += row_errors
        if row is not None and not row_errors:
            rows.append(row)
    return Roster(rows, errors)


def _read_row(number: int, values: dict[str, object],
              skeleton: Skeleton) -> tuple[RosterRow | None, list[RowError]]:
    errors = []

    text = {key: _text(values.get(key)) for key in BY_KEY if key != "dates"}

    def fail(key: str, message: str) -> None:
        errors.append(RowError(number, BY_KEY[key].header, message, text["name"]))

    for column in COLUMNS:
        if column.required and column.key != "credit_code" and not text[column.key]:
            fail(column.key, "必填，但为空")
        elif len(text.get(column.key, "")) > NAME_MAX:
            fail(column.key, f"不能超过 {NAME_MAX} 个字符（表单中一行印不下）")

    code = ""
    try:
        code = _credit_code(values.get("credit_code"))
        if not code:
            fail("credit_code", "必填，但为空")
        elif problem := credit_code_problem(code):
            fail("credit_code", problem)
    except ValueError as exc:
        fail("credit_code", str(exc))

    town = _known_town(text["town"], skeleton)
    if text["town"] and town is None:
        fail("town", f"“{text['town']}”不是{skeleton.programme.district or '本区'}的镇或"
                     "开发区（名单见报告骨架 towns）")

    dates: list[dt.date] = []
    try:
        dates = _dates(values.get("dates"))
    except ValueError as exc:
        fail("dates", str(exc))

    if errors:
        return None, errors
    return RosterRow(number, text["name"], code, town or "", text["agency"],
                     text["agency_lead"], text["enterprise_lead"], dates), []


def _known_town(town: str, skeleton: Skeleton) -> str | None:
    if not skeleton.towns:
        return town
    key = _squeeze(town)
    for name in skeleton.towns:
        if _squeeze(name) == key:
            return name
    alias = {_squeeze(k): v for k, v in skeleton.town_aliases.items()}.get(key)
    return alias


def _duplicates(row: RosterRow, codes: dict[str, int],
                names: dict[str, int]) -> list[RowError]:
    errors = []
    if row.credit_code in codes:
        errors.append(RowError(row.row, BY_KEY["credit_code"].header,
                               f"与第 {codes[row.credit_code]} 行重复（同一企业）",
                               row.name))
    elif _squeeze(row.name) in names:
        errors.append(RowError(row.row, BY_KEY["name"].header,
                               f"企业名称与第 {names[_squeeze(row.name)]} 行重复",
                               row.name))
    codes.setdefault(row.credit_code, row.row)
    names.setdefault(_squeeze(row.name), row.row)
    return errors


# ------------------------------------------------------------ the blank roster


def write_template(path: Path, skeleton: Skeleton) -> None:
    """A blank roster: Chinese headers, one example row, a drop-down for towns."""
    book = Workbook()
    sheet = book.active
    sheet.title = "名单"
    bold = Font(bold=True)
    sheet.append([c.header + ("*" if c.required else "") for c in COLUMNS])
    for cell in sheet[1]:
        cell.font = bold
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
        cell.alignment = Alignment(horizontal="center")
    sheet.append(["常州市示例精密机械有限公司（示例行，请删除）", "91320412MA1XW7K30F",
                  skeleton.towns[0] if skeleton.towns else "", "常州示例智能制造咨询服务有限公司",
                  "张示例", "李示例", "2022-06-15、2022-07-20"])
    for i, column in enumerate(COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(i)].width = column.width
    sheet.freeze_panes = "A2"

    # Text format for the whole column, so Excel keeps all 18 characters of a code.
    code_column = get_column_letter(_position("credit_code"))
    sheet.column_dimensions[code_column].number_format = "@"
    sheet[f"{code_column}2"].number_format = "@"

    if skeleton.towns:
        _town_list(book, sheet, skeleton)
    _notes(book)
    book.save(path)


def _position(key: str) -> int:
    return [c.key for c in COLUMNS].index(key) + 1


def _town_list(book: Workbook, sheet, skeleton: Skeleton) -> None:
    options = book.create_sheet("选项")
    for i, town in enumerate(skeleton.towns, start=1):
        options.cell(row=i, column=1, value=town)
    options.sheet_state = "hidden"
    column = get_column_letter(_position("town"))
    rule = DataValidation(type="list", formula1=f"=选项!$A$1:$A${len(skeleton.towns)}",
                          allow_blank=True, showErrorMessage=True,
                          errorTitle="所在镇（开发区）", error="请从下拉列表中选择")
    rule.add(f"{column}2:{column}2000")
    sheet.add_data_validation(rule)


def _notes(book: Workbook) -> None:
    notes = book.create_sheet("填写说明")
    for line in (
        "带 * 的列必填；每行一家企业，请勿合并单元格。",
        "统一社会信用代码为 18 位，该列已设为文本格式，全角字母与空格会自动纠正。",
        "服务日期可写多个，用顿号或逗号分隔，每个日期生成一张签到表；"
        "可写 2022-06-15、2022/6/15 或 2022年6月15日。",
        "所在镇（开发区）请从下拉列表选择。",
    ):
        notes.append([line])
    notes.column_dimensions["A"].width = 100
