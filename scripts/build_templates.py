"""Builds the Word templates in templates_docx/ from code, so every label is reviewable.

Run it after changing a form: `.venv/bin/python scripts/build_templates.py`. The .docx
files it writes are committed; people may also edit them in Word, keeping the {{ }} tags.

The attachments reproduce the seed (武工信发〔2022〕47号, 附件1-3) label for label,
including its wording quirks such as “项目负责人（签字：）” and “经济实用型”.
"""

from __future__ import annotations

from pathlib import Path

from docx import Document
from docx.enum.section import WD_SECTION
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_ROW_HEIGHT_RULE
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK, WD_COLOR_INDEX
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Mm, Pt

OUT = Path(__file__).resolve().parents[1] / "templates_docx"

SERIF = "Noto Serif CJK SC"  # body text, the Song-style face
SANS = "Noto Sans CJK SC"  # headings and titles, the Hei-style face
LANG = "zh-CN"

# The standard Word watermark shape (VML text path); LibreOffice imports it as well.
WATERMARK = """<w:r %s><w:pict>
<v:shapetype id="_x0000_t136" coordsize="21600,21600" o:spt="136" adj="10800"
 path="m@7,l@8,m@5,21600l@6,21600e"><v:formulas><v:f eqn="sum #0 0 10800"/>
<v:f eqn="prod #0 2 1"/><v:f eqn="sum 21600 0 @1"/><v:f eqn="sum 0 0 @2"/>
<v:f eqn="sum 21600 0 @3"/><v:f eqn="if @0 @3 0"/><v:f eqn="if @0 21600 @1"/>
<v:f eqn="if @0 0 @2"/><v:f eqn="if @0 @4 21600"/><v:f eqn="mid @5 @6"/>
<v:f eqn="mid @8 @5"/><v:f eqn="mid @7 @8"/><v:f eqn="mid @6 @7"/>
<v:f eqn="sum @6 0 @5"/></v:formulas><v:path textpathok="t" o:connecttype="custom"
 o:connectlocs="@9,0;@10,10800;@11,21600;@12,10800" o:connectangles="270,180,90,0"/>
<v:textpath on="t" fitshape="t"/><o:lock v:ext="edit" text="t" shapetype="t"/>
</v:shapetype>
<v:shape id="ZgszDraftWatermark" o:spid="_x0000_s1025" type="#_x0000_t136"
 style="position:absolute;margin-left:0;margin-top:0;width:440pt;height:220pt;
 rotation:315;z-index:-251654144;mso-position-horizontal:center;
 mso-position-horizontal-relative:margin;mso-position-vertical:center;
 mso-position-vertical-relative:margin" o:allowincell="f" fillcolor="#c8c8c8"
 stroked="f"><v:fill opacity=".45"/>
<v:textpath style="font-family:&quot;Noto Sans CJK SC&quot;;font-size:1pt" string="草稿"/>
</v:shape></w:pict></w:r>""" % (
    nsdecls("w") + ' xmlns:v="urn:schemas-microsoft-com:vml"'
    ' xmlns:o="urn:schemas-microsoft-com:office:office"'
)


# ---------------------------------------------------------------- document basics


def _set_fonts(rpr, face: str) -> None:
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in list(fonts.attrib):
        del fonts.attrib[attr]
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attr), face)

    # LibreOffice picks the CJK face by the East Asian language: without zh-CN it draws
    # Japanese glyphs. Latin text stays English, or words like ISO 9001 break anywhere.
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        rpr.append(lang)
    lang.set(qn("w:val"), "en-US")
    lang.set(qn("w:eastAsia"), LANG)


def _style_font(style, face: str, size: float, bold: bool = False) -> None:
    style.font.size = Pt(size)
    style.font.bold = bold
    style.font.italic = False
    style.font.color.rgb = None
    rpr = style.element.get_or_add_rPr()
    for tag in ("w:color", "w:i", "w:iCs"):
        for el in rpr.findall(qn(tag)):
            rpr.remove(el)
    _set_fonts(rpr, face)


def _first_line_indent(style, chars: int) -> None:
    ppr = style.element.get_or_add_pPr()
    ind = ppr.find(qn("w:ind"))
    if ind is None:
        ind = OxmlElement("w:ind")
        ppr.append(ind)
    # Word reads firstLineChars; LibreOffice 7.4 only honours the twips value.
    ind.set(qn("w:firstLineChars"), str(chars * 100))
    ind.set(qn("w:firstLine"), str(chars * 240))


