"""Reading rosters as a person would, and the blank roster's round trip."""

from __future__ import annotations

import datetime as dt
import re
import zipfile

import pytest
from openpyxl import Workbook, load_workbook

from service.errors import InputError
from service.render import file_stem
from service.roster import read_roster, write_template
from service.skeleton import load_skeleton
from tests.roster_data import HEADERS, enterprise_row, save_roster

SKELETON = load_skeleton("wujin-2022")


def test_template_round_trips(tmp_path):
    path = tmp_path / "名单.xlsx"
    write_template(path, SKELETON)

    book = load_workbook(path)
    sheet = book["名单"]
    assert [c.value.rstrip("*") for c in sheet[1]] == HEADERS
    assert sheet.data_validations.dataValidation, "town column has no drop-down list"
    sheet.delete_rows(2)
    for i in range(3):
        sheet.append(enterprise_row(i))
    book.save(path)

    roster = read_roster(path, SKELETON)

    assert roster.errors == []
    assert [r.name for r in roster.rows] == [enterprise_row(i)[0] for i in range(3)]
    assert [r.row for r in roster.rows] == [2, 3, 4]
    assert roster.rows[0].dates == [dt.date(2022, 6, 15)]


def test_example_row_left_in_the_template_is_not_an_enterprise(tmp_path):
    path = tmp_path / "名单.xlsx"
    write_template(path, SKELETON)
    book = load_workbook(path)
    for i in range(2):
        book["名单"].append(enterprise_row(i))
    book.save(path)

    roster = read_roster(path, SKELETON)

    # Only this complaint: the example itself is otherwise filled in correctly.
    [error] = roster.errors
    assert (error.row, error.column) == (2, "企业名称")
    assert error.message == "这是名单模板的示例行，未删除；请删除示例行"
    assert [r.row for r in roster.rows] == [3, 4]


def test_title_rows_blank_rows_and_spaces(tmp_path):
    book = Workbook()
    sheet = book.active
    sheet.append(["2022年武进区“智改数转”诊断企业名单"])
    sheet.merge_cells("A1:G1")
    sheet.append([])
    sheet.append([f" {h} " for h in HEADERS])
    first = enterprise_row(1)
    sheet.append([f"  {first[0]}\u3000", f" {first[1]} ", *first[2:]])
    sheet.append([None] * 7)
    sheet.append(enterprise_row(2))
    path = tmp_path / "名单.xlsx"
    book.save(path)

    roster = read_roster(path, SKELETON)

    assert roster.errors == []
    assert [(r.row, r.name) for r in roster.rows] == [(4, first[0]),
                                                      (6, enterprise_row(2)[0])]
    assert roster.rows[0].credit_code == first[1]


def test_cells_typed_over_several_lines_read_as_one(tmp_path):
    rows = [enterprise_row(1), enterprise_row(2)]
    rows[0][0] = "常州市测试\n精密机械有限公司"
    rows[1][0] = "常州 ABC\r\nPrecision  Co., Ltd."
    rows[1][3] = "常州示例\t智能制造咨询服务有限公司"

    roster = read_roster(save_roster(tmp_path, [HEADERS, *rows]), SKELETON)

    assert roster.errors == []
    assert [r.name for r in roster.rows] == ["常州市测试精密机械有限公司",
                                             "常州 ABC Precision Co., Ltd."]
    assert roster.rows[1].agency == "常州示例智能制造咨询服务有限公司"


def test_full_width_lower_case_credit_code(tmp_path):
    row = enterprise_row(1)
    code = row[1]
    row[1] = "".join(chr(ord(c) + 0xFEE0) for c in code.lower())

    roster = read_roster(save_roster(tmp_path, [HEADERS, row]), SKELETON)

    assert roster.errors == []
    assert roster.rows[0].credit_code == code


@pytest.mark.parametrize("cell, expected", [
    (44727, [dt.date(2022, 6, 15)]),
    ("44727", [dt.date(2022, 6, 15)]),
    (dt.datetime(2022, 6, 15), [dt.date(2022, 6, 15)]),
    ("2022年6月15日", [dt.date(2022, 6, 15)]),
    ("2022/6/15，2022.7.1", [dt.date(2022, 6, 15), dt.date(2022, 7, 1)]),
    ("２０２２－０６－１５", [dt.date(2022, 6, 15)]),
    ("2022-06-15 09:30", [dt.date(2022, 6, 15)]),
    ("20220615", [dt.date(2022, 6, 15)]),
], ids=["serial", "serial-as-text", "date-cell", "chinese", "two-dates", "full-width",
        "with-time", "eight-digits"])
