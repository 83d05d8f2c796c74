"""First-draft text for the narrative sections an input leaves empty.

The texts are Jinja2 templates kept beside the skeleton (<skeleton>.drafts.yaml), so
wording changes need no code. They are rendered in a sandbox from the input's data only;
a fact the input lacks is printed as a placeholder (【待补充：…】), never guessed. The
same input always gives the same text.

Only required sections are drafted: an optional section left empty stays out of the
report, as the skeleton allows. Drafted text is counted like typed text, marked in the
document for the expert to revise, and refused by a final report.
"""

from __future__ import annotations

import re
from functools import cache

import yaml
from jinja2 import StrictUndefined, TemplateError
from jinja2.sandbox import SandboxedEnvironment

from service.catalogue import load_catalogue
from service.cmmm import level_for_score, level_name, levels, subdomains
from service.errors import DataError
from service.model import DiagnosisInput
from service.paths import SKELETONS
from service.skeleton import Skeleton, load_skeleton
from service.suggest import weakest_subdomains

PLACEHOLDER = "【待补充：{}】"
PLACEHOLDER_PATTERN = re.compile(r"【待补充[：:]?([^】]*)】")
ORDINALS = "一二三四五六七八九十"
SHOWN_EXTREMES = 3  # strongest and weakest sub-domains named in the text


def missing(label: str) -> str:
    return PLACEHOLDER.format(label)


def placeholders(text: str) -> list[str]:
    """The labels of the placeholders left in a text."""
    return [m.group(1) for m in PLACEHOLDER_PATTERN.finditer(text)]


def _environment() -> SandboxedEnvironment:
    # Sandboxed because the templates are data anyone may edit; strict so that a
    # misspelt variable fails loudly instead of leaving a hole in the text.
    env = SandboxedEnvironment(undefined=StrictUndefined, autoescape=False,
                               trim_blocks=True, lstrip_blocks=True,
                               keep_trailing_newline=True)
    env.globals["missing"] = missing
    return env


@cache
def draft_templates(skeleton_id: str) -> dict[str, str]:
    path = SKELETONS / f"{skeleton_id}.drafts.yaml"
    if not path.is_file():
        return {}
    try:
        data = yaml.safe_load(path.read_text("utf-8")) or {}
        sections = data.get("sections") or {}
        return {str(k): str(v) for k, v in sections.items()}
    except (yaml.YAMLError, AttributeError) as exc:
        raise DataError(f"初稿模板文件 {path.name} 有误：{exc}") from exc


def draft_sections(data: DiagnosisInput) -> dict[str, str]:
    """Section id -> drafted text, for each required section the input leaves empty."""
    skeleton = load_skeleton(data.skeleton)
    templates = draft_templates(skeleton.id)
    empty = [s.id for s in skeleton.ordered()
             if s.required and not data.report.sections.get(s.id, "").strip()
             and s.id in templates]
    if not empty:
        return {}

    context = draft_context(data, skeleton)
    env = _environment()
    drafts = {}
    for section_id in empty:
        try:
            text = env.from_string(templates[section_id]).render(context)
        except TemplateError as exc:
            raise DataError(f"初稿模板 {skeleton.id}.drafts.yaml 的 {section_id} "
                            f"有误：{exc}") from exc
        drafts[section_id] = _tidy(text)
    return drafts


def _tidy(text: str) -> str:
    lines = (line.strip() for line in text.splitlines())
    return "\n".join(line for line in lines if line)


def _number(value: float) -> str:
    return f"{value:g}"


def _date(day) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def draft_context(data: DiagnosisInput, skeleton: Skeleton) -> dict:
    enterprise, report = data.enterprise, data.report
    catalogue = load_catalogue(skeleton.catalogue)
    visits = sorted(data.visits, key=lambda v: (v.date, v.start))
    on_site = [v for v in visits if v.kind == "现场诊断" and v.end > v.start]
    leader = next((m.name for m in data.agency.team if m.role == "组长"), "")
    qualifications = [m.qualification for m in data.agency.team if m.qualification]

    return {
        "e": enterprise,
        "programme": data.programme,
        "agency": data.agency,
        "leader": leader,
        "qualifications": "、".join(dict.fromkeys(qualifications)) or "相关",
        "visits": visits,
        "first_visit": _date(visits[0].date),
        "last_visit": _date(visits[-1].date),
        "on_site_count": len(on_site),
        "on_site_hours": _number(round(sum(v.hours for v in on_site), 1)),
        "revenue": f"{_number(enterprise.revenue)}万元",
        "products": "、".join(enterprise.main_products),
        **_equipment_context(data),
        **_software_context(data),
        "cmmm": _cmmm_context(data),
        "lianghua": _lianghua_context(data),
        "gaps": [{"number": ORDINALS[i] if i < len(ORDINALS) else str(i + 1),
                  "area": g.area, "current": g.current.rstrip("。"),
                  "problem": g.problem.rstrip("。")}
                 for i, g in enumerate(report.gaps)],
        "gap_areas": "、".join(g.area for g in report.gaps),
        **_scenario_context(data, catalogue),
        **_project_context(data, catalogue),
        "vendors": [{"name": v.name, "field": v.field, "reason": v.reason.rstrip("。")}
                    for v in report.vendors],
        "benchmarks": [{"name": b.name, "region": b.region,
                        "lesson": b.lesson.rstrip("。")} for b in report.benchmarks],
    }


