"""`zgsz check` on a report a person edited in Word."""

from __future__ import annotations

import json

import pytest
from docx import Document

from tests.helpers import EXAMPLES, find_one, run_zgsz


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    out = tmp_path_factory.mktemp("check")
    run_zgsz("report", str(EXAMPLES / "machining_parts.yaml"), "-o", str(out),
             "--no-pdf", check=True)
    return find_one(out, "诊断报告", suffix=".docx")


def heading(document, title_part):
    return next(p for p in document.paragraphs
                if p.style.name == "Heading 1" and title_part in p.text)


def delete_section(document, title_part):
    """Remove a heading and everything up to the next heading, as a user would."""
    start = heading(document, title_part)._p
    node = start
    while True:
        following = node.getnext()
        node.getparent().remove(node)
        node = following
        style = node.find(".//{*}pStyle") if node is not None else None
        if node is None or (style is not None and "Heading1" in str(style.values())):
            break


def test_generated_report_passes(generated):
    result = run_zgsz("check", str(generated), "--json")

    body = json.loads(result.stdout)
    assert result.returncode == 0, result.stdout
    assert body["problems"] == []
    assert body["body_chars"] > 3000


def test_four_edits_give_four_located_problems(generated, tmp_path):
    document = Document(generated)
    delete_section(document, "智能化与数字化发展现状")
    heading(document, "服务商推荐方案").runs[0].text = "七、供应商建议"
    gaps = heading(document, "能力短板分析")._p.getnext()
    while gaps.tag.endswith("tbl") or not "".join(gaps.itertext()).strip() \
            or "清单" in "".join(gaps.itertext()):
        gaps = gaps.getnext()
    paragraph = next(p for p in document.paragraphs if p._p is gaps)
    paragraph.add_run("（具体数据待补充）")
    scenario_table = next(t for t in document.tables if t.rows[0].cells[2].text == "场景")
    repeated = scenario_table.rows[1].cells[2].text
    scenario_table.rows[4].cells[2].paragraphs[0].runs[0].text = repeated
    edited = tmp_path / "edited.docx"
    document.save(edited)

    result = run_zgsz("check", str(edited), "--json")

    problems = json.loads(result.stdout)["problems"]
    assert result.returncode == 1
    found = {p["code"]: p for p in problems}
    assert sorted(found) == ["scenario.repeated", "section.missing", "section.renamed",
                             "text.placeholder"], problems
    assert found["section.missing"]["label"] == "章节“智能化与数字化发展现状”"
    assert "应为“服务商推荐方案”" in found["section.renamed"]["message"]
    assert found["section.renamed"]["label"] == "章节“七、供应商建议”"
    assert found["text.placeholder"]["label"].endswith("第1段")
    assert "能力短板分析" in found["text.placeholder"]["label"]
    assert found["scenario.repeated"]["label"].endswith("表格第5行")
    assert "与表格第2行相同" in found["scenario.repeated"]["message"]


def test_not_a_word_file(tmp_path):
    path = tmp_path / "报告.docx"
    path.write_text("plain text", "utf-8")

    result = run_zgsz("check", str(path))

    assert result.returncode == 2
    assert "不是有效的 Word" in result.stderr