def test_dates_in_the_forms_people_type(tmp_path, cell, expected):
    row = enterprise_row(1)
    row[6] = cell

    roster = read_roster(save_roster(tmp_path, [HEADERS, row]), SKELETON)

    assert roster.errors == []
    assert roster.rows[0].dates == expected


def test_credit_code_stored_as_number_says_why(tmp_path):
    row = enterprise_row(1)
    row[1] = 913204121234567890

    roster = read_roster(save_roster(tmp_path, [HEADERS, row]), SKELETON)

    [error] = roster.errors
    assert (error.row, error.column) == (2, "统一社会信用代码")
    assert "被存成了数字" in error.message


def test_bad_rows_are_named_by_row_and_column(tmp_path):
    missing_name = enterprise_row(1)
    missing_name[0] = ""
    bad_code = enterprise_row(2)
    bad_code[1] = bad_code[1][:17] + ("0" if bad_code[1][17] != "0" else "1")
    duplicate = enterprise_row(3)
    unknown_town = enterprise_row(4)
    unknown_town[2] = "火星镇"
    bad_date = enterprise_row(5)
    bad_date[6] = "2022-02-30"
    rows = [HEADERS, missing_name, bad_code, enterprise_row(3), duplicate, unknown_town,
            bad_date]

    roster = read_roster(save_roster(tmp_path, rows), SKELETON)

    found = {(e.row, e.column): e.message for e in roster.errors}
    assert "必填" in found[(2, "企业名称")]
    assert "校验位不符" in found[(3, "统一社会信用代码")]
    assert "与第 4 行重复" in found[(5, "统一社会信用代码")]
    assert "火星镇" in found[(6, "所在镇（开发区）")]
    assert "2022-02-30 不存在" in found[(7, "服务日期")]
    assert [r.row for r in roster.rows] == [4]


def test_csv_in_gbk_with_town_alias(tmp_path):
    row = enterprise_row(1)
    row[2] = "武进高新区"
    text = "\n".join(",".join(map(str, r)) for r in (HEADERS, row))
    path = tmp_path / "名单.csv"
    path.write_bytes(text.encode("gb18030"))

    roster = read_roster(path, SKELETON)

    assert roster.errors == []
    assert roster.rows[0].town == "武进国家高新技术产业开发区"


def test_sheet_without_header_says_what_it_looked_for(tmp_path):
    path = save_roster(tmp_path, [["名称", "代码"], ["甲", "乙"]])

    with pytest.raises(InputError) as caught:
        read_roster(path, SKELETON)

    assert "找不到表头" in caught.value.problems[0].message
    assert "统一社会信用代码" in caught.value.problems[0].message


def save_csv(tmp_path, rows):
    path = tmp_path / "名单.csv"
    path.write_text("\n".join(",".join(map(str, r)) for r in rows), "utf-8")
    return path


@pytest.mark.parametrize("code", ["9.13204E+17", "9.13204129696533e+17",
                                  "913204129696533000"],
                         ids=["scientific", "scientific-long", "last-digits-zeroed"])
def test_credit_code_saved_by_excel_as_a_number_in_a_csv(tmp_path, code):
    row = enterprise_row(1)
    row[1] = code

    roster = read_roster(save_csv(tmp_path, [HEADERS, row]), SKELETON)

    [error] = roster.errors
    assert (error.row, error.column) == (2, "统一社会信用代码")
    assert error.message == ("被存成了数字，Excel 已丢失后几位；"
                             "请把该列设为“文本”后重新填写")


def test_wrong_dimension_tag_still_reads_every_row(tmp_path):
    path = save_roster(tmp_path, [HEADERS, *(enterprise_row(i) for i in range(3))])
    with zipfile.ZipFile(path) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    sheet = "xl/worksheets/sheet1.xml"
    parts[sheet], count = re.subn(rb'<dimension ref="[^"]*"', b'<dimension ref="A1"',
                                  parts[sheet])
    assert count == 1
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in parts.items():
            archive.writestr(name, data)

    roster = read_roster(path, SKELETON)

    assert roster.errors == []
    assert [r.row for r in roster.rows] == [2, 3, 4]


