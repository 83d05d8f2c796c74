"""The batch lays out its forms from flat ODF (service.odf_batch), not from DOCX; the
pages must be those of each enterprise's own DOCX, as printed."""

from __future__ import annotations

import csv
import json
import subprocess
from pathlib import Path

import pytest
from openpyxl import Workbook

from service.batch import forms_context
from service.convert import Converter
from service.odf_batch import (
    PROTO_INDEX,
    PrototypeError,
    prototype_docx,
    prototype_row,
    read_prototype,
)
from service.render import render_forms_batch
from service.roster import read_roster
from service.skeleton import load_skeleton
from tests.helpers import run_zgsz
from tests.roster_data import HEADERS, enterprise_row

LONG_NAME = "常州市武进区" + "高新技术产业开发区智能装备精密传动零部件" * 2 + "有限公司"


def tricky_rows() -> list[list]:
    rows = [enterprise_row(i) for i in range(5)]
    rows[0][0] = "常州 A&B <精密>  机械有限公司"          # markup characters, two spaces
    rows[1][0] = LONG_NAME[:60]                           # wraps onto a second line
    rows[1][3] = "常州“智造”&数字化 <咨询> 有限公司"
    rows[2][6] = ""                                       # no date: the blank sheet
    rows[2][0] = "+常州市测试公式开头机械有限公司"               # a formula to Excel
    rows[3][6] = "2022-06-15、2022年8月2日、2022/9/30"     # three visits, three sheets
    rows[4][0] = 'zgszvagencyx zgsz987654f1 table:name="T" 公司'  # our own markers
    return rows


def page_images(pdf: Path, prefix: Path) -> list[bytes]:
    subprocess.run(["pdftoppm", "-r", "40", "-gray", str(pdf), str(prefix)], check=True)
    return [p.read_bytes() for p in sorted(prefix.parent.glob(f"{prefix.name}-*.pgm"))]


@pytest.fixture(scope="module")
def batch(tmp_path_factory, libreoffice):
    folder = tmp_path_factory.mktemp("odf")
    book = Workbook()
    book.active.append(HEADERS)
    for row in tricky_rows():
        book.active.append(row)
    roster = folder / "名单.xlsx"
    book.save(roster)
    result = run_zgsz("forms", str(roster), "--forms", "1,2,3", "-o", str(folder / "out"),
                      "--chunk-size", "2", check=True)
    # Had the prototype been unusable, the batch would have used DOCX and said so.
    assert "prototype unusable" not in result.stderr
    return roster, folder


def test_batch_pages_are_the_single_enterprise_pages(batch, tmp_path):
    roster_path, folder = batch
    skeleton = load_skeleton("wujin-2022")
    roster = read_roster(roster_path, skeleton)
    parts = sorted((folder / "out" / "分企业").glob("*.pdf"))
    assert len(parts) == len(roster.rows) == 5

    with Converter() as converter:
        for index, (row, part) in enumerate(zip(roster.rows, parts, strict=True)):
            docx = render_forms_batch([forms_context(row, skeleton, index)], (1, 2, 3))
            own = tmp_path / f"own{index}.pdf"
            own.write_bytes(converter.to_pdf(docx, update_index=False))

            expected = page_images(own, tmp_path / f"own{index}")
            got = page_images(part, tmp_path / f"batch{index}")
            assert len(got) == len(expected) == max(len(row.dates), 1) + 2, row.name
            assert got == expected, f"{row.name}: batch pages differ from its own DOCX"


def test_a_prototype_without_its_page_marks_is_refused(libreoffice):
    skeleton = load_skeleton("wujin-2022")

    docx = prototype_docx(forms_context(prototype_row(), skeleton, PROTO_INDEX), (1, 2, 3),
                          draft=False)
    with Converter() as converter:
        fodt = converter.convert(docx, "fodt", update_index=False)
    assert read_prototype(fodt, (1, 2, 3)).pages.keys() == {"f1", "f1-blank", "f2", "f3"}

    broken = fodt.replace(f"zgsz{PROTO_INDEX}f2".encode(), b"somethingelse")
    with pytest.raises(PrototypeError, match="页面标记"):
        read_prototype(broken, (1, 2, 3))


def test_manifest_csv_keeps_a_name_that_looks_like_a_formula_as_text(batch):
    _, folder = batch
    with open(folder / "out" / "清单.csv", encoding="utf-8-sig", newline="") as handle:
        names = [row["企业名称"] for row in csv.DictReader(handle)]
    records = json.loads((folder / "out" / "清单.json").read_text("utf-8"))

    assert "'+常州市测试公式开头机械有限公司" in names
    assert "+常州市测试公式开头机械有限公司" in [r["企业名称"] for r in records]
