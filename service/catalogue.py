"""Editions of the national catalogue of typical smart-manufacturing scenarios.

Each edition is a data file in domain/ (scenario_catalog_<edition>.yaml). A bureau can
drop in the official, complete file and name its edition in a skeleton: no code change.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import yaml

from service.errors import DataError
from service.paths import DOMAIN


@dataclass(frozen=True)
class Scenario:
    id: str
    name: str
    link_id: str
    link_name: str
    verified: bool


@dataclass(frozen=True)
class Catalogue:
    edition: str
    title: str
    complete: bool
    links: tuple[tuple[str, str], ...]
    scenarios: dict[str, Scenario]

    def get(self, scenario_id: str) -> Scenario | None:
        return self.scenarios.get(scenario_id)


def editions() -> list[str]:
    return sorted(p.stem.removeprefix("scenario_catalog_")
                  for p in DOMAIN.glob("scenario_catalog_*.yaml"))


@cache
def load_catalogue(edition: str) -> Catalogue:
    path = DOMAIN / f"scenario_catalog_{edition}.yaml"
    if not path.is_file():
        raise DataError(f"场景目录版本 {edition} 不存在（现有：{'、'.join(editions())}）")

    try:
        data = yaml.safe_load(path.read_text("utf-8"))
        meta = data["meta"]
        scenarios = {}
        links = []
        for link in data["links"]:
            links.append((link["id"], link["name"]))
            for sc in link.get("scenarios") or []:
                scenarios[sc["id"]] = Scenario(
                    sc["id"], sc["name"], link["id"], link["name"], bool(sc.get("verified"))
                )
    except (yaml.YAMLError, KeyError, TypeError) as exc:
        raise DataError(f"场景目录文件 {path.name} 格式有误：{exc!r}") from exc

    return Catalogue(
        edition=str(meta.get("edition", edition)),
        title=meta.get("title", ""),
        complete=bool(meta.get("complete", False)),
        links=tuple(links),
        scenarios=scenarios,
    )
