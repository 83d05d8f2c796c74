"""`zgsz forms` on a 30-row roster, read back from the PDFs staff would print."""

from __future__ import annotations

import csv
import json
import zipfile

import pytest
from openpyxl import Workbook
from pypdf import PdfReader

from tests.helpers import run_zgsz, squeeze
from tests.roster_data import HEADERS, enterprise_row

ROWS = 30
BAD = {5: "企业名称", 12: "统一社会信用代码", 20: "所在镇（开发区）"}  # data index -> column


def roster_rows() -> list[list]:
    rows = [HEADERS]
    for i in range(ROWS):
        row = enterprise_row(i)
        if i % 4 == 0:
            row[6] = "2022-06-15、2022-08-20"  # two visits: two sign-in sheets
        rows.append(row)
    rows[1 + 5][0] = ""
    rows[1 + 12][1] = "91320412MA1XW7K30X"
    rows[1 + 20][2] = "不存在镇"
    return rows


@pytest.fixture(scope="module")
def batch(tmp_path_factory, libreoffice):
    folder = tmp_path_factory.mktemp("forms")
    book = Workbook()
    for row in roster_rows():
        book.active.append(row)
    roster = folder / "名单.xlsx"
    book.save(roster)
    out = folder / "out"

    result = run_zgsz("forms", str(roster), "--forms", "1,2,3", "-o", str(out),
                      "--pad-even", "--chunk-size", "8")
    return result, out


def test_bad_rows_are_reported_and_the_rest_produced(batch):
    result, out = batch

    assert result.returncode == 1
    assert "3 行未生成" in result.stderr
    for index, column in BAD.items():
        assert f"第 {index + 2} 行「{column}」列" in result.stderr
    assert len(list((out / "分企业").glob("*.pdf"))) == ROWS - len(BAD)


def test_each_split_pdf_holds_its_own_enterprise_only(batch):
    _, out = batch
    names = {squeeze(enterprise_row(i)[0]): i for i in range(ROWS)}

    for pdf in sorted((out / "分企业").glob("*.pdf")):
        text = squeeze("".join(p.extract_text() for p in PdfReader(pdf).pages))
        present = [i for name, i in names.items() if name in text]
        assert len(present) == 1, (pdf.name, present)
        assert squeeze(enterprise_row(present[0])[0]) in pdf.name
        sheets = 2 if present[0] % 4 == 0 else 1
        assert len(PdfReader(pdf).pages) == sheets + 2


def test_merged_pdf_is_the_parts_padded_with_a_bookmark_each(batch):
    _, out = batch
    parts = [len(PdfReader(p).pages) for p in (out / "分企业").glob("*.pdf")]

    merged = PdfReader(out / "全部表单_打印版.pdf")

    assert len(merged.pages) == sum(n + n % 2 for n in parts)
    titles = [item.title for item in merged.outline]
    assert len(titles) == ROWS - len(BAD)
    assert titles[0] == f"0001 {enterprise_row(0)[0]}"


def test_manifests_map_every_row(batch):
    _, out = batch

    records = json.loads((out / "清单.json").read_text("utf-8"))
    with open(out / "清单.csv", encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))

    assert len(records) == len(rows) == ROWS
    failed = {r["行号"]: r["问题"] for r in records if r["状态"] == "失败"}
    assert set(failed) == {i + 2 for i in BAD}
    assert "不存在镇" in failed[22]
    done = [r for r in records if r["状态"] == "成功"]
    assert all((out / r["PDF"]).is_file() for r in done)


def test_zip_holds_everything(batch):
    _, out = batch

    with zipfile.ZipFile(out / "全部文件.zip") as archive:
        names = set(archive.namelist())

    assert "全部表单_打印版.pdf" in names and "清单.csv" in names
    assert sum(1 for n in names if n.startswith("分企业/")) == ROWS - len(BAD)
