"""Filling the Word templates (docxtpl) from an input: the report and attachments 1-3.

The context built here is the templates' whole vocabulary; templates_docx/README.md lists
it for people who edit the templates in Word.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from dataclasses import dataclass
from pathlib import Path

from docx.shared import Mm
from docxtpl import DocxTemplate, InlineImage
from jinja2 import StrictUndefined, TemplateError
from jinja2.sandbox import SandboxedEnvironment, SecurityError

from service.catalogue import load_catalogue
from service.charts import Picture
from service.cmmm import level_name
from service.drafts import draft_sections
from service.errors import DataError
from service.figures import figures_context
from service.glyphs import DIRECTION_CONTROLS
from service.model import DiagnosisInput, Visit
from service.paths import TEMPLATES, custom_template
from service.skeleton import Skeleton, load_skeleton

TICK = "✓"
GRADES = ("很好", "较好", "一般", "较差")
OVERALL = ("满意", "比较满意", "不满意")
SIGN_IN_ROWS = 11  # the seed's sign-in sheet has eleven blank rows
SPARE_ROWS = 2  # for people who come without being on the list
BLANK_ROW = {"unit": "", "name": "", "position": "", "phone": ""}
NUMERALS = "一二三四五六七八九十"


@dataclass(frozen=True)
class Document:
    """A rendered Word file: `kind` is report, attachment1, attachment2 or attachment3."""

    kind: str
    title: str
    docx: bytes


KINDS = {
    "report": "诊断报告",
    "attachment1": "附件1_签到表",
    "attachment2": "附件2_诊断服务确认单",
    "attachment3": "附件3_满意度调查表",
}


def chinese_number(n: int) -> str:
    if n <= 10:
        return NUMERALS[n - 1]
    tens, ones = divmod(n, 10)
    head = "" if tens == 1 else NUMERALS[tens - 1]
    return f"{head}十{NUMERALS[ones - 1] if ones else ''}"


def chinese_date(day: dt.date | None) -> str:
    return f"{day.year}年{day.month}月{day.day}日" if day else ""


def paragraphs(text: str) -> list[str]:
    """Narrative text -> paragraphs: one per non-empty line; indents come from the style."""
    lines = (line.strip().lstrip("\u3000") for line in text.splitlines())
    return [line for line in lines if line]


def _environment() -> SandboxedEnvironment:
    # Sandboxed because templates may be edited by many hands; strict so that a template
    # naming an unknown variable fails loudly instead of printing nothing.
    return SandboxedEnvironment(undefined=StrictUndefined, autoescape=True,
                                finalize=_xml_safe)


_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def _xml_safe(value: object) -> object:
    """What a template prints, without characters XML cannot hold: the checks name such
    fields as errors, and a draft must still open in Word."""
    return _XML_ILLEGAL.sub("", value) if isinstance(value, str) else value


def _with_images(value, doc: DocxTemplate):
    """The context with each Picture turned into an image of the open template."""
    if isinstance(value, Picture):
        return InlineImage(doc, io.BytesIO(value.png), width=Mm(value.width_mm),
                           height=Mm(value.height_mm))
    if isinstance(value, dict):
        return {k: _with_images(v, doc) for k, v in value.items()}
    if isinstance(value, list):
        return [_with_images(v, doc) for v in value]
    return value


def _fill(template: str | Path, context: dict) -> bytes:
    """Render a built-in template by name, or a custom one by path."""
    path = template if isinstance(template, Path) else TEMPLATES / template
    try:
        doc = DocxTemplate(path)
        doc.render(_with_images(context, doc), jinja_env=_environment(), autoescape=True)
    except SecurityError as exc:
        raise DataError(f"模板 {path.name} 试图访问不允许的内容，已拒绝渲染") from exc
    except TemplateError as exc:
        raise DataError(f"模板 {path.name} 有误：{exc}") from exc
    except FileNotFoundError as exc:
        raise DataError(f"模板文件 {template} 不存在") from exc

    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


# ---------------------------------------------------------------- the report


def _present_sections(data: DiagnosisInput, skeleton: Skeleton, drafts: dict) -> list:
    """Every required section; an optional one only when it has something to show, so
    that no heading stands over nothing."""
    return [s for s in skeleton.ordered()
            if s.required or s.table or s.figures or s.id in drafts
            or data.report.sections.get(s.id, "").strip()]


def report_context(data: DiagnosisInput, skeleton: Skeleton, *, draft: bool,
                   draft_problems: list[str]) -> dict:
    catalogue = load_catalogue(skeleton.catalogue)
    enterprise = data.enterprise

    drafts = draft_sections(data)
    sections = [
        {
            "id": s.id,
            "heading": f"{chinese_number(i)}、{s.title}",
            "table": s.table or "",
            "figures": s.figures,
            # Drafted paragraphs are marked in the document for the expert to revise.
            "paragraphs": [{"text": text, "draft": s.id in drafts} for text in
                           paragraphs(drafts.get(s.id) or data.report.sections.get(s.id, ""))],
        }
        for i, s in enumerate(_present_sections(data, skeleton, drafts), start=1)
    ]

    given = {pick.id: pick.name for pick in data.report.scenarios if pick.name}

    def scenario_name(scenario_id: str) -> str:
        # The catalogue's name first; for an edition we hold only in part, the agency's.
        found = catalogue.get(scenario_id)
        return found.name if found else given.get(scenario_id, "")

    scenario_rows = []
    for pick in data.report.scenarios:
        found = catalogue.get(pick.id)
        scenario_rows.append({
            "id": pick.id,
            "name": scenario_name(pick.id),
            "link": found.link_name if found else "",
            "reason": pick.reason,
        })

    project_rows = [
        {
            "name": p.name,
            "scenario_text": "、".join(f"{sid} {scenario_name(sid)}".strip()
                                      for sid in p.scenarios),
            "investment": f"{p.investment:g}",
            "months": p.months,
            "benefit": p.benefit,
        }
        for p in data.report.projects
    ]

    cmmm, lianghua = data.assessments.cmmm, data.assessments.lianghua
    assessment_rows = [
        {
            "name": "智能制造能力成熟度（GB/T 39116-2020）",
            "result": f"{cmmm.level}级（{level_name(cmmm.level)}）",
            "score": f"{cmmm.score:g}",
            "date": chinese_date(cmmm.date),
        },
        {
            "name": "两化融合（GB/T 23020-2013）",
            "result": lianghua.stage,
            "score": f"{lianghua.score:g}",
            "date": chinese_date(lianghua.date),
        },
    ]

    return {
        "title": skeleton.title,
        "programme": data.programme,
        "agency": data.agency,
        "enterprise": enterprise,
        "report": data.report,
        "report_date": chinese_date(report_date(data)),
        "sections": sections,
        "revenue_text": f"{enterprise.revenue:g} 万元",
        "products_text": "、".join(enterprise.main_products),
        "assessment_rows": assessment_rows,
        "scenario_rows": scenario_rows,
        "project_rows": project_rows,
        "catalogue_title": f"《{catalogue.title}》",
        "draft": draft,
        "draft_problems": draft_problems,
        **figures_context(data, catalogue),
    }


def report_date(data: DiagnosisInput) -> dt.date:
    """The report is presented at the report-back visit; without one, at the last."""
    if data.report.date:
        return data.report.date
    report_back = [v.date for v in data.visits if v.kind == "诊断汇报"]
    return min(report_back) if report_back else max(v.date for v in data.visits)


def template_for(kind: str, custom: str | None) -> str | Path:
    """A custom template of this kind when one is named and kept, else ours."""
    if custom:
        path = custom_template(custom, kind)
        if path.is_file():
            return path
    return f"{kind}.docx"


def render_report(data: DiagnosisInput, *, draft: bool = False,
                  draft_problems: list[str] | None = None,
                  template: str | None = None) -> Document:
    skeleton = load_skeleton(data.skeleton)
    context = report_context(data, skeleton, draft=draft,
                             draft_problems=draft_problems or [])
    return Document("report", KINDS["report"],
                    _fill(template_for("report", template), context))


# ---------------------------------------------------------------- attachments 1-3


def sign_in_sheet(day: dt.date | None, attendees: list[dict] | None = None) -> dict:
    """One sign-in sheet: the attendees, padded to the seed's row count."""
    rows = list(attendees or [])
    rows += [BLANK_ROW] * max(0, SIGN_IN_ROWS - len(rows))

    if day is None:
        # The seed's blank date: “服务日期：           年    月    日”
        return {"year": " " * 11, "month": " " * 4, "day": " " * 4, "rows": rows}
    return {"year": day.year, "month": day.month, "day": day.day, "rows": rows}