def new_document() -> Document:
    doc = Document()
    styles = doc.styles

    defaults = styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault"))
    _set_fonts(defaults.find(qn("w:rPr")), SERIF)

    normal = styles["Normal"]
    _style_font(normal, SERIF, 12)
    normal.paragraph_format.line_spacing = 1.5
    normal.paragraph_format.space_after = Pt(0)

    for name, size in (("Heading 1", 16), ("Heading 2", 14), ("Title", 22)):
        style = styles[name]
        _style_font(style, SANS, size, bold=True)
        style.paragraph_format.space_before = Pt(12)
        style.paragraph_format.space_after = Pt(6)
        style.paragraph_format.keep_with_next = True
    styles["Title"].paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _drop_title_border(styles["Title"])

    for name in ("Header", "Footer"):
        _style_font(styles[name], SERIF, 9)

    body = styles.add_style("Body Text Indent ZG", WD_STYLE_TYPE.PARAGRAPH)
    body.base_style = normal
    body.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    _first_line_indent(body, 2)

    cell = styles.add_style("Table Text ZG", WD_STYLE_TYPE.PARAGRAPH)
    cell.base_style = normal
    _style_font(cell, SERIF, 10.5)
    cell.paragraph_format.line_spacing = 1.15

    caption = styles.add_style("Table Caption ZG", WD_STYLE_TYPE.PARAGRAPH)
    caption.base_style = normal
    _style_font(caption, SANS, 10.5, bold=True)
    caption.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    caption.paragraph_format.space_before = Pt(6)
    caption.paragraph_format.keep_with_next = True

    _a4(doc.sections[0])
    _update_fields_on_open(doc)
    return doc


def _drop_title_border(style) -> None:
    ppr = style.element.get_or_add_pPr()
    for el in ppr.findall(qn("w:pBdr")):
        ppr.remove(el)


def _update_fields_on_open(doc) -> None:
    # Word then offers to refresh the table of contents when the file is opened.
    settings = doc.settings.element
    flag = OxmlElement("w:updateFields")
    flag.set(qn("w:val"), "true")
    settings.append(flag)


def _a4(section) -> None:
    # GB/T 9704 margins for official documents: top 37, bottom 35, left 28, right 26 mm.
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    section.header_distance, section.footer_distance = Mm(15), Mm(20)


def para(container, text: str = "", style: str | None = None, *, bold=False,
         size: float | None = None, align=None, face: str | None = None):
    p = container.add_paragraph(style=style)
    if text:
        run = p.add_run(text)
        run.bold = bold or None
        if size:
            run.font.size = Pt(size)
        if face:
            _set_fonts(run._r.get_or_add_rPr(), face)
    if align is not None:
        p.alignment = align
    return p


def tag(container, statement: str):
    """A paragraph that holds only a docxtpl paragraph tag, e.g. `{%p if x %}`."""
    return para(container, statement)


def page_break(container):
    p = container.add_paragraph()
    p.add_run().add_break(WD_BREAK.PAGE)
    return p


def add_field(paragraph, instruction: str, placeholder: str = "") -> None:
    def run_with(child):
        run = paragraph.add_run()
        run._r.append(child)

    begin = OxmlElement("w:fldChar")
    begin.set(qn("w:fldCharType"), "begin")
    begin.set(qn("w:dirty"), "true")
    run_with(begin)
    instr = OxmlElement("w:instrText")
    instr.set(qn("xml:space"), "preserve")
    instr.text = f" {instruction} "
    run_with(instr)
    sep = OxmlElement("w:fldChar")
    sep.set(qn("w:fldCharType"), "separate")
    run_with(sep)
    paragraph.add_run(placeholder)
    end = OxmlElement("w:fldChar")
    end.set(qn("w:fldCharType"), "end")
    run_with(end)


def page_number_footer(section) -> None:
    """Page numbers in the seed's style: “- 1 -”, centred."""
    footer = section.footer
    footer.is_linked_to_previous = False
    p = footer.paragraphs[0]
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    p.add_run("- ")
    add_field(p, "PAGE", "1")
    p.add_run(" -")


def watermark_header(section, text_tag: str | None = None) -> None:
    header = section.header
    header.is_linked_to_previous = False
    first = header.paragraphs[0]
    if text_tag:
        first.text = text_tag
        first.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _bottom_border(first)
    tag(header, "{%p if draft %}")
    mark = header.add_paragraph()
    mark._p.append(parse_xml(WATERMARK))
    tag(header, "{%p endif %}")


def _bottom_border(paragraph) -> None:
    ppr = paragraph._p.get_or_add_pPr()
    border = parse_xml(
        f'<w:pBdr {nsdecls("w")}><w:bottom w:val="single" w:sz="6" w:space="1" '
        'w:color="000000"/></w:pBdr>'
    )
    ppr.append(border)


