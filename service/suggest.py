"""Scenario suggestions: catalogue scenarios ranked for one enterprise, each with a reason.

The ranking is lexicographic, so it can be explained in one sentence: a scenario that
answers a weaker CMMM sub-domain comes first; among equals, more matches with the
industry and the stated pain points (report.gaps) come first; then catalogue order.
The mapping behind it (domain/scenario_suggestions_<edition>.yaml) is our own
judgement, not official: the agency confirms what it recommends in report.scenarios.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from functools import cache

import yaml

from service.catalogue import Catalogue, load_catalogue
from service.errors import DataError
from service.model import DiagnosisInput
from service.paths import DOMAIN
from service.skeleton import load_skeleton

UNRANKED = 10_000  # weakness rank of a scenario that answers no scored sub-domain


@dataclass(frozen=True)
class Suggestion:
    id: str
    name: str
    link: str
    reason: str
    weakness_rank: int
    matches: int

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Mapping:
    subdomains: dict[str, list[str]]
    industries: list[dict]
    pain_points: list[dict]
    note: str


@cache
def load_mapping(edition: str) -> Mapping:
    path = DOMAIN / f"scenario_suggestions_{edition}.yaml"
    if not path.is_file():
        raise DataError(f"场景目录 {edition} 版没有场景推荐对应表（{path.name}）")
    try:
        data = yaml.safe_load(path.read_text("utf-8"))
        return Mapping(
            subdomains={k: list(v or []) for k, v in data["subdomains"].items()},
            industries=list(data.get("industries") or []),
            pain_points=list(data.get("pain_points") or []),
            note=data["meta"].get("note", ""),
        )
    except (yaml.YAMLError, KeyError, TypeError, AttributeError) as exc:
        raise DataError(f"场景推荐对应表 {path.name} 格式有误：{exc!r}") from exc


def weakest_subdomains(data: DiagnosisInput) -> list[tuple[str, float]]:
    """Scored sub-domains, weakest first; ties keep the input's order."""
    scores = data.assessments.cmmm.subdomains
    return sorted(scores.items(), key=lambda item: item[1])


def suggest(data: DiagnosisInput) -> list[Suggestion]:
    edition = load_skeleton(data.skeleton).catalogue
    catalogue = load_catalogue(edition)
    mapping = load_mapping(edition)

    reasons: dict[str, list[str]] = {}
    rank: dict[str, int] = {}
    matches: dict[str, int] = {}

    weak = weakest_subdomains(data)
    for name, score in weak:
        # Equal scores are equally weak: the rank counts only strictly lower ones.
        position = sum(other < score for _, other in weak)
        for scenario_id in mapping.subdomains.get(name, []):
            if scenario_id in rank:
                continue
            rank[scenario_id] = position
            order = "最低" if position == 0 else f"第 {position + 1} 低"
            reasons.setdefault(scenario_id, []).append(
                f"能力子域“{name}”得分 {score:g}，在已评 {len(weak)} 个子域中{order}")

    industry = data.enterprise.industry
    for group in mapping.industries:
        hit = next((w for w in group["words"] if w in industry), None)
        if hit:
            for scenario_id in group["scenarios"]:
                matches[scenario_id] = matches.get(scenario_id, 0) + 1
                reasons.setdefault(scenario_id, []).append(f"{hit}行业的常见改造方向")

    for gap in data.report.gaps:
        text = f"{gap.area}{gap.current}{gap.problem}"
        for group in mapping.pain_points:
            hit = next((w for w in group["words"] if w in text), None)
            if hit:
                for scenario_id in group["scenarios"]:
                    matches[scenario_id] = matches.get(scenario_id, 0) + 1
                    reasons.setdefault(scenario_id, []).append(
                        f"回应短板“{gap.area}”（{hit}）")

    return _ranked(catalogue, reasons, rank, matches)


def _ranked(catalogue: Catalogue, reasons: dict[str, list[str]], rank: dict[str, int],
            matches: dict[str, int]) -> list[Suggestion]:
    order = list(catalogue.scenarios)
    found = [sid for sid in reasons if catalogue.get(sid) is not None]
    found.sort(key=lambda sid: (rank.get(sid, UNRANKED), -matches.get(sid, 0),
                                order.index(sid)))
    suggestions = []
    for scenario_id in found:
        scenario = catalogue.get(scenario_id)
        # A pain point named twice reads as noise: keep each reason once.
        reason = "；".join(dict.fromkeys(reasons[scenario_id]))
        suggestions.append(Suggestion(scenario_id, scenario.name, scenario.link_name,
                                      reason, rank.get(scenario_id, UNRANKED),
                                      matches.get(scenario_id, 0)))
    return suggestions