def _equipment_context(data: DiagnosisInput) -> dict:
    equipment = data.enterprise.equipment
    groups = []
    for kind in dict.fromkeys(item.kind for item in equipment):
        items = [item for item in equipment if item.kind == kind]
        names = [f"{item.name}{item.quantity}台" if item.quantity else item.name
                 for item in items]
        groups.append({"kind": kind, "count": sum(i.quantity or 1 for i in items),
                       "text": "、".join(names)})

    locations = {}
    for item in equipment:
        if item.maker_location:
            locations[item.maker_location] = (locations.get(item.maker_location, 0)
                                              + (item.quantity or 1))
    makers = "，".join(f"制造商位于{where}的{count}台（套）"
                      for where, count in locations.items())
    idle = "、".join(item.name for item in equipment if item.status != "在用")
    return {
        "equipment": equipment,
        "equipment_groups": groups,
        "equipment_total": sum(item.quantity or 1 for item in equipment),
        "equipment_kinds": "、".join(g["kind"] for g in groups),
        "makers": makers,
        "idle": idle,
    }


def _software_context(data: DiagnosisInput) -> dict:
    software = data.enterprise.software
    kinds = dict.fromkeys(item.kind for item in software)
    return {"software": software, "software_kinds": "、".join(kinds)}


def _cmmm_context(data: DiagnosisInput) -> dict:
    cmmm = data.assessments.cmmm
    band = level_for_score(cmmm.score)
    ranked = weakest_subdomains(data)
    shown = min(SHOWN_EXTREMES, len(ranked) // 2)
    described = next((lv["desc"] for lv in levels() if lv["level"] == cmmm.level), "")
    return {
        "score": _number(cmmm.score),
        "level": cmmm.level,
        "level_name": level_name(cmmm.level),
        "level_desc": described,
        "date": _date(cmmm.date),
        "mismatch": band is not None and band.level != cmmm.level,
        "band_level": band.level if band else "",
        "band_name": band.name if band else "",
        "elements": [{"name": k, "score": _number(v)} for k, v in cmmm.elements.items()],
        "subdomains": [{"name": k, "score": _number(v)}
                       for k, v in _in_standard_order(cmmm.subdomains)],
        "weakest": "、".join(f"“{k}”（{_number(v)}分）" for k, v in ranked[:shown]),
        "strongest": "、".join(f"“{k}”（{_number(v)}分）"
                               for k, v in reversed(ranked[len(ranked) - shown:])),
    }


def _in_standard_order(scores: dict[str, float]) -> list[tuple[str, float]]:
    order = [s.name for s in subdomains()]
    return sorted(scores.items(),
                  key=lambda item: order.index(item[0]) if item[0] in order else 99)


def _lianghua_context(data: DiagnosisInput) -> dict:
    lianghua = data.assessments.lianghua
    return {
        "score": _number(lianghua.score),
        "stage": lianghua.stage,
        "date": _date(lianghua.date),
        "aspects": [{"name": k, "score": _number(v)} for k, v in lianghua.aspects.items()],
    }


def _scenario_context(data: DiagnosisInput, catalogue) -> dict:
    rows = []
    for pick in data.report.scenarios:
        found = catalogue.get(pick.id)
        rows.append({"id": pick.id, "name": found.name if found else pick.name,
                     "link": found.link_name if found else "其他",
                     "reason": pick.reason.rstrip("。")})

    groups = []
    for link in dict.fromkeys(r["link"] for r in rows):
        items = [r for r in rows if r["link"] == link]
        groups.append({"link": link, "entries": items,
                       "names": "、".join(f"“{r['name']}”" for r in items)})
    return {
        "scenarios": rows,
        "scenario_groups": groups,
        "scenario_links": "、".join(g["link"] for g in groups),
        "scenario_link_count": len(groups),
        "catalogue_title": f"《{catalogue.title}》",
    }


def _project_context(data: DiagnosisInput, catalogue) -> dict:
    projects = data.report.projects
    rows = []
    for i, p in enumerate(projects):
        names = [catalogue.get(s).name if catalogue.get(s) else s for s in p.scenarios]
        rows.append({"number": ORDINALS[i] if i < len(ORDINALS) else str(i + 1),
                     "name": p.name, "scenario_text": "、".join(f"“{n}”" for n in names),
                     "investment": _number(p.investment), "months": p.months,
                     "benefit": p.benefit.rstrip("。")})

    by_cost = sorted(projects, key=lambda p: (p.investment, p.months))
    half = max(1, len(by_cost) // 2)
    return {
        "projects": rows,
        "total_investment": _number(sum(p.investment for p in projects)),
        "shortest_months": min((p.months for p in projects), default=0),
        "longest_months": max((p.months for p in projects), default=0),
        "first_projects": "、".join(f"“{p.name}”" for p in by_cost[:half]),
        "later_projects": "、".join(f"“{p.name}”" for p in by_cost[half:]) or "其余",
    }
