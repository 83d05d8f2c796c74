"""Rosters: a programme's enterprises in a spreadsheet (xlsx or CSV), read as a person would.

Real rosters have title rows above the header, a notes sheet before the roster, blank
rows, cells merged down over several rows, spaces and invisible characters around values,
full-width letters in credit codes, dates as Excel serial numbers or as text, numbers
stored as text. Each of these is read; what cannot be read is reported with the row
number the user sees in Excel and the column's header.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import logging
import re
import unicodedata
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import coordinate_to_tuple, get_column_letter, range_boundaries
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.xml.constants import SHEET_MAIN_NS
from openpyxl.xml.functions import iterparse

from service.credit_code import credit_code_problem, normalize_credit_code
from service.errors import InputError, Problem, os_reason
from service.glyphs import illegal_problem, string_problem
from service.model import NAME_MAX
from service.skeleton import Skeleton
from service.uploads import inspect_office

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    required: bool
    aliases: tuple[str, ...] = ()
    width: int = 16
    # Printed on the forms (service.batch.forms_context), so held to one printed line.
    printed: bool = False


COLUMNS = (
    Column("name", "企业名称", True, ("被诊断企业", "被诊断企业名称", "企业", "单位名称"), 34,
           printed=True),
    Column("credit_code", "统一社会信用代码", True, ("信用代码", "社会信用代码"), 24),
    Column("town", "所在镇（开发区）", True, ("所在镇", "所属镇", "镇（开发区）", "镇/开发区",
                                                "所在镇/开发区", "所属镇/开发区", "属地"), 22),
    Column("agency", "诊断服务机构", True, ("诊断机构", "服务机构", "诊断服务机构名称"), 30,
           printed=True),
    Column("agency_lead", "项目负责人", False, ("机构负责人",), 12),
    Column("enterprise_lead", "企业负责人", False, (), 12),
    Column("dates", "服务日期", False, ("诊断日期", "入企日期", "日期"), 24),
)
BY_KEY = {c.key: c for c in COLUMNS}
HEADER_SCAN_ROWS = 20
EXCEL_EPOCH = dt.date(1899, 12, 30)
# Each date is a sign-in sheet; more than this in one cell is a slip, not a programme.
MAX_DATES = 20
# The template's example row is marked so; left in, it would become a real enterprise.
EXAMPLE_MARK = "（示例行，请删除）"
EXAMPLE_CODE = "91320412MA1XW7K30F"
# Zero-width characters pasted in from web pages and chat: invisible, so not in the value.
INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"))
UNSAVED_FORMULA = ("是公式，但文件中没有保存它的计算结果（程序生成的文件常见）；"
                   "请在 Excel 中打开后保存一次，或把公式粘贴为数值")
NUMBER_CODE = "被存成了数字，Excel 已丢失后几位；请把该列设为“文本”后重新填写"


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
    code: str = ""  # the row's credit code where it could be read, to match it back

    def __str__(self) -> str:
        where = f"第 {self.row} 行" + (f"「{self.column}」列" if self.column else "")
        return f"{where}：{self.message}"


@dataclass
class Roster:
    rows: list[RosterRow]
    errors: list[RowError]
    # Read, but worth a look: columns not recognised, sheets not read, hidden rows.
    notices: list[str] = field(default_factory=list)


def _squeeze(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).translate(INVISIBLE)
    return re.sub(r"\s+", "", text).replace("(", "（").replace(")", "）")


def _header_key(cell: object) -> str | None:
    if cell is None:
        return None
    text = _squeeze(str(cell)).rstrip("*")
    # "统一社会信用代码（18位）", "企业名称（全称）": a note after a header we know.
    return _HEADERS.get(text) or _HEADERS.get(_HEADER_NOTE.sub("", text))


_HEADERS = {_squeeze(name): column.key for column in COLUMNS
            for name in (column.header, *column.aliases)}
_HEADER_NOTE = re.compile(r"（[^（）]*）\*?$")


# ------------------------------------------------------------ reading cells


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).translate(INVISIBLE).strip().strip("\u3000").strip()
    # "A  B" reads as "A B"; the forms print it so too.
    return _SPACES.sub(" ", _one_line(text))


_LINE_BREAK = re.compile(r"\s*[\r\n\t\v\f]\s*")
_SPACES = re.compile(r"[ \u00a0]+")


def _one_line(text: str) -> str:
    """A cell typed over several lines (Alt+Enter) read as one: the break goes between
    Chinese characters and becomes a space between other words."""
    def join(match: re.Match) -> str:
        before, after = text[match.start() - 1:match.start()], text[match.end():match.end() + 1]
        return "" if _wide(before) and _wide(after) else " "

    return _LINE_BREAK.sub(join, text)


def _wide(char: str) -> bool:
    return bool(char) and ("\u2e80" <= char <= "\u9fff" or "\uff00" <= char <= "\uffef")


_DATE_TEXT = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
                        r"(?:\s*\d{1,2}:\d{2}(?::\d{2})?)?"  # a time of day, as exports add
                        r"|(?<!\d)(\d{4})(\d{2})(\d{2})(?!\d)")  # 20220615


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

    text = unicodedata.normalize("NFKC", str(value)).translate(INVISIBLE).strip()
    if re.fullmatch(r"\d{5}(\.0+)?", text):
        return [_serial_date(float(text))]

    found = []
    for match in _DATE_TEXT.finditer(text):
        year, month, day = (g for g in match.groups() if g is not None)
        try:
            found.append(dt.date(int(year), int(month), int(day)))
        except ValueError:
            raise ValueError(f"日期 {year}-{month}-{day} 不存在") from None
    leftover = _DATE_TEXT.sub("", text)
    if not found or re.search(r"[0-9A-Za-z\u4e00-\u9fff]", leftover):
        raise ValueError(f"无法识别的日期“{text}”，请写成 2022-06-15 或 2022年6月15日")
    # A date typed twice is one visit: one sign-in sheet.
    return list(dict.fromkeys(found))


def _serial_date(serial: float) -> dt.date:
    # Excel counts days from 1899-12-30 (its 1900 leap-year bug folded in); a plausible
    # programme date lies between 1955 and 2173, which keeps ids and amounts out.
    if not 20000 <= serial <= 100000:
        raise ValueError(f"数字 {serial:g} 不像日期")
    return EXCEL_EPOCH + dt.timedelta(days=int(serial))


def _credit_code(value: object) -> str:
    if isinstance(value, float | int) and not isinstance(value, bool):
        # Excel keeps 15 significant digits: an all-digit code saved as a number is gone.
        raise ValueError(NUMBER_CODE)
    # '9132… and ="9132…" are how people keep Excel from turning a code into a number.
    code = normalize_credit_code(_EXCEL_TEXT.sub(r"\1", _text(value)))
    if _number_as_text(code):
        raise ValueError(NUMBER_CODE)
    return code


_EXCEL_TEXT = re.compile(r'^(?:\'|="?)(.*?)"?$')
_SCIENTIFIC = re.compile(r"[0-9]+(\.[0-9]+)?E\+?[0-9]+")


def _number_as_text(code: str) -> bool:
    """A code Excel stored as a number, as a CSV saved from Excel holds it: “9.13204E+17”,
    or all eighteen digits with the last three zeroed (Excel keeps 15). Fixing the check
    character of such a code would still leave it wrong."""
    if _SCIENTIFIC.fullmatch(code):
        return True
    return bool(re.fullmatch(r"[0-9]{15}000", code)) and credit_code_problem(code) is not None


# ------------------------------------------------------------ reading sheets

@dataclass
class Table:
    cells: list[list[object]]
    header_index: int
    mapping: dict[int, str]  # column index -> column key
    notices: list[str] = field(default_factory=list)
    hidden: set[int] = field(default_factory=set)  # row numbers as Excel shows them
    # (row number, column index) of formulas saved without their result
    unsaved: set[tuple[int, int]] = field(default_factory=set)


def _read_table(path: Path) -> Table:
    """The roster's cells, its header row and the column each header names."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return _csv_table(path)

    if suffix not in (".xlsx", ".xlsm"):
        how = {".xls": "旧版 .xls 请在 Excel 中另存为 .xlsx",
               ".ods": ".ods 请在 WPS 或 LibreOffice 中另存为 .xlsx",
               ".et": "WPS 表格请另存为 .xlsx"}.get(suffix, "可在 Excel 中另存为 .xlsx")
        raise _file_error(path, f"只支持 .xlsx 与 .csv 名单（{how}）")
    book = _open_book(path)
    try:
        return _workbook_table(book, path)
    finally:
        book.close()


