"""Report skeletons: a programme's sections and rules, kept as data in report_skeletons/."""

from __future__ import annotations

from functools import cache

import yaml
from pydantic import BaseModel, Field, ValidationError

from service.errors import DataError
from service.paths import SKELETONS

TABLES = ("basic_info", "assessments", "gaps", "scenarios", "projects", "vendors",
          "benchmarks")
# What may follow a section's text, drawn from the input's data when it has any.
FIGURES = ("equipment", "software", "photos", "cmmm_scores", "radar", "lianghua_aspects",
           "scenario_chart", "architecture")


class Section(BaseModel):
    id: str
    title: str
    order: int
    required: bool = True
    min_chars: int = 0
    table: str | None = None
    figures: list[str] = Field(default_factory=list)
    fields: list[str] = Field(default_factory=list)


class Rules(BaseModel):
    min_body_chars: int = 3000
    min_scenarios: int = 10
    min_benchmarks: int = 1
    min_experts_on_site: int = 2
    min_hours_on_site: float = 3
    follow_up_required: bool = True


class ProgrammeDefaults(BaseModel):
    name: str
    bureau: str
    district: str = ""
    year: int | None = None


class Skeleton(BaseModel):
    id: str
    title: str
    programme: ProgrammeDefaults
    catalogue: str
    towns: list[str] = Field(default_factory=list)
    towns_verified: bool = False
    town_aliases: dict[str, str] = Field(default_factory=dict)
    rules: Rules = Field(default_factory=Rules)
    sections: list[Section]

    def ordered(self) -> list[Section]:
        return sorted(self.sections, key=lambda s: s.order)

    def section(self, section_id: str) -> Section | None:
        return next((s for s in self.sections if s.id == section_id), None)


def available() -> list[str]:
    # <id>.drafts.yaml beside a skeleton holds its draft texts, not a skeleton.
    return sorted(p.stem for p in SKELETONS.glob("*.yaml") if "." not in p.stem)


@cache
def load_skeleton(skeleton_id: str) -> Skeleton:
    path = SKELETONS / f"{skeleton_id}.yaml"
    if not path.is_file():
        known = "、".join(available()) or "无"
        raise DataError(f"报告骨架 {skeleton_id} 不存在（现有：{known}）")

    try:
        skeleton = Skeleton.model_validate(yaml.safe_load(path.read_text("utf-8")))
    except (yaml.YAMLError, ValidationError) as exc:
        raise DataError(f"报告骨架文件 {path.name} 有误：{exc}") from exc

    unknown = [s.table for s in skeleton.sections if s.table and s.table not in TABLES]
    if unknown:
        raise DataError(f"报告骨架 {path.name} 用了不认识的表格：{'、'.join(unknown)}")
    unknown = [f for s in skeleton.sections for f in s.figures if f not in FIGURES]
    if unknown:
        raise DataError(f"报告骨架 {path.name} 用了不认识的图表：{'、'.join(unknown)}"
                        f"（可用：{'、'.join(FIGURES)}）")
    return skeleton