# ---------------------------------------------------------------- tables


def _cell_text(cell, text: str, *, bold=False, align=WD_ALIGN_PARAGRAPH.CENTER,
               style="Table Text ZG"):
    cell.text = ""
    p = cell.paragraphs[0]
    p.style = style
    p.alignment = align
    if text:
        run = p.add_run(text)
        run.bold = bold or None
    cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
    return p


def _widths(table, widths_mm: list[float]) -> None:
    table.autofit = False
    for row in table.rows:
        for cell, width in zip(row.cells, widths_mm, strict=False):
            cell.width = Mm(width)
    grid = table._tbl.tblGrid
    for col, width in zip(grid.findall(qn("w:gridCol")), widths_mm, strict=False):
        col.set(qn("w:w"), str(int(Mm(width).twips)))


def _row_height(row, mm: float, exact: bool = False) -> None:
    row.height = Mm(mm)
    row.height_rule = WD_ROW_HEIGHT_RULE.EXACTLY if exact else WD_ROW_HEIGHT_RULE.AT_LEAST


def _no_borders(table) -> None:
    tbl_pr = table._tbl.tblPr
    borders = parse_xml(
        f'<w:tblBorders {nsdecls("w")}>'
        + "".join(f'<w:{side} w:val="nil"/>' for side in
                  ("top", "left", "bottom", "right", "insideH", "insideV"))
        + "</w:tblBorders>"
    )
    tbl_pr.append(borders)


def _repeat_header(row) -> None:
    tr_pr = row._tr.get_or_add_trPr()
    header = OxmlElement("w:tblHeader")
    tr_pr.append(header)


def loop_table(doc, caption: str, headers: list[str], cells: list[str],
               loop: str, widths: list[float]):
    """A table with a header row and one row repeated by docxtpl's {%tr for %}."""
    para(doc, caption, "Table Caption ZG")
    table = doc.add_table(rows=4, cols=len(headers))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, headers, strict=True):
        _cell_text(cell, text, bold=True)
    _repeat_header(table.rows[0])
    _cell_text(table.rows[1].cells[0], f"{{%tr for {loop} %}}")
    for i, (cell, text) in enumerate(zip(table.rows[2].cells, cells, strict=True)):
        align = WD_ALIGN_PARAGRAPH.CENTER if i == 0 else WD_ALIGN_PARAGRAPH.LEFT
        _cell_text(cell, text, align=align)
    _cell_text(table.rows[3].cells[0], "{%tr endfor %}")
    _widths(table, widths)
    para(doc)
    return table


# ---------------------------------------------------------------- the report


def _cover_lines(doc, rows) -> None:
    """A cover's centred “label：value” lines, then the page ends."""
    for _ in range(4):
        para(doc)
    for label, value in rows:
        para(doc, f"{label}：{value}", align=WD_ALIGN_PARAGRAPH.CENTER, size=14)
    page_break(doc)


def build_report() -> None:
    doc = new_document()
    cover = doc.sections[0]
    watermark_header(cover)

    for _ in range(3):
        para(doc)
    para(doc, "{{ programme.name }}", align=WD_ALIGN_PARAGRAPH.CENTER, size=16,
         face=SANS)
    para(doc)
    para(doc, "{{ title }}", "Title")
    _cover_lines(doc, (("被诊断企业", "{{ enterprise.name }}"),
                       ("诊断服务机构", "{{ agency.name }}"),
                       ("委托单位", "{{ programme.bureau }}"),
                       ("报告日期", "{{ report_date }}")))

    para(doc, "目    录", align=WD_ALIGN_PARAGRAPH.CENTER, bold=True, size=16, face=SANS)
    toc = para(doc)
    add_field(toc, 'TOC \\o "1-2" \\h \\z \\u',
              "（目录在生成 PDF 时更新；在 Word 中按 F9 更新目录）")

    body = doc.add_section(WD_SECTION.NEW_PAGE)
    _a4(body)
    watermark_header(body, "{{ enterprise.name }}“智改数转”诊断报告")
    page_number_footer(body)
    pg = OxmlElement("w:pgNumType")
    pg.set(qn("w:start"), "1")
    body._sectPr.append(pg)

    tag(doc, "{%p for s in sections %}")
    para(doc, "{{ s.heading }}", "Heading 1")
    _section_tables(doc)
    tag(doc, "{%p for para in s.paragraphs %}")
    tag(doc, "{%p if para.draft %}")
    # Text drafted from data, highlighted for the expert to revise.
    drafted = para(doc, "{{ para.text }}", "Body Text Indent ZG")
    drafted.runs[0].font.highlight_color = WD_COLOR_INDEX.YELLOW
    tag(doc, "{%p else %}")
    para(doc, "{{ para.text }}", "Body Text Indent ZG")
    tag(doc, "{%p endif %}")
    tag(doc, "{%p endfor %}")
    _section_figures(doc)
    tag(doc, "{%p endfor %}")

    tag(doc, "{%p if draft %}")
    page_break(doc)
    para(doc, "草稿待补事项", align=WD_ALIGN_PARAGRAPH.CENTER, bold=True, size=16,
         face=SANS)
    para(doc, "本页仅在草稿中出现。以下问题处理完毕后方可生成正式文件：")
    tag(doc, "{%p for item in draft_problems %}")
    para(doc, "{{ loop.index }}. {{ item }}")
    tag(doc, "{%p endfor %}")
    tag(doc, "{%p if not draft_problems %}")
    para(doc, "（无）")
    tag(doc, "{%p endif %}")
    tag(doc, "{%p endif %}")

    _save(doc, "report.docx")