def test_cells_merged_down_are_read_into_each_row(tmp_path):
    book = Workbook()
    sheet = book.active
    sheet.append(["2022年诊断企业名单"])
    sheet.merge_cells("A1:G1")
    sheet.append(HEADERS)
    for i in range(3):
        sheet.append(enterprise_row(i))
    sheet["C3"] = "湖塘镇"
    sheet.merge_cells("C3:C4")
    sheet["D3"] = "常州合并智能制造咨询有限公司"
    sheet.merge_cells("D3:D7")  # drawn past the last enterprise, over two blank rows
    path = tmp_path / "名单.xlsx"
    book.save(path)

    roster = read_roster(path, SKELETON)

    assert roster.errors == []
    assert [(r.row, r.town) for r in roster.rows] == [
        (3, "湖塘镇"), (4, "湖塘镇"), (5, enterprise_row(2)[2])]
    assert {r.agency for r in roster.rows} == {"常州合并智能制造咨询有限公司"}


def test_length_limit_only_for_what_the_forms_print(tmp_path):
    long_lead = enterprise_row(1)
    long_lead[4] = long_lead[5] = "张" * 70
    long_name = enterprise_row(2)
    long_name[0] = "常" * 61

    roster = read_roster(save_roster(tmp_path, [HEADERS, long_lead, long_name]), SKELETON)

    assert [r.row for r in roster.rows] == [2]
    assert roster.rows[0].agency_lead == "张" * 70
    assert [(e.row, e.column, e.message) for e in roster.errors] == [
        (3, "企业名称", "不能超过 60 个字符（表单中一行印不下）")]


def test_invisible_characters_and_runs_of_spaces(tmp_path):
    headers = [HEADERS[0] + "\u200b", *HEADERS[1:]]
    invisible = enterprise_row(1)
    invisible[0] = "\u200b\u200c \u200d\ufeff\u2060"
    pasted = enterprise_row(2)
    pasted[0] = "\ufeff常州 ABC   Precision\u00a0 Co.,\u200b Ltd."
    pasted[1] = "\u200b" + pasted[1]

    roster = read_roster(save_roster(tmp_path, [headers, invisible, pasted]), SKELETON)

    assert [(e.row, e.column, e.message) for e in roster.errors] == [
        (2, "企业名称", "必填，但为空")]
    assert [r.name for r in roster.rows] == ["常州 ABC Precision Co., Ltd."]
    assert roster.rows[0].credit_code == enterprise_row(2)[1]


def test_a_date_typed_twice_is_one_visit(tmp_path):
    row = enterprise_row(1)
    row[6] = "2022-06-15、2022-07-01、2022年6月15日"

    roster = read_roster(save_roster(tmp_path, [HEADERS, row]), SKELETON)

    assert roster.errors == []
    assert roster.rows[0].dates == [dt.date(2022, 6, 15), dt.date(2022, 7, 1)]


@pytest.mark.parametrize("cell, message", [
    ("2022-06-15、1999-01-01",
     "日期 1999-01-01 与项目年度 2022 年相差太远（应在 2021 年至 2023 年之间）"),
    ("、".join(f"2022-06-{d:02d}" for d in range(1, 22)),
     "一格中有 21 个日期，超过 20 个，应是填错了（每个日期生成一张签到表）"),
], ids=["far-from-the-programme-year", "too-many"])
def test_implausible_dates_are_row_errors(tmp_path, cell, message):
    row = enterprise_row(1)
    row[6] = cell

    roster = read_roster(save_roster(tmp_path, [HEADERS, row]), SKELETON)

    assert roster.rows == []
    assert [(e.row, e.column, e.message) for e in roster.errors] == [
        (2, "服务日期", message)]


@pytest.mark.parametrize("town", ["湖塘", "武进区湖塘镇"])
def test_a_town_written_short_or_long_asks_which_town(tmp_path, town):
    row = enterprise_row(1)
    row[2] = town

    roster = read_roster(save_roster(tmp_path, [HEADERS, row]), SKELETON)

    assert roster.rows == []
    assert [(e.column, e.message) for e in roster.errors] == [
        ("所在镇（开发区）", f"未知的镇（开发区）“{town}”，是否为“湖塘镇”？")]


def test_roster_on_a_later_sheet_after_a_notes_sheet(tmp_path):
    book = Workbook()
    book.active.title = "说明"
    book.active.append(["本表由各镇汇总，请于 6 月底前报送。"])
    roster_sheet = book.create_sheet("名单")
    for row in (HEADERS, enterprise_row(1), enterprise_row(2)):
        roster_sheet.append(row)
    path = tmp_path / "名单.xlsx"
    book.save(path)

    roster = read_roster(path, SKELETON)

    assert roster.errors == []
    assert [r.name for r in roster.rows] == [enterprise_row(i)[0] for i in (1, 2)]


