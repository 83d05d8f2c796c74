"""`zgsz ledger`: the per-enterprise ledger, read back as a bureau would receive it."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile

import pikepdf
import pytest
import yaml
from docx import Document
from PIL import Image
from pypdf import PdfReader

from service.convert import Converter
from service.pipeline import check_pdf
from tests.helpers import EXAMPLES, find_one, run_zgsz, squeeze

PARTS = ["封面", "目录", "诊断报告", "智能制造能力成熟度评估报告", "两化融合评估报告",
         "附件1 签到表", "现场照片", "附件2 诊断服务确认单", "附件3 服务商诊断服务满意度调查表"]
MM = 72 / 25.4


ENTERPRISE = "常州市澄曜示例精密机械有限公司"


def small_pdf(converter: Converter, title: str, pages: int,
              enterprise: str = ENTERPRISE) -> bytes:
    document = Document()
    for page in range(pages):
        document.add_paragraph(f"{enterprise} {title} 第{page + 1}页")
        if page < pages - 1:
            document.add_page_break()
    buffer = io.BytesIO()
    document.save(buffer)
    return converter.to_pdf(buffer.getvalue())


@pytest.fixture(scope="module")
def materials(tmp_path_factory, libreoffice):
    """The sample enterprise with a photo per visit, its report and two assessments."""
    folder = tmp_path_factory.mktemp("ledger")
    data = yaml.safe_load((EXAMPLES / "machining_parts.yaml").read_text("utf-8"))
    for i, visit in enumerate(data["visits"]):
        Image.new("RGB", (1200, 800), (40 * i, 120, 200)).save(folder / f"现场{i}.jpg")
        visit["photos"] = [f"现场{i}.jpg"]
    input_path = folder / "input.yaml"
    input_path.write_text(yaml.safe_dump(data, allow_unicode=True), "utf-8")

    run_zgsz("report", str(input_path), "-o", str(folder / "gen"), "--no-pdf", check=True)
    with Converter() as converter:
        (folder / "cmmm.pdf").write_bytes(small_pdf(converter, "成熟度评估报告", 2))
        (folder / "lianghua.pdf").write_bytes(small_pdf(converter, "两化融合评估报告", 3))
    return {
        "folder": folder,
        "input": input_path,
        "visits": len(data["visits"]),
        "report": find_one(folder / "gen", "诊断报告", suffix=".docx"),
        "args": ["--cmmm", str(folder / "cmmm.pdf"), "--lianghua",
                 str(folder / "lianghua.pdf")],
    }


@pytest.fixture(scope="module")
def ledger(materials):
    out = materials["folder"] / "out"
    result = run_zgsz("ledger", str(materials["input"]), "--report",
                      str(materials["report"]), *materials["args"], "-o", str(out),
                      "--sign-fields", "--pdfa")
    assert result.returncode == 0, result.stderr
    return out


def outline(path) -> list[tuple[str, int]]:
    with pikepdf.open(path) as pdf, pdf.open_outline() as tree:
        return [(item.title, pdf.pages.index(item.destination[0])) for item in tree.root]


def test_bookmarks_follow_the_seed_list_with_expected_pages(ledger, materials):
    pdf = find_one(ledger, "台账", suffix=".pdf")
    marks = outline(pdf)

    assert [title for title, _ in marks] == PARTS
    starts = dict(marks)
    assert starts["智能制造能力成熟度评估报告"] + 2 == starts["两化融合评估报告"]
    assert starts["两化融合评估报告"] + 3 == starts["附件1 签到表"]
    assert starts["现场照片"] - starts["附件1 签到表"] == materials["visits"]
    photos_end = starts["附件2 诊断服务确认单"]
    assert photos_end - starts["现场照片"] == materials["visits"]
    assert len(PdfReader(pdf).pages) == starts["附件3 服务商诊断服务满意度调查表"] + 1


def test_contents_page_lists_each_part_with_its_page(ledger):
    pdf = find_one(ledger, "台账", suffix=".pdf")
    contents = squeeze(PdfReader(pdf).pages[1].extract_text())

    for title, page in outline(pdf)[2:]:
        assert f"{squeeze(title)}{page + 1}" in contents, (title, contents)


def test_every_page_carries_the_ledger_id(ledger):
    pdf = find_one(ledger, "台账", suffix=".pdf")
    manifest = json.loads(find_one(ledger, "清单", suffix=".json").read_text("utf-8"))
    reader = PdfReader(pdf)

    for number, page in enumerate(reader.pages, start=1):
        text = squeeze(page.extract_text())
        assert f"台账编号{manifest['ledger_id']}第{number}页" in text, number


def test_manifest_hashes_match_the_files(ledger, materials):
    manifest = json.loads(find_one(ledger, "清单", suffix=".json").read_text("utf-8"))
    archive = zipfile.ZipFile(find_one(ledger, "台账", suffix=".zip"))
    named = [entry for entry in manifest["files"] if entry["name"]]

    assert manifest["complete"] is True
    for entry in named:
        content = archive.read(entry["name"])
        assert hashlib.sha256(content).hexdigest() == entry["sha256"], entry["name"]
    assert {e["name"].split("/")[-1] for e in named} >= {
        "input.yaml", "cmmm.pdf", "lianghua.pdf", materials["report"].name, "现场0.jpg"}
    ledger_entry = next(e for e in named if e["role"] == "台账 PDF")
    pdf = find_one(ledger, "台账", suffix=".pdf").read_bytes()
    assert hashlib.sha256(pdf).hexdigest() == ledger_entry["sha256"]


def test_signature_fields_sit_on_the_seal_areas(ledger):
    pdf = find_one(ledger, "台账", suffix=".pdf")
    starts = dict(outline(pdf))

    with pikepdf.open(pdf) as document:
        fields = {str(f.T): f for f in document.Root.AcroForm.Fields}
        pages = {str(f.T): document.pages.index(f.P) for f in fields.values()}
        boxes = {name: [float(v) for v in f.Rect] for name, f in fields.items()}

    assert set(fields) == {"agency_seal_confirmation", "enterprise_seal_confirmation",
                           "enterprise_seal_survey"}
    assert pages["agency_seal_confirmation"] == starts["附件2 诊断服务确认单"]
    assert pages["enterprise_seal_survey"] == starts["附件3 服务商诊断服务满意度调查表"]
    for name, (x1, y1, x2, y2) in boxes.items():
        assert round((x2 - x1) / MM) == 42 and round((y2 - y1) / MM) == 42, name
        assert 0 < x1 and x2 < 210 * MM and 0 < y1 and y2 < 297 * MM, name
    agency, enterprise = boxes["agency_seal_confirmation"], boxes["enterprise_seal_confirmation"]
    assert agency[2] < enterprise[0]  # side by side, the agency on the left


def test_pdfa_option_writes_identification_and_embeds_fonts(ledger):
    pdf = find_one(ledger, "台账", suffix=".pdf")

    with pikepdf.open(pdf) as document:
        assert document.open_metadata().pdfa_status == "2B"
        assert len(document.Root.OutputIntents) >= 1
    assert check_pdf(pdf.read_bytes())["fonts_not_embedded"] == []


def test_final_ledger_refuses_a_missing_assessment(materials):
    out = materials["folder"] / "incomplete"

    result = run_zgsz("ledger", str(materials["input"]), "--report",
                      str(materials["report"]), "--cmmm", materials["args"][1],
                      "-o", str(out))

    assert result.returncode == 1
    assert "缺少两化融合评估报告（--lianghua）" in result.stderr
    assert not list(out.glob("*.pdf"))


def test_final_ledger_refuses_another_enterprises_assessment(materials):
    other = materials["folder"] / "other.pdf"
    with Converter() as converter:
        other.write_bytes(small_pdf(converter, "两化融合评估报告", 1, "某某他厂有限公司"))
    out = materials["folder"] / "foreign"

    result = run_zgsz("ledger", str(materials["input"]), "--report",
                      str(materials["report"]), "--cmmm", materials["args"][1],
                      "--lianghua", str(other), "-o", str(out))

    assert result.returncode == 1
    assert "两化融合评估报告（other.pdf）中找不到企业名称" in result.stderr
    assert not list(out.glob("*.pdf"))


def test_ledger_id_is_the_same_for_the_same_files(ledger, materials):
    manifest = json.loads(find_one(ledger, "清单", suffix=".json").read_text("utf-8"))
    again = materials["folder"] / "again"

    run_zgsz("ledger", str(materials["input"]), "--report", str(materials["report"]),
             *materials["args"], "-o", str(again), check=True)

    repeated = json.loads(find_one(again, "清单", suffix=".json").read_text("utf-8"))
    assert repeated["ledger_id"] == manifest["ledger_id"]


def test_draft_ledger_lists_what_is_missing_on_its_cover(materials):
    out = materials["folder"] / "draft"

    result = run_zgsz("ledger", str(materials["input"]), "--report",
                      str(materials["report"]), "-o", str(out), "--draft")

    assert result.returncode == 0, result.stderr
    pdf = find_one(out, "台账", "草稿", suffix=".pdf")
    contents = squeeze(PdfReader(pdf).pages[1].extract_text())
    assert "尚缺材料" in contents and "两化融合评估报告" in contents


def test_scanned_signed_copy_replaces_the_generated_form(materials):
    scans = materials["folder"] / "scans"
    scans.mkdir()
    Image.new("RGB", (1240, 1754), (250, 250, 250)).save(scans / "附件2_已盖章.png")
    out = materials["folder"] / "scanned"

    result = run_zgsz("ledger", str(materials["input"]), "--report",
                      str(materials["report"]), *materials["args"], "--scans", str(scans),
                      "-o", str(out), "--sign-fields")

    assert result.returncode == 0, result.stderr
    manifest = json.loads(find_one(out, "清单", suffix=".json").read_text("utf-8"))
    assert any(e["name"] == "原始文件/附件2_已盖章.png" for e in manifest["files"])
    with pikepdf.open(find_one(out, "台账", suffix=".pdf")) as document:
        names = {str(f.T) for f in document.Root.AcroForm.Fields}
    assert names == {"enterprise_seal_survey"}  # the scan is sealed on paper already