def _csv_table(path: Path) -> Table:
    text = _csv_text(path)
    # Excel in some locales saves "CSV" with semicolons, and exports may use tabs.
    for delimiter in (",", ";", "\t"):
        cells = [list(row) for row in csv.reader(io.StringIO(text), delimiter=delimiter)]
        table = _find_header(cells, path)
        if table is not None:
            return table
    raise _no_header(path, [])


def _csv_text(path: Path) -> str:
    raw = _read_bytes(path)
    if raw[:4] == b"PK\x03\x04" or raw[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise _file_error(path, "这是 Excel（或其他 Office）文件，扩展名却是 .csv；"
                                "请把扩展名改回 .xlsx，或在 Excel 中另存为 CSV")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise _file_error(path, "CSV 文件既不是 UTF-8 也不是 GBK 编码")


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise _file_error(path, "文件不存在") from None
    except IsADirectoryError:
        raise _file_error(path, "这是一个文件夹，不是名单文件") from None
    except OSError as exc:
        raise _file_error(path, "无法读取：" + os_reason(exc)) from None


def _open_book(path: Path):
    content = inspect_office(_read_bytes(path), str(path), "xlsx").content
    # Read-only mode streams the rows: a roster of thousands stays small in memory.
    try:
        return load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        log.info("roster not readable as xlsx: %s", type(exc).__name__)
        raise _file_error(path, "无法作为 Excel 文件打开：文件已损坏，或并非 Excel 文件而只是"
                                "改了扩展名") from exc


def _workbook_table(book, path: Path) -> Table:
    """The first visible sheet with a header row: a cover or notes sheet may come first."""
    sheets = [s for s in book.worksheets if s.sheet_state == "visible"]
    for position, sheet in enumerate(sheets):
        table = _sheet_header(sheet, path)
        if table is None:
            continue

        table.cells = [list(row) for row in sheet.iter_rows(values_only=True)]
        merged, table.hidden, table.unsaved = _sheet_layout(sheet)
        _spread_merged(table, merged)

        # Offices keep one sheet per agency or per year: say which were left out.
        for later in sheets[position + 1:]:
            if _looks_like_roster(later, path):
                table.notices.append(f"工作表「{later.title}」也有名单表头，未读取；"
                                     f"只读取了工作表「{sheet.title}」")
        return table
    raise _no_header(path, [s.title for s in sheets])


def _sheet_header(sheet, path: Path) -> Table | None:
    # Read-only mode trusts the sheet's <dimension> tag, and some exporting systems
    # write a wrong one (ref="A1"): read the rows actually there.
    sheet.reset_dimensions()
    return _find_header(list(sheet.iter_rows(max_row=HEADER_SCAN_ROWS, values_only=True)),
                        path)


def _looks_like_roster(sheet, path: Path) -> bool:
    try:
        return _sheet_header(sheet, path) is not None
    except InputError:  # a header short of a column: a roster all the same
        return True


_MERGE_CELL = f"{{{SHEET_MAIN_NS}}}mergeCell"
_ROW = f"{{{SHEET_MAIN_NS}}}row"
_CELL = f"{{{SHEET_MAIN_NS}}}c"
_FORMULA = f"{{{SHEET_MAIN_NS}}}f"
_VALUE = f"{{{SHEET_MAIN_NS}}}v"
Layout = tuple[list[tuple[int, int, int, int]], set[int], set[tuple[int, int]]]


def _sheet_layout(sheet) -> Layout:
    """Merged cells as (min_col, min_row, max_col, max_row), the hidden rows' numbers, and
    the formula cells saved without a result (files written by programs: Excel computes
    and saves results, openpyxl and some exporters do not). Read-only sheets offer none
    of these, and loading the workbook whole would make an object of every cell; all are
    in the sheet's XML, so one more streaming pass finds them."""
    merged, hidden, unsaved = [], set(), set()
    # Private, but read-only mode has no public way to the sheet's XML.
    with sheet._get_source() as source:
        for _, element in iterparse(source):
            if element.tag == _CELL:
                if element.find(_FORMULA) is not None and not element.findtext(_VALUE):
                    with suppress(TypeError, ValueError):  # a cell without its place
                        column, row = coordinate_to_tuple(element.get("r", ""))[::-1]
                        unsaved.add((row, column - 1))
                element.clear()  # its <f> and <v> with it
            elif element.tag == _ROW:
                if element.get("hidden") in ("1", "true") and element.get("r", "").isdigit():
                    hidden.add(int(element.get("r")))
                element.clear()
            elif element.tag == _MERGE_CELL:
                try:
                    merged.append(range_boundaries(element.get("ref", "")))
                except (TypeError, ValueError):
                    pass  # a merge we cannot place is left unspread, not a reason to fail
                element.clear()
    return merged, hidden, unsaved


def _spread_merged(table: Table, merged: list[tuple[int, int, int, int]]) -> None:
    """A value merged down over several rows is seen in each of them: read it into every
    row it covers that holds an enterprise. Merges in the title and header rows label
    the columns, and rows with nothing else are blank rows, so neither is filled."""
    cells, header_index, mapping = table.cells, table.header_index, table.mapping
    for min_col, min_row, _, max_row in merged:
        top, column = min_row - 1, min_col - 1
        if top <= header_index or top >= len(cells) or column not in mapping:
            continue
        value = _cell(cells[top], column)
        for row in cells[top + 1:max_row]:
            if any(_text(_cell(row, i)) for i in mapping if i != column):
                row.extend([None] * (column + 1 - len(row)))
                row[column] = value


def _cell(row: list[object], index: int) -> object:
    return row[index] if index < len(row) else None


def _file_error(path: Path, message: str) -> InputError:
    return InputError([Problem("roster.file", "", str(path), message)], "名单无法读取")


def _find_header(cells: list[list[object]], path: Path) -> Table | None:
    for index, row in enumerate(cells[:HEADER_SCAN_ROWS]):
        mapping = {i: key for i, cell in enumerate(row) if (key := _header_key(cell))}
        if sum(1 for k in mapping.values() if BY_KEY[k].required) >= 2:
            others = [_text(cell) for i, cell in enumerate(row)
                      if i not in mapping and _text(cell)]
            missing = [c.header for c in COLUMNS if c.required and c.key not in
                       mapping.values()]
            if missing:
                seen = f"；未识别的列：{'、'.join(others)}" if others else ""
                raise _file_error(path, f"表头缺少必需的列：{'、'.join(missing)}{seen}")
            table = Table(cells, index, mapping)
            if others:
                absent = [c.header for c in COLUMNS if c.key not in mapping.values()]
                table.notices.append(
                    f"未识别的列已忽略：{'、'.join(others)}"
                    + (f"（名单中没有的列：{'、'.join(absent)}）" if absent else ""))
            return table
    return None


def _no_header(path: Path, sheets: list[str]) -> InputError:
    expected = "、".join(c.header for c in COLUMNS if c.required)
    where = f"前 {HEADER_SCAN_ROWS} 行中"
    if len(sheets) > 1:
        where = f"各工作表（{'、'.join(sheets)}）的前 {HEADER_SCAN_ROWS} 行中都"
    return _file_error(path, f"{where}找不到表头（应含：{expected}）")


def read_roster(path: Path, skeleton: Skeleton) -> Roster:
    table = _read_table(path)
    rows, errors = [], []
    seen_codes: dict[str, tuple[int, str]] = {}
    seen_names: dict[str, int] = {}

    start = table.header_index + 2
    for offset, raw in enumerate(table.cells[table.header_index + 1:], start=start):
        values = {key: _cell(raw, i) for i, key in table.mapping.items()}
        unsaved = [RowError(offset, BY_KEY[key].header, UNSAVED_FORMULA,
                            _text(values.get("name")))
                   for i, key in table.mapping.items()
                   if (offset, i) in table.unsaved and _text(values[key]) == ""]
        if unsaved:
            errors += unsaved
            continue
        if all(_text(v) == "" for v in values.values()):
            continue

        row, row_errors = _read_row(offset, values, skeleton)
        if row is not None:
            row_errors += _duplicates(row, seen_codes, seen_names)
        errors += row_errors
        if row is not None and not row_errors:
            rows.append(row)

    notices = table.notices
    # Hiding a row often means "leave this one out"; we read it, and say so.
    hidden = [row.row for row in rows if row.row in table.hidden]
    if hidden:
        notices.append(f"第 {_row_list(hidden)} 行在 Excel 中是隐藏行，仍已读取；"
                       "不需要的企业请删除这些行")
    return Roster(rows, errors, notices)


def _row_list(numbers: list[int]) -> str:
    shown = "、".join(map(str, numbers[:10]))
    return shown + (f" 等 {len(numbers)} " if len(numbers) > 10 else "")


def _read_row(number: int, values: dict[str, object],
              skeleton: Skeleton) -> tuple[RosterRow | None, list[RowError]]:
    text = {key: _text(values.get(key)) for key in BY_KEY if key != "dates"}
    if _squeeze(EXAMPLE_MARK) in _squeeze(text["name"]):
        return None, [RowError(number, BY_KEY["name"].header,
                               "这是名单模板的示例行，未删除；请删除示例行", text["name"])]

    code, code_problem = _read_code(values.get("credit_code"))
    if code == EXAMPLE_CODE:
        # The example row typed over with a real name, its code left as it was.
        code_problem = "这是名单模板示例行的代码，请填写该企业自己的统一社会信用代码"
    town = _known_town(text["town"], skeleton)
    dates, date_problem = _read_dates(values.get("dates"), skeleton.programme.year)
    problems = [*_text_problems(text), ("credit_code", code_problem),
                ("town", _town_problem(text["town"], skeleton) if town is None else None),
                ("dates", date_problem)]
    errors = [RowError(number, BY_KEY[key].header, message, text["name"], code)
              for key, message in problems if message]
    if errors:
        return None, errors
    return RosterRow(number, text["name"], code, town or "", text["agency"],
                     text["agency_lead"], text["enterprise_lead"], dates), []


def _text_problems(text: dict[str, str]) -> list[tuple[str, str]]:
    problems = []
    for column in COLUMNS:
        value = text.get(column.key, "")
        if column.required and column.key != "credit_code" and not value:
            problems.append((column.key, "必填，但为空"))
        elif column.printed and len(value) > NAME_MAX:
            problems.append((column.key, f"不能超过 {NAME_MAX} 个字符（表单中一行印不下）"))
        elif column.printed and (found := string_problem(value)):
            problems.append((column.key, found[1]))
        elif column.key == "name" and not re.search(r"\w", value):
            problems.append((column.key, f"“{value}”不是企业名称：没有一个字或字母"))
        elif not column.printed and (illegal := illegal_problem(value)):
            # Not printed, but written into the manifest.
            problems.append((column.key, illegal))
    return problems


def _read_code(value: object) -> tuple[str, str | None]:
    try:
        code = _credit_code(value)
    except ValueError as exc:
        return "", str(exc)
    if not code:
        return "", "必填，但为空"
    return code, credit_code_problem(code)


def _read_dates(value: object, year: int | None) -> tuple[list[dt.date], str | None]:
    try:
        dates = _dates(value)
    except ValueError as exc:
        return [], str(exc)
    if len(dates) > MAX_DATES:
        return dates, (f"一格中有 {len(dates)} 个日期，超过 {MAX_DATES} 个，应是填错了"
                       "（每个日期生成一张签到表）")
    # A programme runs within its year, give or take one: 1999 is a typing slip.
    far = [d.isoformat() for d in dates if year is not None and abs(d.year - year) > 1]
    if far:
        return dates, (f"日期 {'、'.join(far)} 与项目年度 {year} 年相差太远"
                       f"（应在 {year - 1} 年至 {year + 1} 年之间）")
    return dates, None


def _known_town(town: str, skeleton: Skeleton) -> str | None:
    if not skeleton.towns:
        return town
    key = _squeeze(town)
    for name in skeleton.towns:
        if _squeeze(name) == key:
            return name
    alias = {_squeeze(k): v for k, v in skeleton.town_aliases.items()}.get(key)
    return alias


def _town_problem(town: str, skeleton: Skeleton) -> str | None:
    if not town:
        return None  # already reported as required
    if guess := _town_guess(town, skeleton):
        return f"未知的镇（开发区）“{town}”，是否为“{guess}”？"
    return (f"“{town}”不是{skeleton.programme.district or '本区'}的镇或开发区"
            "（名单见报告骨架 towns）")


def _town_guess(town: str, skeleton: Skeleton) -> str | None:
    """The one known town a shortened or lengthened name points to (“湖塘”, “武进区湖塘镇”
    for 湖塘镇). Only offered as a question: which town an enterprise is in matters."""
    key = _squeeze(town)
    known = {_squeeze(name): name for name in skeleton.towns}
    known |= {_squeeze(alias): name for alias, name in skeleton.town_aliases.items()}
    found = {name for written, name in known.items() if key in written or written in key}
    return found.pop() if len(found) == 1 else None


def _duplicates(row: RosterRow, codes: dict[str, tuple[int, str]],
                names: dict[str, int]) -> list[RowError]:
    errors = []
    if row.credit_code in codes:
        first, first_name = codes[row.credit_code]
        same = "同一企业" if _squeeze(first_name) == _squeeze(row.name) else \
            f"信用代码相同，但第 {first} 行的企业名称是“{first_name}”，请核对"
        errors.append(RowError(row.row, BY_KEY["credit_code"].header,
                               f"与第 {first} 行重复（{same}）", row.name, row.credit_code))
    elif _squeeze(row.name) in names:
        errors.append(RowError(row.row, BY_KEY["name"].header,
                               f"企业名称与第 {names[_squeeze(row.name)]} 行重复",
                               row.name, row.credit_code))
    codes.setdefault(row.credit_code, (row.row, row.name))
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
    sheet.append([f"常州市示例精密机械有限公司{EXAMPLE_MARK}", EXAMPLE_CODE,
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