# The sections' list tables: skeleton key, caption, headers, cells, loop, widths (mm).
LOOP_TABLES = (
    ("assessments", "两评估结果表", ["评估", "结果", "得分", "评估日期"],
     ["{{ a.name }}", "{{ a.result }}", "{{ a.score }}", "{{ a.date }}"],
     "a in assessment_rows", [52, 44, 26, 34]),
    ("gaps", "能力短板清单", ["序号", "领域", "现状", "短板问题"],
     ["{{ loop.index }}", "{{ g.area }}", "{{ g.current }}", "{{ g.problem }}"],
     "g in report.gaps", [12, 28, 56, 60]),
    ("scenarios", "推荐典型场景表（对照{{ catalogue_title }}）",
     ["序号", "环节", "场景", "推荐理由"],
     ["{{ loop.index }}", "{{ c.link }}", "{{ c.id }} {{ c.name }}", "{{ c.reason }}"],
     "c in scenario_rows", [12, 26, 40, 78]),
    ("projects", "改造项目计划表",
     ["序号", "项目名称", "涉及场景", "投资估算（万元）", "周期（月）", "预期效益"],
     ["{{ loop.index }}", "{{ p.name }}", "{{ p.scenario_text }}", "{{ p.investment }}",
      "{{ p.months }}", "{{ p.benefit }}"],
     "p in project_rows", [12, 30, 34, 18, 14, 48]),
    ("vendors", "推荐服务商表", ["序号", "服务商名称", "服务领域", "推荐理由"],
     ["{{ loop.index }}", "{{ v.name }}", "{{ v.field }}", "{{ v.reason }}"],
     "v in report.vendors", [12, 44, 34, 66]),
    ("benchmarks", "同行业国内对标标杆企业", ["序号", "标杆企业", "所在地区", "可借鉴之处"],
     ["{{ loop.index }}", "{{ b.name }}", "{{ b.region }}", "{{ b.lesson }}"],
     "b in report.benchmarks", [12, 44, 24, 76]),
)


def _section_tables(doc) -> None:
    """Each section's table, chosen by the skeleton's `table` key, before its text."""
    tag(doc, '{%p if s.table == "basic_info" %}')
    para(doc, "企业基本信息表", "Table Caption ZG")
    table = doc.add_table(rows=6, cols=4)
    table.style = "Table Grid"
    rows = (
        ("企业名称", "{{ enterprise.name }}", "统一社会信用代码",
         "{{ enterprise.credit_code }}"),
        ("所在镇（开发区）", "{{ enterprise.town }}", "所属行业", "{{ enterprise.industry }}"),
        ("企业规模", "{{ enterprise.scale }}", "员工人数", "{{ enterprise.employees }} 人"),
        ("年营业收入", "{{ revenue_text }}", "企业联系人",
         "{{ enterprise.contact.name }}（{{ enterprise.contact.position }}）"),
        ("主要产品", "{{ products_text }}", "", ""),
        ("地址", "{{ enterprise.address }}", "", ""),
    )
    for row, texts in zip(table.rows, rows, strict=True):
        for i, (cell, text) in enumerate(zip(row.cells, texts, strict=True)):
            _cell_text(cell, text, bold=i % 2 == 0,
                       align=WD_ALIGN_PARAGRAPH.CENTER if i % 2 == 0
                       else WD_ALIGN_PARAGRAPH.LEFT)
    for r in (4, 5):
        merged = table.rows[r].cells[1].merge(table.rows[r].cells[3])
        _cell_text(merged, rows[r][1], align=WD_ALIGN_PARAGRAPH.LEFT)
    _widths(table, [26, 46, 32, 52])
    para(doc)
    tag(doc, "{%p endif %}")

    for key, caption, headers, cells, loop, widths in LOOP_TABLES:
        tag(doc, f'{{%p if s.table == "{key}" %}}')
        loop_table(doc, caption, headers, cells, loop, widths)
        tag(doc, "{%p endif %}")