def test_no_sheet_with_a_header_names_the_sheets_searched(tmp_path):
    book = Workbook()
    book.active.title = "说明"
    book.create_sheet("汇总").append(["名称", "代码"])
    path = tmp_path / "名单.xlsx"
    book.save(path)

    with pytest.raises(InputError) as caught:
        read_roster(path, SKELETON)

    assert caught.value.problems[0].message.startswith(
        "各工作表（说明、汇总）的前 20 行中都找不到表头")


@pytest.mark.parametrize("name, message", [
    ("常州市\x1f测试有限公司", "含有 Word 文件无法保存的字符U+001F，请删除"),
    ("常州市\ufffe测试有限公司", "含有 Word 文件无法保存的字符U+FFFE，请删除"),
    ("常州市\U00020000测试有限公司", "字符“\U00020000”（U+20000）没有可用的字体"),
], ids=["control", "non-character", "no-font"])
def test_a_name_no_form_can_hold_is_its_rows_error(tmp_path, name, message):
    # openpyxl refuses to write control characters; CSV exports carry them.
    bad = enterprise_row(2)
    bad[0] = name

    roster = read_roster(save_csv(tmp_path, [HEADERS, enterprise_row(1), bad]), SKELETON)

    [error] = roster.errors
    assert (error.row, error.column) == (3, "企业名称")
    assert error.message.startswith(message)
    assert [r.row for r in roster.rows] == [2]


def test_a_second_roster_sheet_is_named_as_not_read(tmp_path):
    book = Workbook()
    book.active.title = "机构A"
    for row in (HEADERS, enterprise_row(1)):
        book.active.append(row)
    other = book.create_sheet("机构B")
    for row in (HEADERS[:3], enterprise_row(2)[:3]):  # short of columns: a roster all the same
        other.append(row)
    path = tmp_path / "名单.xlsx"
    book.save(path)

    roster = read_roster(path, SKELETON)

    assert [r.row for r in roster.rows] == [2]
    assert roster.notices == ["工作表「机构B」也有名单表头，未读取；只读取了工作表「机构A」"]


def test_unrecognised_columns_are_named(tmp_path):
    headers = ["序号", *HEADERS[:6], "服务时间"]
    row = [1, *enterprise_row(1)]

    roster = read_roster(save_roster(tmp_path, [headers, row]), SKELETON)

    assert roster.rows[0].dates == []
    assert roster.notices == ["未识别的列已忽略：序号、服务时间（名单中没有的列：服务日期）"]


def test_header_short_of_a_column_lists_what_it_saw(tmp_path):
    headers = ["企业名称", "信用代码号", "所在镇（开发区）", "诊断服务机构"]

    with pytest.raises(InputError) as caught:
        read_roster(save_roster(tmp_path, [headers, enterprise_row(1)[:4]]), SKELETON)

    assert caught.value.problems[0].message == (
        "表头缺少必需的列：统一社会信用代码；未识别的列：信用代码号")


def test_hidden_rows_are_read_and_named(tmp_path):
    book = Workbook()
    for row in (HEADERS, *(enterprise_row(i) for i in range(3))):
        book.active.append(row)
    book.active.row_dimensions[3].hidden = True
    path = tmp_path / "名单.xlsx"
    book.save(path)

    roster = read_roster(path, SKELETON)

    assert len(roster.rows) == 3
    assert roster.notices == ["第 3 行在 Excel 中是隐藏行，仍已读取；不需要的企业请删除这些行"]


@pytest.mark.parametrize("headers", [
    ["企业名称（全称）", "统一社会信用代码（18位）*", "所属镇", *HEADERS[3:]],
    ["单位名称", "信用代码", "所在镇/开发区", *HEADERS[3:]],
], ids=["notes-in-brackets", "other-words"])
def test_headers_worded_as_offices_word_them(tmp_path, headers):
    roster = read_roster(save_roster(tmp_path, [headers, enterprise_row(1)]), SKELETON)

    assert roster.errors == [] and roster.notices == []
    assert roster.rows[0].credit_code == enterprise_row(1)[1]


@pytest.mark.parametrize("delimiter", [";", "\t"], ids=["semicolon", "tab"])
def test_csv_separated_otherwise_than_by_commas(tmp_path, delimiter):
    path = tmp_path / "名单.csv"
    path.write_text("\n".join(delimiter.join(map(str, r))
                              for r in (HEADERS, enterprise_row(1))), "utf-8")

    roster = read_roster(path, SKELETON)

    assert roster.errors == []
    assert roster.rows[0].name == enterprise_row(1)[0]


@pytest.mark.parametrize("typed", ["'{code}", '="{code}"', "=\"{code}\""],
                         ids=["apostrophe", "formula", "formula-escaped"])