def _sheet(visit: Visit | None) -> dict:
    """A visit's sheet: units and positions printed, names and phones left for each
    attendee to write in person, since the sheet is the proof of attendance."""
    if visit is None:
        return sign_in_sheet(None)
    rows = [{"unit": a.unit, "name": "", "position": a.position, "phone": ""}
            for a in visit.attendees]
    return sign_in_sheet(visit.date, rows + [BLANK_ROW] * SPARE_ROWS)


def blank_survey() -> tuple[list[list[str]], list[str]]:
    return [[""] * len(GRADES) for _ in range(5)], [""] * len(OVERALL)


def attachments_context(data: DiagnosisInput | None, skeleton: Skeleton,
                        *, draft: bool = False) -> dict:
    """The forms' context; with no input, the blank forms of the skeleton's programme."""
    survey, overall = blank_survey()
    if data is None:
        return {
            "programme_name": skeleton.programme.name,
            "bureau": skeleton.programme.bureau,
            "enterprise_name": "",
            "agency_name": "",
            "visits": [_sheet(None)],
            "survey": survey,
            "overall": overall,
            "agency_date": "",
            "enterprise_date": "",
            "draft": draft,
        }

    acceptance = data.acceptance
    if acceptance:
        for i, grade in enumerate(acceptance.survey):
            survey[i][GRADES.index(grade)] = TICK
        overall[OVERALL.index(acceptance.overall)] = TICK

    return {
        "programme_name": data.programme.name,
        "bureau": data.programme.bureau,
        "enterprise_name": data.enterprise.name,
        "agency_name": data.agency.name,
        "visits": [_sheet(v) for v in sorted(data.visits, key=lambda v: v.date)],
        "survey": survey,
        "overall": overall,
        "agency_date": chinese_date(acceptance.agency_date) if acceptance else "",
        "enterprise_date": chinese_date(acceptance.enterprise_date) if acceptance else "",
        "draft": draft,
    }