def _figure(doc, image: str, caption: str) -> None:
    """A centred image (a docxtpl InlineImage) with its caption below."""
    p = para(doc, f"{{{{ {image} }}}}", align=WD_ALIGN_PARAGRAPH.CENTER)
    p.paragraph_format.keep_with_next = True
    p.paragraph_format.line_spacing = 1.0
    para(doc, caption, "Table Caption ZG")


def _section_figures(doc) -> None:
    """What the skeleton's `figures` add after a section's text, when there is data."""
    tag(doc, '{%p if "equipment" in s.figures and equipment_rows %}')
    loop_table(doc, "关键设备清单",
               ["类别", "设备名称", "规格型号", "数量", "使用状态", "供应商", "制造商所在地"],
               ["{{ r.kind }}", "{{ r.name }}", "{{ r.model }}", "{{ r.quantity }}",
                "{{ r.status }}", "{{ r.supplier }}", "{{ r.location }}"],
               "r in equipment_rows", [28, 28, 24, 12, 20, 28, 16])
    tag(doc, "{%p endif %}")

    tag(doc, '{%p if "software" in s.figures and software_rows %}')
    loop_table(doc, "关键软件清单",
               ["类别", "软件名称", "版本", "部署方式", "单价（万元）", "使用状态", "供应商",
                "制造商所在地"],
               ["{{ r.kind }}", "{{ r.name }}", "{{ r.version }}", "{{ r.deployment }}",
                "{{ r.price }}", "{{ r.status }}", "{{ r.supplier }}", "{{ r.location }}"],
               "r in software_rows", [22, 26, 16, 18, 14, 18, 26, 16])
    tag(doc, "{%p endif %}")

    tag(doc, '{%p if "photos" in s.figures %}')
    tag(doc, "{%p for photo in photos %}")
    _figure(doc, "photo.picture", "{{ photo.caption }}")
    tag(doc, "{%p endfor %}")
    tag(doc, "{%p endif %}")

    tag(doc, '{%p if "cmmm_scores" in s.figures and cmmm_rows %}')
    loop_table(doc, "智能制造能力成熟度能力子域得分表", ["能力要素", "能力子域", "得分"],
               ["{{ r.element }}", "{{ r.name }}", "{{ r.score }}"],
               "r in cmmm_rows", [52, 60, 44])
    tag(doc, "{%p endif %}")

    tag(doc, '{%p if "radar" in s.figures and radar %}')
    _figure(doc, "radar", "智能制造能力成熟度得分雷达图")
    tag(doc, "{%p endif %}")

    tag(doc, '{%p if "lianghua_aspects" in s.figures and lianghua_rows %}')
    loop_table(doc, "两化融合评估分项得分表", ["序号", "评估方面", "得分"],
               ["{{ loop.index }}", "{{ r.name }}", "{{ r.score }}"], "r in lianghua_rows",
               [16, 80, 60])
    tag(doc, "{%p endif %}")

    tag(doc, '{%p if "scenario_chart" in s.figures and scenario_chart %}')
    _figure(doc, "scenario_chart", "推荐场景环节分布图")
    tag(doc, "{%p endif %}")

    tag(doc, '{%p if "architecture" in s.figures and architecture %}')
    _figure(doc, "architecture", "总体架构图")
    tag(doc, "{%p endif %}")


# ---------------------------------------------------------------- attachments


def _form_document():
    doc = new_document()
    # Forms need the room for signatures and seals more than official-document margins.
    section = doc.sections[0]
    section.top_margin, section.bottom_margin = Mm(25), Mm(25)
    watermark_header(doc.sections[0])
    return doc


def _attachment_mark(doc, number: int, marker: str | None,
                     mark_id: str = "0") -> None:
    """The “附件N” line that opens every form page.

    It starts a new page by itself (page break before), so forms can follow each other
    in one document. In the batch template it also carries a Word bookmark named for
    the enterprise, which LibreOffice exports as a PDF named destination: the batch
    PDF is split back per enterprise by these names, not by counting pages.
    """
    p = para(doc, f"附件{number}", bold=True, size=16, face=SANS)
    p.paragraph_format.page_break_before = True
    if marker:
        p._p.insert(1, parse_xml(
            f'<w:bookmarkStart {nsdecls("w")} w:id="{mark_id}" w:name="{marker}"/>'))
        p._p.append(parse_xml(f'<w:bookmarkEnd {nsdecls("w")} w:id="{mark_id}"/>'))


