"""The programme's rules, run over an input: every problem found, never just the first.

Errors stop a final report; warnings are shown and kept in validation.json.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from PIL import Image, UnidentifiedImageError

from service.catalogue import Catalogue, load_catalogue
from service.cmmm import elements, level_for_score, subdomains
from service.credit_code import credit_code_problem
from service.drafts import draft_sections, placeholders
from service.errors import Problem, Severity
from service.glyphs import text_problems
from service.labels import dotted, label_for
from service.model import DiagnosisInput
from service.skeleton import Skeleton, load_skeleton
from service.textcount import RULE, han_count

ON_SITE = "现场诊断"
# Skeleton tables that list entries of the input's report content.
TABLE_FIELDS = {"gaps": "gaps", "scenarios": "scenarios", "projects": "projects",
                "vendors": "vendors", "benchmarks": "benchmarks"}
FOLLOW_UP = "回访"
MAX_PHOTOS_PER_VISIT = 2
LIANGHUA_ASPECTS = ("基础建设", "单项应用", "综合集成", "协同与创新", "竞争力", "经济和社会效益")


@dataclass
class Validation:
    problems: list[Problem] = field(default_factory=list)
    checks: dict[str, bool] = field(default_factory=dict)
    body_chars: int = 0
    section_chars: dict[str, int] = field(default_factory=dict)
    drafted: list[str] = field(default_factory=list)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]

    @property
    def ok(self) -> bool:
        return not self.errors

    def add(self, code: str, path: tuple, message: str, severity: Severity = "error",
            label: str | None = None) -> None:
        self.problems.append(
            Problem(code, dotted(path), label or label_for(path), message, severity)
        )

    def as_dict(self) -> dict:
        return {
            "ok": self.ok,
            "body_chars": self.body_chars,
            "counting_rule": RULE,
            "checks": self.checks,
            "section_chars": self.section_chars,
            "drafted_sections": self.drafted,
            "errors": [p.as_dict() for p in self.errors],
            "warnings": [p.as_dict() for p in self.warnings],
        }


def validate(data: DiagnosisInput) -> Validation:
    skeleton = load_skeleton(data.skeleton)
    catalogue = load_catalogue(skeleton.catalogue)
    result = Validation()

    steps = (
        ("章节与正文字数", lambda: _check_sections(data, skeleton, result)),
        ("推荐典型场景", lambda: _check_scenarios(data, skeleton, catalogue, result)),
        ("对标标杆企业", lambda: _check_benchmarks(data, skeleton, result)),
        ("入企服务要求", lambda: _check_visits(data, skeleton, result)),
        ("统一社会信用代码", lambda: _check_enterprise(data, result)),
        ("诊断团队", lambda: _check_team(data, result)),
        ("两评估结果", lambda: _check_assessments(data, result)),
        ("现场照片与图片", lambda: _check_pictures(data, result)),
        ("文字与字形", lambda: result.problems.extend(text_problems(data))),
    )
    for name, step in steps:
        before = len(result.errors)
        step()
        result.checks[name] = len(result.errors) == before
    return result


def _section_label(section_title: str) -> str:
    return f"{label_for(('report', 'sections'))} › {section_title}"


def _check_sections(data: DiagnosisInput, skeleton: Skeleton, result: Validation) -> None:
    drafts = draft_sections(data)
    # Drafted text counts exactly like typed text; it is refused below, not ignored.
    texts = {**data.report.sections, **drafts}
    result.drafted = list(drafts)
    known = {s.id for s in skeleton.sections}

    for key in texts:
        if key not in known:
            ids = "、".join(s.id for s in skeleton.ordered())
            result.add("section.unknown", ("report", "sections", key),
                       f"报告骨架 {skeleton.id} 中没有这一章节（可用：{ids}）")

    for section in skeleton.ordered():
        path = ("report", "sections", section.id)
        label = _section_label(section.title)
        count = han_count(texts.get(section.id, ""))
        result.section_chars[section.id] = count

        if section.id in drafts:
            result.add("section.missing", path,
                       "必需章节，正文为空或缺失；文件中暂以按数据生成的初稿（黄色标出）代替，"
                       f"须由专家修改后写入 report.sections.{section.id}", label=label)
        elif section.required and count == 0:
            result.add("section.missing", path, "必需章节，正文为空或缺失", label=label)
        elif count < section.min_chars:
            result.add("section.short", path,
                       f"正文 {count} 字，少于本章建议的 {section.min_chars} 字",
                       "warning", label=label)

        left = placeholders(texts.get(section.id, ""))
        if left:
            result.add("text.placeholder", path,
                       f"留有待补充的内容：{'、'.join(left)}（以【待补充：…】标出），"
                       "补齐后方可生成正式报告", label=label)

        table_list = TABLE_FIELDS.get(section.table or "")
        if section.required and table_list and not getattr(data.report, table_list):
            result.add("section.empty_table", ("report", table_list),
                       f"“{section.title}”一章的表格没有内容", "warning")

    result.body_chars = sum(result.section_chars.values())
    minimum = skeleton.rules.min_body_chars
    if result.body_chars < minimum:
        result.add("body.too_short", ("report", "sections"),
                   f"正文共 {result.body_chars} 字，不足 {minimum} 字（{RULE}）")


def _check_scenarios(data: DiagnosisInput, skeleton: Skeleton, catalogue: Catalogue,
                     result: Validation) -> None:
    picks = data.report.scenarios
    ids = [p.id for p in picks]
    seen: Counter[str] = Counter()

    for i, scenario_id in enumerate(ids):
        path = ("report", "scenarios", i, "id")
        seen[scenario_id] += 1
        if seen[scenario_id] == 2:
            first = ids.index(scenario_id) + 1
            result.add("scenario.repeated", path,
                       f"场景 {scenario_id} 重复（与第{first}条相同），推荐场景须不重复")

        if catalogue.get(scenario_id) is None:
            where = f"《{catalogue.title}》"
            if catalogue.complete:
                result.add("scenario.unknown", path, f"场景编号 {scenario_id} 不在{where}中")
            elif not picks[i].name:
                result.add("scenario.unnamed", ("report", "scenarios", i, "name"),
                           f"场景编号 {scenario_id} 不在本项目收录的{where}中"
                           f"（{catalogue.edition}版目录不完整），请填写场景名称，"
                           "报告按此打印")
            else:
                result.add("scenario.unlisted", path,
                           f"场景编号 {scenario_id} 不在本项目收录的{where}中"
                           f"（{catalogue.edition}版目录不完整，请人工核对）", "warning")

    for p, project in enumerate(data.report.projects):
        for s, scenario_id in enumerate(project.scenarios):
            if scenario_id not in seen and catalogue.get(scenario_id) is None:
                result.add("project.scenario_unknown",
                           ("report", "projects", p, "scenarios", s),
                           f"场景编号 {scenario_id} 既不在推荐场景中，也不在"
                           f"《{catalogue.title}》中", "warning")

    distinct = len(seen)
    minimum = skeleton.rules.min_scenarios
    if distinct < minimum:
        result.add("scenario.too_few", ("report", "scenarios"),
                   f"推荐场景至少 {minimum} 个且不重复，当前只有 {distinct} 个不重复场景")


def _check_benchmarks(data: DiagnosisInput, skeleton: Skeleton, result: Validation) -> None:
    minimum = skeleton.rules.min_benchmarks
    if len(data.report.benchmarks) < minimum:
        result.add("benchmark.missing", ("report", "benchmarks"),
                   f"须注明至少 {minimum} 家可对标的同行业国内标杆企业")


def _check_visits(data: DiagnosisInput, skeleton: Skeleton, result: Validation) -> None:
    rules = skeleton.rules
    team = {m.name for m in data.agency.team}
    on_site_hours = 0.0

    seen_visits: dict[tuple, int] = {}
    for i, visit in enumerate(data.visits):
        key = (visit.date, visit.start, visit.end, visit.kind)
        if key in seen_visits:
            result.add("visit.repeated", ("visits", i),
                       f"与第{seen_visits[key] + 1}条入企记录的日期、时间与类型完全相同，"
                       "可能重复录入（时长只计一次）")
            continue
        seen_visits[key] = i
        if visit.date.year != data.programme.year:
            result.add("visit.outside_year", ("visits", i, "date"),
                       f"日期 {visit.date} 不在项目年度 {data.programme.year} 年内", "warning")

        if visit.end <= visit.start:
            result.add("visit.time_order", ("visits", i, "end"),
                       f"结束时间 {visit.end:%H:%M} 应晚于开始时间 {visit.start:%H:%M}")
        elif visit.kind == ON_SITE:
            on_site_hours += visit.hours

        strangers = [name for name in visit.experts if name not in team]
        if strangers:
            result.add("visit.expert_not_in_team", ("visits", i, "experts"),
                       f"{'、'.join(strangers)} 不在诊断团队名单中", "warning")

        if visit.kind == ON_SITE and len(set(visit.experts)) < rules.min_experts_on_site:
            result.add("visit.too_few_experts", ("visits", i, "experts"),
                       f"现场诊断每次不少于 {rules.min_experts_on_site} 名专家，"
                       f"本次 {len(set(visit.experts))} 名")

        if not visit.attendees:
            result.add("visit.no_attendees", ("visits", i, "attendees"),
                       "未填写签到人员，签到表将为空白", "warning")

    if on_site_hours < rules.min_hours_on_site:
        result.add("visit.too_short", ("visits",),
                   f"现场诊断时间合计不少于 {rules.min_hours_on_site:g} 小时，"
                   f"当前 {on_site_hours:.1f} 小时")

    if rules.follow_up_required and not any(v.kind == FOLLOW_UP for v in data.visits):
        result.add("visit.no_follow_up", ("visits",), "应安排至少一次企业回访（服务类型：回访）")


def _check_enterprise(data: DiagnosisInput, result: Validation) -> None:
    problem = credit_code_problem(data.enterprise.credit_code)
    if problem:
        result.add("enterprise.credit_code", ("enterprise", "credit_code"), problem)


def _check_team(data: DiagnosisInput, result: Validation) -> None:
    team = data.agency.team
    if not any(m.role == "组长" for m in team):
        result.add("team.no_leader", ("agency", "team"), "诊断团队须有一名组长")
    if len(team) < 5:
        result.add("team.too_small", ("agency", "team"),
                   f"诊断机构成员数量不得少于 5 人，当前 {len(team)} 人", "warning")


def _check_assessments(data: DiagnosisInput, result: Validation) -> None:
    cmmm = data.assessments.cmmm
    expected = level_for_score(cmmm.score)
    if expected is not None and expected.level != cmmm.level:
        result.add("cmmm.level_mismatch", ("assessments", "cmmm", "level"),
                   f"得分 {cmmm.score:g} 对应 {expected.level} 级（{expected.name}），"
                   f"与填写的 {cmmm.level} 级不符")
    _check_scores(data, result)


def _check_scores(data: DiagnosisInput, result: Validation) -> None:
    cmmm = data.assessments.cmmm
    known = {s.name for s in subdomains()}
    for name in cmmm.subdomains:
        if name not in known:
            result.add("cmmm.unknown_subdomain", ("assessments", "cmmm", "subdomains", name),
                       f"“{name}”不是 GB/T 39116-2020 的能力子域"
                       f"（可用：{'、'.join(s.name for s in subdomains())}）")
    for name in cmmm.elements:
        if name not in elements():
            result.add("cmmm.unknown_element", ("assessments", "cmmm", "elements", name),
                       f"“{name}”不是能力要素（可用：{'、'.join(elements())}）")
    for name in data.assessments.lianghua.aspects:
        if name not in LIANGHUA_ASPECTS:
            result.add("lianghua.unknown_aspect",
                       ("assessments", "lianghua", "aspects", name),
                       f"“{name}”不是两化融合评估的方面（常用：{'、'.join(LIANGHUA_ASPECTS)}）",
                       "warning")


def _picture_problem(data: DiagnosisInput, name: str) -> tuple[str, str] | None:
    """Why the picture file `name` cannot be used, as (code, message), or None."""
    path = data.resolve(name)
    if path is None:
        return ("picture.not_allowed", "经 HTTP 服务提交的输入不能引用文件（服务器上的文件"
                "不对外开放）；含照片或图片的报告请在本机用命令行生成")
    if not path.is_file():
        return ("picture.missing", f"图片文件 {name} 不存在（路径相对于输入文件所在目录）")
    try:
        with Image.open(path) as image:
            image.verify()
    except (UnidentifiedImageError, OSError):
        return ("picture.unreadable", f"{name} 不是可读的 JPEG 或 PNG 图片")
    return None


def _check_pictures(data: DiagnosisInput, result: Validation) -> None:
    for i, visit in enumerate(data.visits):
        for j, photo in enumerate(visit.photos):
            if problem := _picture_problem(data, photo):
                result.add(problem[0], ("visits", i, "photos", j), problem[1])
        if not visit.photos:
            result.add("visit.no_photos", ("visits", i, "photos"),
                       f"每次入企应拍摄 1-{MAX_PHOTOS_PER_VISIT} 张现场照片"
                       "（工作要求第一条），本次未附", "warning")
        if len(visit.photos) > MAX_PHOTOS_PER_VISIT:
            result.add("visit.too_many_photos", ("visits", i, "photos"),
                       f"每次入企附 1-{MAX_PHOTOS_PER_VISIT} 张现场照片，本次 "
                       f"{len(visit.photos)} 张，报告只用前 {MAX_PHOTOS_PER_VISIT} 张",
                       "warning")

    diagram = data.report.architecture
    if diagram and (problem := _picture_problem(data, diagram)):
        result.add(problem[0], ("report", "architecture"), problem[1])
