"""`zgsz compliance`: a folder of inputs with known shortfalls yields exactly those."""

from __future__ import annotations

import copy

import pytest
import yaml
from openpyxl import load_workbook
from PIL import Image

from tests.conftest import write_yaml
from tests.helpers import EXAMPLES, pdf_text, run_zgsz, squeeze
from tests.roster_data import credit_code

AGENCY_A = "常州示例智能制造咨询服务有限公司"
AGENCY_B = "江苏示例工业互联网服务有限公司"
SECOND_PLANT = "常州市澄曜示例第二机械有限公司"
CHEMICAL = "常州市岚拓示例涂料科技有限公司"
MACHINING = "常州市澄曜示例精密机械有限公司"


def sample(name: str) -> dict:
    return yaml.safe_load((EXAMPLES / f"{name}.yaml").read_text("utf-8"))


def with_photos(data: dict, count: int = 1) -> dict:
    for visit in data["visits"]:
        visit["photos"] = [f"photo{n}.jpg" for n in range(1, count + 1)]
    return data


@pytest.fixture
def folder(tmp_path):
    """Agency A: two enterprises, one training too few; its second enterprise had one
    expert at an on-site visit. Agency B: four people; its enterprise had no follow-up
    and three photos at one visit."""
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    for n in (1, 2, 3):
        Image.new("RGB", (800, 600), "grey").save(inputs / f"photo{n}.jpg")

    first = with_photos(sample("machining_parts"))
    first["agency"]["trainings"] = first["agency"]["trainings"][:1]
    write_yaml(inputs, first, "a1.yaml")

    second = copy.deepcopy(first)
    second["enterprise"]["name"] = SECOND_PLANT
    second["enterprise"]["credit_code"] = credit_code(99)  # another enterprise
    second["visits"][1]["experts"] = second["visits"][1]["experts"][:1]
    write_yaml(inputs, second, "a2.yaml")

    chemical = with_photos(sample("chemical_plant"))
    chemical["agency"]["team"] = chemical["agency"]["team"][:4]
    chemical["visits"] = [v for v in chemical["visits"] if v["kind"] != "回访"]
    chemical["visits"][0]["photos"] = ["photo1.jpg", "photo2.jpg", "photo3.jpg"]
    write_yaml(inputs, chemical, "b1.yaml")
    return inputs


EXPECTED = {
    (AGENCY_A, "", "专题培训"),
    (AGENCY_A, SECOND_PLANT, "现场诊断专家人数"),
    (AGENCY_A, SECOND_PLANT, "诊断报告"),
    (AGENCY_B, "", "诊断团队人数"),
    (AGENCY_B, CHEMICAL, "企业回访"),
    (AGENCY_B, CHEMICAL, "现场照片"),
    (AGENCY_B, CHEMICAL, "诊断报告"),
}


def shortfalls(workbook) -> set[tuple[str, str, str]]:
    agencies = workbook["机构"]
    enterprises = workbook["企业"]
    found = {(row[0], "", row[1]) for row in agencies.iter_rows(min_row=2, values_only=True)
             if row[4] == "不符合"}
    found |= {(row[0], row[1], row[2])
              for row in enterprises.iter_rows(min_row=2, values_only=True)
              if row[5] == "不符合"}
    return found


def test_known_shortfalls_are_exactly_reported(folder, tmp_path, libreoffice):
    out = tmp_path / "out" / "合规检查.xlsx"

    result = run_zgsz("compliance", str(folder), "-o", str(out))

    assert result.returncode == 1, result.stderr
    workbook = load_workbook(out)
    assert workbook.sheetnames == ["机构", "企业"]
    assert shortfalls(workbook) == EXPECTED
    assert workbook["企业"].max_row - 1 == 3 * 5  # every rule of every enterprise

    pdf = squeeze(pdf_text(out.with_suffix(".pdf")))
    assert "7项不符合" in pdf
    assert "诊断团队只有4人" in pdf
    assert "第1次入企（2022-08-09，现场诊断）照片3张" in pdf
    assert "没有回访记录" in pdf


def test_each_shortfall_is_named_on_the_console(folder, tmp_path):
    out = tmp_path / "out" / "合规检查.xlsx"

    result = run_zgsz("compliance", str(folder), "-o", str(out), "--no-pdf")

    assert result.returncode == 1
    assert "7 项不符合" in result.stderr
    assert f"{AGENCY_A} › 专题培训：只报送 1 次专题培训" in result.stderr
    assert f"{AGENCY_A} › {SECOND_PLANT} › 现场诊断专家人数：第2次入企" in result.stderr
    assert "到场专家 1 名（visits[1].experts）" in result.stderr


def test_compliant_agency_passes(tmp_path):
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    Image.new("RGB", (800, 600), "grey").save(inputs / "photo1.jpg")
    write_yaml(inputs, with_photos(sample("machining_parts")), "a1.yaml")

    result = run_zgsz("compliance", str(inputs), "-o", str(tmp_path / "ok.xlsx"),
                      "--no-pdf")

    assert result.returncode == 0, result.stderr
    assert "全部符合要求" in result.stdout
    assert shortfalls(load_workbook(tmp_path / "ok.xlsx")) == set()


def test_one_enterprise_in_two_files_is_named(tmp_path):
    import shutil

    from service.compliance import check_folder
    from tests.helpers import EXAMPLES

    shutil.copy(EXAMPLES / "machining_parts.yaml", tmp_path / "a.yaml")
    shutil.copy(EXAMPLES / "machining_parts.yaml", tmp_path / "b.yaml")

    result = check_folder(tmp_path)

    [duplicate] = [c for c in result.shortfalls if c.rule == "一企一份输入"]
    assert duplicate.source == "a.yaml、b.yaml"
    assert "请只保留一份" in duplicate.detail