def add_sign_in_sheet(doc, marker: str | None = None) -> None:
    """附件1 签到表: one page per visit, the seed's eleven rows at least."""
    tag(doc, "{%p for v in visits %}")
    _attachment_mark(doc, 1, marker and f"{marker}v{{{{ loop.index }}}}",
                     "{{ e.index * 1000 + loop.index }}")
    para(doc, "签  到  表", align=WD_ALIGN_PARAGRAPH.CENTER, bold=True, size=22,
         face=SANS)
    para(doc, "项目名称：{{ programme_name }}")
    para(doc, "被诊断企业：{{ enterprise_name }}")
    para(doc, "诊断服务机构：{{ agency_name }}")
    para(doc, "服务日期：{{ v.year }}年{{ v.month }}月{{ v.day }}日")

    table = doc.add_table(rows=4, cols=4)
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, ["单位/部门", "姓名", "职位", "联系电话"],
                          strict=True):
        _cell_text(cell, text, bold=True)
    _row_height(table.rows[0], 12)
    _repeat_header(table.rows[0])
    _cell_text(table.rows[1].cells[0], "{%tr for a in v.rows %}")
    for cell, text in zip(table.rows[2].cells,
                          ["{{ a.unit }}", "{{ a.name }}", "{{ a.position }}",
                           "{{ a.phone }}"], strict=True):
        _cell_text(cell, text)
    _row_height(table.rows[2], 12)
    _cell_text(table.rows[3].cells[0], "{%tr endfor %}")
    _widths(table, [52, 32, 36, 36])
    tag(doc, "{%p endfor %}")


def add_confirmation_form(doc, marker: str | None = None) -> None:
    """附件2 诊断服务确认单, with seal areas big enough for a 42 mm round seal."""
    _attachment_mark(doc, 2, marker, "{{ e.index * 1000 + 998 }}")
    para(doc, "诊断服务确认单", align=WD_ALIGN_PARAGRAPH.CENTER, bold=True, size=22,
         face=SANS)
    para(doc)
    first = para(doc, style="Body Text Indent ZG")
    _blank_or_value(first, "agency_name")
    first.add_run("（诊断服务机构名称）受{{ bureau }}的委托，已完成诊断工作，"
                  "编写了诊断报告，并向企业进行了现场汇报。")
    second = para(doc, style="Body Text Indent ZG")
    second.add_run("诊断期间，")
    _blank_or_value(second, "agency_name")
    second.add_run("（诊断服务机构名称）严格遵守{{ bureau }}合同相关要求，"
                   "未收取被诊断企业任何诊断相关费用。")
    para(doc)
    para(doc)

    table = doc.add_table(rows=3, cols=2)
    _no_borders(table)
    labels = (("诊断服务机构（公章）：", "被诊断企业（公章）："),
              ("项目负责人（签字：）", "企业负责人（签字）："),
              ("日期：{{ agency_date }}", "日期：{{ enterprise_date }}"))
    for row, texts in zip(table.rows, labels, strict=True):
        for cell, text in zip(row.cells, texts, strict=True):
            p = _cell_text(cell, text, align=WD_ALIGN_PARAGRAPH.LEFT, style="Normal")
            cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.TOP
            p.paragraph_format.first_line_indent = None
    _row_height(table.rows[0], 50)
    _row_height(table.rows[1], 20)
    _widths(table, [78, 78])


def _blank_or_value(paragraph, name: str) -> None:
    """The agency's name underlined in the seed's blank, or the blank itself."""
    run = paragraph.add_run(f"{{{{ {name} or '_______________' }}}}")
    run.underline = True


SURVEY_ITEMS = (
    ("一", "诊断过程：诊断工作切合企业实际，深入了解了企业现状，与企业相关人员做了深入沟通。"),
    ("二", "问题分析：诊断机构对行业发展趋势和样板企业了解深刻，对企业痛点把握准确，"
           "提出的问题具有针对性。"),
    ("三", "方案建议：相关建议切实可行，升级路径清晰，具有经济实用型，兼具广度和深度。"),
    ("四", "业务水平：服务机构具备专业的业务水平。"),
    ("五", "诊断结果：本次诊断有启发、收获，会考虑开展进一步的智能化改造。"),
)
GRADES = ("很好", "较好", "一般", "较差")
OVERALL = ("满意", "比较满意", "不满意")


