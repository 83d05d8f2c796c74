"""The sample enterprises' documents, read back from the PDFs a bureau would print."""

from __future__ import annotations

import json
import re

import pytest
import yaml
from pypdf import PdfReader

from service.pipeline import check_pdf
from service.skeleton import load_skeleton
from service.textcount import han_count
from tests.helpers import (
    EXAMPLES,
    find_one,
    pdf_text,
    seed_form_lines,
    seed_line_pattern,
    squeeze,
)

SAMPLES = ("machining_parts", "chemical_plant")


def sample(name: str) -> dict:
    return yaml.safe_load((EXAMPLES / f"{name}.yaml").read_text("utf-8"))


@pytest.mark.parametrize("name", SAMPLES)
def test_every_document_is_written_as_docx_and_pdf(sample_outputs, name):
    folder = sample_outputs[name]

    for word in ("诊断报告", "附件1", "附件2", "附件3"):
        find_one(folder, word, suffix=".docx")
        find_one(folder, word, suffix=".pdf")
    assert (folder / "validation.json").is_file()
    assert not list(folder.glob(".zgsz-*")), "temporary files left behind"


@pytest.mark.parametrize("name", SAMPLES)
def test_report_pdf_has_headings_name_and_body(sample_outputs, name):
    data = sample(name)
    report = find_one(sample_outputs[name], "诊断报告", suffix=".pdf")
    text = squeeze(pdf_text(report))

    assert squeeze(data["enterprise"]["name"]) in text
    for section in load_skeleton("wujin-2022").ordered():
        assert squeeze(section.title) in text, section.title
    assert han_count(text) > 3000


@pytest.mark.parametrize("name", SAMPLES)
def test_table_of_contents_lists_sections_with_pages(sample_outputs, name):
    report = find_one(sample_outputs[name], "诊断报告", suffix=".pdf")
    contents = PdfReader(report).pages[1].extract_text()

    first = load_skeleton("wujin-2022").ordered()[0].title
    assert re.search(rf"一、{first}\.+\s*1\b", contents), contents


@pytest.mark.parametrize("name", SAMPLES)
def test_validation_json_reports_body_length_and_rule(sample_outputs, name):
    result = json.loads((sample_outputs[name] / "validation.json").read_text("utf-8"))

    assert result["ok"] is True
    assert result["body_chars"] > 3000
    assert "只计汉字" in result["counting_rule"]
    assert result["errors"] == []


@pytest.mark.parametrize("name", SAMPLES)
def test_pdfs_are_a4_with_every_font_embedded_in_sc_glyphs(sample_outputs, name):
    pdfs = sorted(sample_outputs[name].glob("*.pdf"))
    assert len(pdfs) == 4

    for pdf in pdfs:
        check = check_pdf(pdf.read_bytes())
        assert check["a4"], pdf.name
        assert check["fonts_not_embedded"] == [], pdf.name
        assert check["non_sc_chars"] == "", (pdf.name, check["non_sc_chars"])
        # Only the fonts the templates name: nothing LibreOffice fell back to.
        assert all("CJK" in font for font in check["fonts"]), check["fonts"]


def test_sc_check_catches_japanese_glyphs(libreoffice, tmp_path):
    """The SC check itself must fail on a document written in Japanese glyph forms."""
    from docx import Document
    from docx.oxml.ns import qn

    from service.convert import Converter

    doc = Document()
    run = doc.add_paragraph().add_run("今令直骨")
    fonts = run._r.get_or_add_rPr().get_or_add_rFonts()
    fonts.set(qn("w:eastAsia"), "Noto Serif CJK JP")
    lang = run._r.get_or_add_rPr().makeelement(qn("w:lang"), {qn("w:eastAsia"): "ja-JP"})
    run._r.get_or_add_rPr().append(lang)
    path = tmp_path / "jp.docx"
    doc.save(path)

    with Converter() as converter:
        check = check_pdf(converter.to_pdf(path.read_bytes()))

    assert set(check["non_sc_chars"]) >= {"令", "直"}


@pytest.mark.parametrize("number", [1, 2, 3])
def test_filled_attachments_keep_every_seed_label(sample_outputs, number):
    pdf = find_one(sample_outputs["machining_parts"], f"附件{number}", suffix=".pdf")
    text = squeeze(pdf_text(pdf))

    missing = [line for line in seed_form_lines(number)
               if not seed_line_pattern(line).search(text)]
    assert missing == []


def test_sign_in_sheet_has_one_page_per_visit_left_for_signatures(sample_outputs):
    data = sample("machining_parts")
    pdf = find_one(sample_outputs["machining_parts"], "附件1", suffix=".pdf")
    pages = [squeeze(p.extract_text()) for p in PdfReader(pdf).pages]

    visits = sorted(data["visits"], key=lambda v: str(v["date"]))
    assert len(pages) == len(visits)
    for page, visit in zip(pages, visits, strict=True):
        day = visit["date"]
        assert f"服务日期：{day.year}年{day.month}月{day.day}日" in page
        for person in visit["attendees"]:
            assert squeeze(person["unit"]) in page
            # Names and phones are written by each attendee: the sheet proves presence.
            assert squeeze(person["name"]) not in page
            assert str(person["phone"]) not in page


def test_confirmation_form_names_the_agency_in_both_blanks(sample_outputs):
    data = sample("machining_parts")
    pdf = find_one(sample_outputs["machining_parts"], "附件2", suffix=".pdf")
    text = squeeze(pdf_text(pdf))

    agency = squeeze(data["agency"]["name"])
    assert text.count(f"{agency}（诊断服务机构名称）") == 2
    assert "____" not in text


def test_survey_ticks_each_grade_given(sample_outputs):
    data = sample("machining_parts")
    pdf = find_one(sample_outputs["machining_parts"], "附件3", suffix=".pdf")
    reader = PdfReader(pdf)

    assert len(reader.pages) == 1
    ticks = pdf_text(pdf).count("✓")
    assert ticks == len(data["acceptance"]["survey"]) + 1
