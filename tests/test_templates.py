"""Custom templates: every problem reported before storing; the sandbox holds at render."""

from __future__ import annotations

import pytest
from docx import Document

from service.paths import TEMPLATES
from tests.helpers import EXAMPLES, find_one, run_zgsz


@pytest.mark.parametrize("kind", ["report", "attachment1", "attachment2", "attachment3"])
def test_our_own_templates_lint_clean(kind):
    result = run_zgsz("template", "lint", str(TEMPLATES / f"{kind}.docx"), "--kind", kind)

    assert result.returncode == 0, result.stderr
    assert "模板检查通过" in result.stdout


def hostile_template(path):
    document = Document(TEMPLATES / "report.docx")
    document.add_paragraph("{{ enterprise.nmae }}")
    document.add_paragraph("{{ ''.__class__.__mro__ }}")
    document.add_paragraph("{{ budget_total }}")
    split = document.add_paragraph()
    split.add_run("{{ agency.")
    split.add_run("name }}").bold = True
    header = document.sections[-1].header.add_paragraph("{{ enterprise.name }")
    assert header.text
    document.save(path)
    return path


def test_lint_reports_every_problem_at_once(tmp_path):
    result = run_zgsz("template", "lint", str(hostile_template(tmp_path / "t.docx")))

    assert result.returncode == 1
    lines = result.stderr
    assert "“{{”与“}}”不成对" in lines
    assert "enterprise.nmae 不存在" in lines
    assert "不允许访问 __mro__" in lines
    assert "变量 budget_total 不存在" in lines
    assert "标记“{{ agency.name }}”被拆成了几段" in lines
    assert "word/header" in lines and "word/document.xml" in lines


def test_a_template_with_errors_is_not_stored(tmp_path):
    env = {"ZGSZ_TEMPLATE_DIR": str(tmp_path / "kept")}

    result = run_zgsz("template", "add", str(hostile_template(tmp_path / "t.docx")),
                      "--name", "机构版", env=env)

    assert result.returncode == 1
    assert "模板有误，未保存" in result.stderr
    assert not (tmp_path / "kept").exists() or not list((tmp_path / "kept").iterdir())


def test_a_stored_template_is_used_for_the_report(tmp_path):
    env = {"ZGSZ_TEMPLATE_DIR": str(tmp_path / "kept")}
    document = Document(TEMPLATES / "report.docx")
    document.add_paragraph("本报告按{{ agency.name }}的定制模板生成")
    document.save(tmp_path / "mine.docx")

    added = run_zgsz("template", "add", str(tmp_path / "mine.docx"), "--name", "机构版",
                     env=env)
    listed = run_zgsz("template", "list", env=env)
    report = run_zgsz("report", str(EXAMPLES / "machining_parts.yaml"), "-o",
                      str(tmp_path / "out"), "--no-pdf", "--template", "机构版", env=env)

    assert added.returncode == 0, added.stderr
    assert "机构版" in listed.stdout
    assert report.returncode == 0, report.stderr
    text = "\n".join(p.text for p in Document(
        find_one(tmp_path / "out", "诊断报告", suffix=".docx")).paragraphs)
    assert "本报告按常州示例智能制造咨询服务有限公司的定制模板生成" in text


def test_sandbox_stops_a_template_that_skipped_the_lint(tmp_path):
    kept = tmp_path / "kept"
    kept.mkdir()
    document = Document(TEMPLATES / "report.docx")
    document.add_paragraph("{{ ''.__class__.__mro__[1].__subclasses__() }}")
    document.save(kept / "偷渡.report.docx")
    env = {"ZGSZ_TEMPLATE_DIR": str(kept)}

    result = run_zgsz("report", str(EXAMPLES / "machining_parts.yaml"), "-o",
                      str(tmp_path / "out"), "--no-pdf", "--template", "偷渡", env=env)

    assert result.returncode == 2
    assert "试图访问不允许的内容" in result.stderr
    assert not list((tmp_path / "out").glob("*.docx"))
