"""First-draft text: a structured input with no narrative still makes a full report,
its drafted paragraphs marked, and a final report refuses it until an expert rewrites it."""

from __future__ import annotations

import json
import zipfile

from service.checks import validate
from service.drafts import draft_sections
from service.loading import parse_input
from service.skeleton import load_skeleton
from service.textcount import han_count
from tests.conftest import write_yaml
from tests.helpers import find_one, pdf_text, run_zgsz, squeeze

REQUIRED = [s for s in load_skeleton("wujin-2022").ordered() if s.required]


def without_narrative(data: dict) -> dict:
    data["report"]["sections"] = {}
    return data


def test_structured_input_alone_passes_the_body_length(sample_data):
    result = validate(parse_input(without_narrative(sample_data)))

    assert result.body_chars >= 3000, result.section_chars
    assert "body.too_short" not in {p.code for p in result.errors}
    assert result.drafted == [s.id for s in REQUIRED]


def test_draft_report_marks_drafted_paragraphs(sample_data, tmp_path, libreoffice):
    path = write_yaml(tmp_path, without_narrative(sample_data))
    out = tmp_path / "out"

    result = run_zgsz("report", str(path), "-o", str(out), "--draft")

    assert result.returncode == 0, result.stderr
    docx = find_one(out, "诊断报告", "草稿", suffix=".docx")
    xml = zipfile.ZipFile(docx).read("word/document.xml").decode("utf-8")
    assert xml.count('<w:highlight w:val="yellow"/>') >= len(REQUIRED)
    text = squeeze(pdf_text(find_one(out, "诊断报告", "草稿", suffix=".pdf")))
    assert squeeze(f"本次诊断由{sample_data['agency']['name']}承担") in text
    assert "诊断组将企业智能化、数字化能力短板归纳为以下6个方面" in text
    assert han_count(text) > 3000
    saved = json.loads((out / "validation.json").read_text("utf-8"))
    assert saved["body_chars"] >= 3000


def test_typed_text_is_not_highlighted(sample_outputs):
    docx = find_one(sample_outputs["machining_parts"], "诊断报告", suffix=".docx")

    xml = zipfile.ZipFile(docx).read("word/document.xml").decode("utf-8")

    assert "w:highlight" not in xml


def test_final_report_names_each_drafted_section(sample_data, tmp_path):
    data = sample_data
    for section_id in ("gaps", "vendors"):
        del data["report"]["sections"][section_id]
    path = write_yaml(tmp_path, data)

    result = run_zgsz("report", str(path), "-o", str(tmp_path / "out"), "--no-pdf")

    assert result.returncode == 1
    drafted = [line for line in result.stderr.splitlines() if "初稿" in line]
    assert len(drafted) == 2, result.stderr
    assert "企业智能化/数字化能力短板分析" in drafted[0]
    assert "服务商推荐方案" in drafted[1]


def test_missing_fact_becomes_a_placeholder_that_fails_a_final_report(sample_data):
    del sample_data["enterprise"]["equipment"]
    del sample_data["report"]["sections"]["digital_status"]

    data = parse_input(sample_data)
    text = draft_sections(data)["digital_status"]
    problems = {p.code: p for p in validate(data).errors}

    assert "【待补充：关键设备清单】" in text
    assert "关键设备清单" in problems["text.placeholder"].message
    assert problems["text.placeholder"].path == "report.sections.digital_status"


def test_placeholder_left_in_typed_text_fails(sample_data):
    sample_data["report"]["sections"]["basic_info"] += "\n员工人数为【待补充：员工人数】。"

    problem = {p.code: p for p in validate(parse_input(sample_data)).errors}[
        "text.placeholder"]

    assert problem.label == "报告内容 › 章节正文 › 企业基本情况"
    assert "员工人数" in problem.message


def test_drafts_are_the_same_every_time(sample_data):
    data = parse_input(without_narrative(sample_data))

    assert draft_sections(data) == draft_sections(data)
