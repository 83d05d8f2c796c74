"""Charts and pictures in the report: present in the DOCX and the PDF, at print
resolution, within the text width, drawn in SC glyphs."""

from __future__ import annotations

import re
import subprocess
import zipfile

from docx import Document
from fontTools.ttLib import TTCollection
from PIL import Image

from service.charts import FONT_FAMILY, FONT_FILE, chart_font
from service.checks import validate
from service.drafts import draft_sections
from service.figures import TEXT_WIDTH_MM
from service.loading import parse_input
from tests.conftest import write_yaml
from tests.helpers import find_one, run_zgsz

MIN_DPI = 200
MM_PER_INCH = 25.4


def placed_images(pdf) -> list[dict]:
    """Every image XObject as poppler reports it: pixels and pixels per inch as placed."""
    listing = subprocess.run(["pdfimages", "-list", str(pdf)], capture_output=True,
                             text=True, check=True).stdout.splitlines()[2:]
    images = []
    for line in listing:
        cols = line.split()
        if cols[2] == "image":
            images.append({"page": int(cols[0]), "width": int(cols[3]),
                           "height": int(cols[4]), "x_ppi": float(cols[12]),
                           "y_ppi": float(cols[13])})
    return images


def test_charts_are_in_the_docx(sample_outputs):
    docx = find_one(sample_outputs["machining_parts"], "诊断报告", suffix=".docx")

    media = [n for n in zipfile.ZipFile(docx).namelist() if n.startswith("word/media/")]
    document = Document(docx)

    assert len(media) == 2
    widths_mm = [shape.width.mm for shape in document.inline_shapes]
    assert len(widths_mm) == 2 and all(w <= TEXT_WIDTH_MM for w in widths_mm)


def test_charts_are_in_the_pdf_at_print_resolution(sample_outputs):
    pdf = find_one(sample_outputs["machining_parts"], "诊断报告", suffix=".pdf")

    images = placed_images(pdf)

    assert len(images) == 2, images
    for image in images:
        assert image["x_ppi"] >= MIN_DPI and image["y_ppi"] >= MIN_DPI, image
        placed_width_mm = image["width"] / image["x_ppi"] * MM_PER_INCH
        assert placed_width_mm <= TEXT_WIDTH_MM + 0.5, image


def test_chart_font_draws_simplified_chinese():
    font = chart_font()
    sc = next(f for f in TTCollection(FONT_FILE).fonts
              if f["name"].getDebugName(1) == FONT_FAMILY)
    jp = next(f for f in TTCollection(FONT_FILE).fonts
              if f["name"].getDebugName(1) == "Noto Sans CJK JP")

    from matplotlib import font_manager
    used = font_manager.get_font(font_manager.findfont(font))
    glyph = sc.getGlyphOrder()[used.get_char_index(ord("直"))]

    assert glyph == sc.getBestCmap()[ord("直")]
    assert glyph != jp.getBestCmap()[ord("直")]


def test_level_not_matching_its_score_is_reported(sample_data):
    sample_data["assessments"]["cmmm"]["level"] = 3
    del sample_data["report"]["sections"]["assessments"]

    data = parse_input(sample_data)
    problem = {p.code: p for p in validate(data).errors}["cmmm.level_mismatch"]

    assert problem.label == "两评估结果 › 智能制造能力成熟度评估 › 成熟度等级"
    assert "得分 2.14 对应 2 级（规范级），与填写的 3 级不符" in problem.message
    assert "对应2级（规范级），与填写的3级不一致" in draft_sections(data)["assessments"]


def test_photos_fill_the_text_width_with_proportions_kept(sample_data, tmp_path):
    Image.new("RGB", (1800, 900), "steelblue").save(tmp_path / "wide.jpg")
    Image.new("RGB", (900, 1600), "seagreen").save(tmp_path / "tall.jpg")
    sample_data["visits"][0]["photos"] = ["wide.jpg", "tall.jpg"]
    path = write_yaml(tmp_path, sample_data)

    run_zgsz("report", str(path), "-o", str(tmp_path / "out"), "--no-pdf", check=True)

    docx = find_one(tmp_path / "out", "诊断报告", suffix=".docx")
    shapes = [(s.width.mm, s.height.mm) for s in Document(docx).inline_shapes]
    assert len(shapes) == 4
    wide, tall = shapes[0], shapes[1]
    assert abs(wide[0] - TEXT_WIDTH_MM) < 0.1
    assert abs(wide[0] / wide[1] - 1800 / 900) < 0.01
    assert tall[0] < TEXT_WIDTH_MM and abs(tall[0] / tall[1] - 900 / 1600) < 0.01
    text = "".join(p.text for p in Document(docx).paragraphs)
    assert re.search(r"第1次入企（2022年7月12日，现场诊断）现场照片", text)


def test_missing_photo_file_is_named(sample_data, tmp_path):
    sample_data["visits"][1]["photos"] = ["nowhere.jpg"]
    path = write_yaml(tmp_path, sample_data)

    result = run_zgsz("validate", str(path))

    assert result.returncode == 1
    assert "入企服务记录[第2条] › 现场照片[第1条]（visits[1].photos[0]）" in result.stderr
    assert "图片文件 nowhere.jpg 不存在" in result.stderr


def test_photo_that_is_not_an_image_is_named(sample_data, tmp_path):
    (tmp_path / "notes.jpg").write_text("not a picture", "utf-8")
    sample_data["visits"][1]["photos"] = ["notes.jpg"]
    path = write_yaml(tmp_path, sample_data)

    result = run_zgsz("validate", str(path))

    assert result.returncode == 1
    assert "（visits[1].photos[0]）：notes.jpg 不是可读的 JPEG 或 PNG 图片" in result.stderr
