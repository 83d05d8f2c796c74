"""The CMMM maturity model (GB/T 39116-2020) as far as domain/cmmm.yaml holds it.

Only the score bands are used to judge anything: weights and aggregation are unverified
there, so scores and levels are taken from the platform's results as given.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import yaml

from service.paths import DOMAIN


@dataclass(frozen=True)
class Band:
    level: int
    name: str
    low: float
    high: float
    high_inclusive: bool

    def holds(self, score: float) -> bool:
        return self.low <= score and (
            score <= self.high if self.high_inclusive else score < self.high
        )


@cache
def bands() -> tuple[Band, ...]:
    data = yaml.safe_load((DOMAIN / "cmmm.yaml").read_text("utf-8"))
    rows = data["scoring"]["total_score_to_level"]["bands"]
    return tuple(
        Band(
            level=row["level"],
            name=row["name"],
            low=float(row["min"]),
            high=float(row.get("max_exclusive", row.get("max_inclusive"))),
            high_inclusive="max_inclusive" in row,
        )
        for row in rows
    )


def level_for_score(score: float) -> Band | None:
    return next((b for b in bands() if b.holds(score)), None)


def level_name(level: int) -> str:
    return next((b.name for b in bands() if b.level == level), f"{level}级")


@dataclass(frozen=True)
class Subdomain:
    id: str
    name: str
    element: str


@cache
def subdomains() -> tuple[Subdomain, ...]:
    """The 20 capability sub-domains, in the standard's order."""
    data = yaml.safe_load((DOMAIN / "cmmm.yaml").read_text("utf-8"))
    return tuple(
        Subdomain(sub["id"], sub["name"], element["name"])
        for element in data["capability_elements"]
        for domain in element["domains"]
        for sub in domain["subdomains"]
    )


def elements() -> tuple[str, ...]:
    return tuple(dict.fromkeys(s.element for s in subdomains()))


@cache
def levels() -> tuple[dict, ...]:
    """The five levels with their one-line descriptions (own-words paraphrase)."""
    data = yaml.safe_load((DOMAIN / "cmmm.yaml").read_text("utf-8"))
    return tuple(data["levels"])