def add_survey(doc, marker: str | None = None) -> None:
    """附件3 服务商诊断服务满意度调查表.

    The grade columns (four) and the overall-rating columns (three) share one width, so
    the grid has twelve narrow columns there: a grade spans three, an overall cell four.
    """
    _attachment_mark(doc, 3, marker, "{{ e.index * 1000 + 999 }}")
    para(doc, "服务商诊断服务满意度调查表", align=WD_ALIGN_PARAGRAPH.CENTER, bold=True,
         size=22, face=SANS)

    cols = 2 + 12
    rows = 4 + 1 + len(SURVEY_ITEMS) + 2
    table = doc.add_table(rows=rows, cols=cols)
    table.style = "Table Grid"
    _widths(table, [14, 70] + [6] * 12)

    def full_row(r: int, text: str, height: float) -> None:
        cell = table.cell(r, 0).merge(table.cell(r, cols - 1))
        _cell_text(cell, text, align=WD_ALIGN_PARAGRAPH.LEFT)
        cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.TOP
        _row_height(table.rows[r], height)

    full_row(0, "被诊断企业名称（公章）：{{ enterprise_name }}", 46)
    full_row(1, "企业负责人签字：", 14)
    full_row(2, "诊断服务商名称：{{ agency_name }}", 10)
    full_row(3, "企业对诊断服务商提供的诊断评估服务进行评价（打√）", 9)

    def spread(r: int, first: str, second: str, values: list[str], span: int,
               bold: bool = False, merge_first: bool = False) -> None:
        if merge_first:
            head = table.cell(r, 0).merge(table.cell(r, 1))
            _cell_text(head, first, bold=bold)
        else:
            _cell_text(table.cell(r, 0), first, bold=bold)
            _cell_text(table.cell(r, 1), second, bold=bold,
                       align=WD_ALIGN_PARAGRAPH.CENTER if bold
                       else WD_ALIGN_PARAGRAPH.LEFT)
        for i, value in enumerate(values):
            start = 2 + i * span
            cell = table.cell(r, start).merge(table.cell(r, start + span - 1))
            _cell_text(cell, value, bold=bold)

    spread(4, "序号", "评价内容", list(GRADES), 3, bold=True)
    for i, (number, text) in enumerate(SURVEY_ITEMS):
        ticks = [f"{{{{ survey[{i}][{j}] }}}}" for j in range(len(GRADES))]
        spread(5 + i, number, text, ticks, 3)
        _row_height(table.rows[5 + i], 14)

    spread(10, "", "", list(OVERALL), 4, bold=True, merge_first=True)
    overall = [f"{{{{ overall[{j}] }}}}" for j in range(len(OVERALL))]
    spread(11, "企业对诊断服务总体评价意见", "", overall, 4, merge_first=True)
    _row_height(table.rows[11], 14)


FORMS = {1: add_sign_in_sheet, 2: add_confirmation_form, 3: add_survey}

# What each form reads; the batch template binds them per enterprise with {% with %}.
FORM_VARIABLES = ("programme_name", "bureau", "enterprise_name", "agency_name", "visits",
                  "survey", "overall", "agency_date", "enterprise_date")


def build_attachments() -> None:
    for number, add in FORMS.items():
        doc = _form_document()
        add(doc)
        _save(doc, f"attachment{number}.docx")


def build_forms_batch() -> None:
    """Many enterprises' forms in one document, so one LibreOffice call serves a batch."""
    doc = _form_document()
    tag(doc, "{%p for e in enterprises %}")
    bindings = ", ".join(f"{name}=e.{name}" for name in FORM_VARIABLES)
    tag(doc, f"{{%p with {bindings} %}}")
    for number, add in FORMS.items():
        tag(doc, f"{{%p if {number} in forms %}}")
        add(doc, marker=f"zgsz{{{{ e.index }}}}f{number}")
        tag(doc, "{%p endif %}")
    tag(doc, "{%p endwith %}")
    tag(doc, "{%p endfor %}")
    _save(doc, "forms_batch.docx")


# ---------------------------------------------------------------- the ledger