def test_credit_code_kept_as_text_the_excel_way(tmp_path, typed):
    row = enterprise_row(1)
    row[1] = typed.format(code=row[1]).replace('\\"', '"')

    roster = read_roster(save_csv(tmp_path, [HEADERS, row]), SKELETON)

    assert roster.errors == []
    assert roster.rows[0].credit_code == enterprise_row(1)[1]


def test_one_code_under_two_names_names_both(tmp_path):
    other = enterprise_row(1)
    other[0] = "常州市另一家有限公司"

    roster = read_roster(save_roster(tmp_path, [HEADERS, enterprise_row(1), other]), SKELETON)

    [error] = roster.errors
    assert (error.row, error.column) == (3, "统一社会信用代码")
    assert error.message == (f"与第 2 行重复（信用代码相同，但第 2 行的企业名称是"
                             f"“{enterprise_row(1)[0]}”，请核对）")


def test_the_examples_code_under_a_real_name_is_refused(tmp_path):
    template = tmp_path / "模板.xlsx"
    write_template(template, SKELETON)
    book = load_workbook(template)
    sheet = book["名单"]
    example = [c.row for c in sheet["A"] if "示例行" in str(c.value)][0]
    sheet.cell(example, 1, "常州市真实精密机械有限公司")
    book.save(template)

    roster = read_roster(template, SKELETON)

    assert roster.rows == []
    assert [(e.column, e.message) for e in roster.errors] == [
        ("统一社会信用代码", "这是名单模板示例行的代码，请填写该企业自己的统一社会信用代码")]


@pytest.mark.parametrize("name, content, message", [
    ("名单.ods", b"PK", "只支持 .xlsx 与 .csv 名单（.ods 请在 WPS 或 LibreOffice 中另存为 .xlsx）"),
    ("名单.xlsx", None, "无法作为 Excel 文件打开：文件已损坏，或并非 Excel 文件而只是改了扩展名"),
], ids=["ods", "zip-renamed"])
def test_files_that_are_not_rosters_say_what_to_do(tmp_path, name, content, message):
    path = tmp_path / name
    if content is None:
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("readme.txt", "不是表格")
    else:
        path.write_bytes(content)

    with pytest.raises(InputError) as caught:
        read_roster(path, SKELETON)

    assert caught.value.problems[0].message.startswith(message)


@pytest.mark.parametrize("make, message", [
    (lambda p: None, "文件不存在"),
    (lambda p: p.mkdir(), "这是一个文件夹，不是名单文件"),
    (lambda p: p.write_bytes(b"PK\x03\x04" + b"\0" * 40),
     "这是 Excel（或其他 Office）文件，扩展名却是 .csv"),
], ids=["missing", "a-folder", "xlsx-renamed"])
def test_a_csv_path_that_is_no_csv_says_so(tmp_path, make, message):
    path = tmp_path / "名单.csv"
    make(path)

    with pytest.raises(InputError) as caught:
        read_roster(path, SKELETON)

    assert caught.value.problems[0].message.startswith(message)


def test_formulas_saved_without_results_are_named(tmp_path):
    # openpyxl, like many programs, writes formulas without computing them.
    rows = [HEADERS, enterprise_row(1), enterprise_row(2), enterprise_row(3)]
    rows[2][0] = '=A2&"分公司"'
    rows[3][6] = "=DATE(2022,6,15)"

    roster = read_roster(save_roster(tmp_path, rows), SKELETON)

    assert [r.row for r in roster.rows] == [2]
    assert [(e.row, e.column) for e in roster.errors] == [(3, "企业名称"), (4, "服务日期")]
    assert roster.errors[0].message.startswith("是公式，但文件中没有保存它的计算结果")


@pytest.mark.parametrize("column, value, message", [
    (0, "常州市\u202e司公限有\u202c机械", "含有改变文字方向的控制字符"),
    (0, "..", "“..”不是企业名称：没有一个字或字母"),
    (4, "项目\x07负责人", "含有 Word 文件无法保存的字符U+0007"),
], ids=["direction-override", "no-word", "control-in-a-lead"])
def test_names_that_would_print_or_list_other_than_typed(tmp_path, column, value, message):
    row = enterprise_row(1)
    row[column] = value

    roster = read_roster(save_csv(tmp_path, [HEADERS, row]), SKELETON)

    [error] = roster.errors
    assert error.column == HEADERS[column]
    assert error.message.startswith(message)


def test_file_names_never_carry_direction_overrides():
    # Refused in the roster and the report input; file names hold to it on their own too.
    assert file_stem("常州市\u202e司公限有\u202c机械") == "常州市_司公限有_机械"
