"""The programme's compliance checks across all the enterprises each agency handled.

Per agency: team size, themed trainings, distinct scenarios recommended. Per enterprise:
experts per on-site visit, hours on site, a follow-up visit, 1-2 photos per visit, and a
report whose checks pass. Every rule gives a row, passed or not, so the sheet shows what
was checked as well as what fell short.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from service.checks import FOLLOW_UP, ON_SITE, validate
from service.errors import InputError
from service.loading import load_input
from service.model import DiagnosisInput
from service.skeleton import load_skeleton

MIN_TEAM = 5
MIN_TRAININGS = 2
PHOTOS_PER_VISIT = (1, 2)
INPUT_SUFFIXES = (".yaml", ".yml", ".json")


@dataclass(frozen=True)
class Check:
    agency: str
    enterprise: str  # empty for an agency-wide rule
    source: str  # the input file(s) the rule was checked on
    rule: str
    required: str
    actual: str
    ok: bool
    detail: str = ""


@dataclass
class ComplianceResult:
    agency_checks: list[Check]
    enterprise_checks: list[Check]

    @property
    def shortfalls(self) -> list[Check]:
        return [c for c in self.agency_checks + self.enterprise_checks if not c.ok]

    @property
    def ok(self) -> bool:
        return not self.shortfalls

    def agencies(self) -> list[str]:
        return list(dict.fromkeys(c.agency for c in self.agency_checks))


def input_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir()
                  if p.is_file() and p.suffix.lower() in INPUT_SUFFIXES)


def check_folder(folder: Path) -> ComplianceResult:
    loaded: list[tuple[Path, DiagnosisInput]] = []
    unreadable: list[Check] = []
    for path in input_files(folder):
        try:
            loaded.append((path, load_input(path)))
        except InputError as exc:
            first = exc.problems[0]
            unreadable.append(Check("（无法读取）", path.stem, path.name, "诊断报告",
                                    "输入文件可读且有效", f"{len(exc.problems)} 处错误",
                                    False, f"{first.label}：{first.message}"))

    by_agency: dict[str, list[tuple[Path, DiagnosisInput]]] = defaultdict(list)
    for path, data in loaded:
        by_agency[data.agency.name].append((path, data))

    agency_checks = [c for name, items in by_agency.items()
                     for c in agency_rules(name, items)]
    enterprise_checks = [c for path, data in loaded for c in enterprise_rules(path, data)]
    return ComplianceResult(agency_checks,
                            unreadable + duplicates(loaded) + enterprise_checks)


def duplicates(loaded: list[tuple[Path, DiagnosisInput]]) -> list[Check]:
    """One enterprise in several input files would be counted twice: name them."""
    by_code: dict[str, list[tuple[Path, DiagnosisInput]]] = defaultdict(list)
    for path, data in loaded:
        by_code[data.enterprise.credit_code].append((path, data))
    found = []
    for code, items in by_code.items():
        if len(items) > 1:
            names = "、".join(path.name for path, _ in items)
            _, data = items[0]
            found.append(Check(data.agency.name, data.enterprise.name, names, "一企一份输入",
                               "每家企业只有一份输入文件", f"{len(items)} 份", False,
                               f"统一社会信用代码 {code} 出现在 {names} 中，请只保留一份"))
    return found


def agency_rules(agency: str, items: list[tuple[Path, DiagnosisInput]]) -> list[Check]:
    sources = "、".join(path.name for path, _ in items)
    team = {m.name for _, data in items for m in data.agency.team}
    trainings = {(t.date, t.topic) for _, data in items for t in data.agency.trainings}
    scenarios = {p.id for _, data in items for p in data.report.scenarios}
    min_scenarios = max(load_skeleton(data.skeleton).rules.min_scenarios
                        for _, data in items)

    def check(rule: str, required: str, count: int, minimum: int, unit: str,
              detail: str) -> Check:
        ok = count >= minimum
        return Check(agency, "", sources, rule, required, f"{count} {unit}", ok,
                     "" if ok else detail)

    return [
        check("诊断团队人数", f"不少于 {MIN_TEAM} 人", len(team), MIN_TEAM, "人",
              f"诊断团队只有 {len(team)} 人（agency.team），少 {MIN_TEAM - len(team)} 人"),
        check("专题培训", f"不少于 {MIN_TRAININGS} 次", len(trainings), MIN_TRAININGS, "次",
              f"只报送 {len(trainings)} 次专题培训（agency.trainings），"
              f"少 {MIN_TRAININGS - len(trainings)} 次"),
        check("推荐场景（不重复）", f"各企业合计不少于 {min_scenarios} 个", len(scenarios),
              min_scenarios, "个",
              f"各企业合计只推荐 {len(scenarios)} 个不重复场景（report.scenarios），"
              f"少 {min_scenarios - len(scenarios)} 个"),
    ]


def enterprise_rules(path: Path, data: DiagnosisInput) -> list[Check]:
    rules = load_skeleton(data.skeleton).rules
    agency, name = data.agency.name, data.enterprise.name

    def check(rule: str, required: str, actual: str, problems: list[str]) -> Check:
        return Check(agency, name, path.name, rule, required, actual, not problems,
                     "；".join(problems))

    on_site = [(i, v) for i, v in enumerate(data.visits) if v.kind == ON_SITE]
    few = [f"第{i + 1}次入企（{v.date}）到场专家 {len(set(v.experts))} 名（visits[{i}].experts）"
           for i, v in on_site if len(set(v.experts)) < rules.min_experts_on_site]
    fewest = min((len(set(v.experts)) for _, v in on_site), default=0)

    hours = sum(v.hours for _, v in on_site if v.end > v.start)
    short = ([] if hours >= rules.min_hours_on_site else
             [f"现场诊断合计 {hours:.1f} 小时，少于 {rules.min_hours_on_site:g} 小时"])

    follow_ups = sum(v.kind == FOLLOW_UP for v in data.visits)
    low, high = PHOTOS_PER_VISIT
    photo_problems = [f"第{i + 1}次入企（{v.date}，{v.kind}）照片 {len(v.photos)} 张"
                      f"（visits[{i}].photos）"
                      for i, v in enumerate(data.visits) if not low <= len(v.photos) <= high]

    validation = validate(data)
    report_problems = [str(p) for p in validation.errors]

    return [
        check("现场诊断专家人数", f"每次不少于 {rules.min_experts_on_site} 名",
              f"最少 {fewest} 名" if on_site else "无现场诊断",
              few or ([] if on_site else ["没有现场诊断记录"])),
        check("现场诊断时长", f"合计不少于 {rules.min_hours_on_site:g} 小时",
              f"{hours:.1f} 小时", short),
        check("企业回访", "至少 1 次", f"{follow_ups} 次",
              [] if follow_ups else ["没有回访记录（服务类型：回访）"]),
        check("现场照片", f"每次入企 {low}-{high} 张",
              "、".join(str(len(v.photos)) for v in data.visits) + " 张", photo_problems),
        check("诊断报告", "输入校验通过，可生成正式报告",
              "通过" if validation.ok else f"{len(validation.errors)} 处错误",
              report_problems),
    ]
