"""`zgsz` as a user runs it: exit codes, messages, what lands in the output folder."""

from __future__ import annotations

import json
import subprocess

from pypdf import PdfReader

from tests.conftest import write_yaml
from tests.helpers import (
    find_one,
    pdf_text,
    run_zgsz,
    seed_form_lines,
    seed_line_pattern,
    squeeze,
)


def break_input(data: dict) -> dict:
    """Three problems at once: bad credit code, nine scenarios, one expert on site."""
    data["enterprise"]["credit_code"] = data["enterprise"]["credit_code"][:17] + "0"
    data["report"]["scenarios"] = data["report"]["scenarios"][:9]
    visit = next(v for v in data["visits"] if v["kind"] == "现场诊断")
    visit["experts"] = visit["experts"][:1]
    return data


def test_validate_lists_every_problem_and_fails(sample_data, tmp_path):
    path = write_yaml(tmp_path, break_input(sample_data))

    result = run_zgsz("validate", str(path))

    assert result.returncode == 1
    assert "统一社会信用代码" in result.stderr
    assert "当前只有 9 个不重复场景" in result.stderr
    assert "本次 1 名" in result.stderr


def test_validate_json_output(sample_data, tmp_path):
    path = write_yaml(tmp_path, break_input(sample_data))

    result = run_zgsz("validate", str(path), "--json")

    body = json.loads(result.stdout)
    codes = {e["code"] for e in body["errors"]}
    assert codes == {"enterprise.credit_code", "scenario.too_few",
                     "visit.too_few_experts"}


def test_unreadable_input_names_line(tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text("enterprise: [unclosed\n", "utf-8")

    result = run_zgsz("validate", str(path))

    assert result.returncode == 2
    assert "YAML 格式错误" in result.stderr
    assert "第 2 行" in result.stderr


def test_final_report_with_errors_writes_no_documents(sample_data, tmp_path):
    path = write_yaml(tmp_path, break_input(sample_data))
    out = tmp_path / "out"

    result = run_zgsz("report", str(path), "-o", str(out))

    assert result.returncode == 1
    assert "未生成正式文件" in result.stderr
    assert sorted(p.name for p in out.iterdir()) == ["validation.json"]
    saved = json.loads((out / "validation.json").read_text("utf-8"))
    assert len(saved["errors"]) == 3


def test_draft_marks_pages_and_lists_what_is_missing(sample_data, tmp_path, libreoffice):
    path = write_yaml(tmp_path, break_input(sample_data))
    out = tmp_path / "out"

    result = run_zgsz("report", str(path), "-o", str(out), "--draft")

    assert result.returncode == 0, result.stderr
    report = find_one(out, "诊断报告", "草稿", suffix=".pdf")
    last_page = squeeze(PdfReader(report).pages[-1].extract_text())
    assert "草稿待补事项" in last_page
    assert "当前只有9个不重复场景" in last_page
    assert "统一社会信用代码" in last_page
    draft_form = find_one(out, "附件2", "草稿", suffix=".pdf")
    assert _watermark_pixels(draft_form) > 5 * _watermark_pixels(_final_form(tmp_path))


def _final_form(tmp_path):
    """The same form, not a draft: to compare the watermark against."""
    out = tmp_path / "final"
    run_zgsz("blank-forms", "-o", str(out), check=True)
    return find_one(out, "附件2", suffix=".pdf")


def _watermark_pixels(pdf) -> int:
    """Pixels of the watermark's pale grey on page 1, as a printer would put them."""
    ppm = subprocess.run(["pdftoppm", "-r", "20", "-f", "1", "-l", "1", "-gray", str(pdf)],
                         capture_output=True, check=True).stdout
    header_end = ppm.index(b"255\n") + 4
    return sum(1 for value in ppm[header_end:] if 228 <= value <= 242)


def test_schema_has_chinese_titles():
    result = run_zgsz("schema", check=True)

    schema = json.loads(result.stdout)
    assert schema["title"] == "“智改数转”诊断输入"
    enterprise = schema["$defs"]["Enterprise"]["properties"]
    assert enterprise["credit_code"]["title"] == "统一社会信用代码"


def test_blank_forms_reproduce_the_seed(tmp_path, libreoffice):
    run_zgsz("blank-forms", "-o", str(tmp_path), check=True)

    for number in (1, 2, 3):
        pdf = find_one(tmp_path, f"附件{number}", suffix=".pdf")
        text = squeeze(pdf_text(pdf))
        missing = [line for line in seed_form_lines(number)
                   if not seed_line_pattern(line).search(text)]
        assert missing == [], (number, missing)

    confirmation = squeeze(pdf_text(find_one(tmp_path, "附件2", suffix=".pdf")))
    assert confirmation.count("_______________（诊断服务机构名称）") == 2
    sheet = squeeze(pdf_text(find_one(tmp_path, "附件1", suffix=".pdf")))
    assert "服务日期：年月日" in sheet
    assert "✓" not in squeeze(pdf_text(find_one(tmp_path, "附件3", suffix=".pdf")))


def test_hostile_text_renders_or_is_named(sample_data, tmp_path, libreoffice):
    sample_data["enterprise"]["address"] = "常州市<武进区> & \"湖塘\" '㐀路𠮷号'\x07"
    path = write_yaml(tmp_path, sample_data)

    final = run_zgsz("report", str(path), "-o", str(tmp_path / "final"), "--no-pdf")
    draft = run_zgsz("report", str(path), "-o", str(tmp_path / "draft"), "--draft")

    assert final.returncode == 1
    assert "地址（enterprise.address）：含有 Word 文件无法保存的字符U+0007" in final.stderr
    assert draft.returncode == 0, draft.stderr
    report = find_one(tmp_path / "draft", "诊断报告", suffix=".pdf")
    assert "常州市<武进区>&\"湖塘\"'㐀路𠮷号'" in squeeze(pdf_text(report))