def render_attachments(data: DiagnosisInput | None, skeleton: Skeleton | None = None,
                       *, draft: bool = False, which: tuple[int, ...] = (1, 2, 3),
                       template: str | None = None) -> list[Document]:
    skeleton = skeleton or load_skeleton(data.skeleton if data else "wujin-2022")
    context = attachments_context(data, skeleton, draft=draft)
    return [
        Document(f"attachment{n}", KINDS[f"attachment{n}"],
                 _fill(template_for(f"attachment{n}", template), context))
        for n in which
    ]


def render_forms_batch(contexts: list[dict], forms: tuple[int, ...], *,
                       draft: bool = False) -> bytes:
    """Many enterprises' forms in one DOCX; contexts are attachments contexts, each
    with an `index` that names its bookmarks (zgsz<index>f<form>)."""
    return _fill("forms_batch.docx",
                 {"enterprises": contexts, "forms": forms, "draft": draft})


def render_compliance(context: dict) -> bytes:
    """The compliance summary (zgsz compliance) as DOCX; see service.compliance_files."""
    return _fill("compliance.docx", context)


STEM_BYTES = 150
_UNSAFE = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|' + DIRECTION_CONTROLS + "]")


def file_stem(enterprise_name: str) -> str:
    """An enterprise name made safe for a file name on any system."""
    stem = _UNSAFE.sub("_", enterprise_name).strip(" .")
    # File names are limited to 255 bytes; leave room for “_附件3_满意度调查表_草稿.docx”.
    while len(stem.encode("utf-8")) > STEM_BYTES:
        stem = stem[:-1]
    return stem or "企业"