def build_ledger_cover() -> None:
    """台账封面与目录. The contents' page numbers are the ledger's own, cover = 1."""
    doc = new_document()
    watermark_header(doc.sections[0])
    for _ in range(3):
        para(doc)
    para(doc, "{{ programme.name }}", align=WD_ALIGN_PARAGRAPH.CENTER, size=16, face=SANS)
    para(doc)
    para(doc, "诊断服务台账", "Title")
    para(doc, "（一企一台账）", align=WD_ALIGN_PARAGRAPH.CENTER, size=16, face=SANS)
    _cover_lines(doc, (("被诊断企业", "{{ enterprise.name }}"),
                       ("统一社会信用代码", "{{ enterprise.credit_code }}"),
                       ("诊断服务机构", "{{ agency.name }}"),
                       ("委托单位", "{{ programme.bureau }}"),
                       ("建档日期", "{{ ledger_date }}"),
                       ("台账编号", "{{ ledger_id }}")))

    para(doc, "目    录", align=WD_ALIGN_PARAGRAPH.CENTER, bold=True, size=16, face=SANS)
    para(doc)
    table = doc.add_table(rows=4, cols=3)
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, ["序号", "内容", "页码"], strict=True):
        _cell_text(cell, text, bold=True)
    _cell_text(table.rows[1].cells[0], "{%tr for part in parts %}")
    for i, (cell, text) in enumerate(zip(table.rows[2].cells,
                                         ["{{ loop.index }}", "{{ part.title }}",
                                          "{{ part.page }}"], strict=True)):
        _cell_text(cell, text, align=WD_ALIGN_PARAGRAPH.LEFT if i == 1
                   else WD_ALIGN_PARAGRAPH.CENTER)
    _cell_text(table.rows[3].cells[0], "{%tr endfor %}")
    _widths(table, [16, 110, 30])
    tag(doc, "{%p if missing %}")
    para(doc)
    para(doc, "尚缺材料（草稿）：", bold=True)
    tag(doc, "{%p for item in missing %}")
    para(doc, "{{ loop.index }}. {{ item }}")
    tag(doc, "{%p endfor %}")
    tag(doc, "{%p endif %}")
    _save(doc, "ledger_cover.docx")


def build_ledger_stamp() -> None:
    """Transparent pages whose footer carries the ledger id and the page number; they
    are laid over every ledger page so a loose printed page can be traced."""
    doc = new_document()
    section = doc.sections[0]
    section.footer_distance = Mm(6)
    p = section.footer.paragraphs[0]
    p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    p.add_run("台账编号 {{ ledger_id }}　第 ")
    add_field(p, "PAGE", "1")
    p.add_run(" 页／共 ")
    add_field(p, "NUMPAGES", "1")
    p.add_run(" 页")
    for run in p.runs:
        run.font.size = Pt(8)
    # One paragraph per page, each opening a page: LibreOffice drops a trailing page
    # that only a break would make.
    tag(doc, "{%p for _ in pages %}")
    blank = para(doc, "\u00a0")
    blank.paragraph_format.page_break_before = True
    tag(doc, "{%p endfor %}")
    _save(doc, "ledger_stamp.docx")


# ---------------------------------------------------------------- compliance summary


def build_compliance() -> None:
    """The PDF summary of `zgsz compliance`: per agency, its rules and its enterprises'."""
    doc = new_document()
    para(doc, "{{ title }}", "Title")
    para(doc, "检查时间：{{ checked_at }}　输入文件：{{ files }} 个　结论：{{ verdict }}",
         align=WD_ALIGN_PARAGRAPH.CENTER)
    tag(doc, "{%p for a in agencies %}")
    para(doc, "{{ a.name }}", "Heading 1")
    loop_table(doc, "机构层面检查", ["序号", "检查项", "要求", "实际", "结论", "不符合之处"],
               ["{{ loop.index }}", "{{ c.rule }}", "{{ c.required }}", "{{ c.actual }}",
                "{{ c.verdict }}", "{{ c.detail }}"], "c in a.checks",
               [10, 26, 30, 20, 16, 54])
    loop_table(doc, "企业层面检查", ["序号", "企业", "检查项", "结论", "不符合之处"],
               ["{{ loop.index }}", "{{ c.enterprise }}", "{{ c.rule }}", "{{ c.verdict }}",
                "{{ c.detail }}"], "c in a.enterprise_checks", [12, 36, 28, 18, 62])
    tag(doc, "{%p endfor %}")
    _save(doc, "compliance.docx")


def _save(doc, name: str) -> None:
    OUT.mkdir(exist_ok=True)
    path = OUT / name
    doc.core_properties.author = "zgsz-docs"
    doc.core_properties.language = LANG
    doc.save(path)
    print(f"写入 {path}")


def main() -> None:
    build_report()
    build_attachments()
    build_forms_batch()
    build_ledger_cover()
    build_ledger_stamp()
    build_compliance()


if __name__ == "__main__":
    main()
