"""Scenario suggestions: ranked by the weakest sub-domains, then industry and pain points."""

from __future__ import annotations

import json

from service.checks import validate
from service.cmmm import subdomains
from service.loading import parse_input
from service.suggest import load_mapping, suggest
from tests.conftest import write_yaml
from tests.helpers import run_zgsz


def weak_in(data: dict, scores: dict[str, float]) -> dict:
    data["assessments"]["cmmm"]["subdomains"] = {
        s.name: scores.get(s.name, 3.0) for s in subdomains()}
    return data


def test_weakest_equipment_and_energy_come_first(sample_data):
    data = parse_input(weak_in(sample_data, {"装备": 0.8, "能源管理": 1.0}))
    mapping = load_mapping("2021").subdomains
    equipment, energy = mapping["装备"], mapping["能源管理"]

    ranked = [s.id for s in suggest(data)]

    # Within one sub-domain the order follows industry and pain-point matches.
    assert set(ranked[:len(equipment)]) == set(equipment)
    assert set(ranked[len(equipment):len(equipment) + len(energy)]) == set(energy)
    first = suggest(data)[0]
    assert "能力子域“装备”得分 0.8" in first.reason and "最低" in first.reason


def test_suggest_command_prints_json(sample_data, tmp_path):
    path = write_yaml(tmp_path, weak_in(sample_data, {"能源管理": 0.5}))

    result = run_zgsz("suggest", str(path), "--json", "--top", "2", check=True)

    body = json.loads(result.stdout)
    assert [s["id"] for s in body["suggestions"]] == ["S22", "S23"]
    assert "非官方" in body["note"]


def test_suggest_command_marks_chosen_scenarios(tmp_path):
    result = run_zgsz("suggest", "examples/machining_parts.yaml", check=True)

    assert "S22 能耗数据监测〔能源管理〕（已选）" in result.stdout


def test_unknown_subdomain_is_named(sample_data):
    sample_data["assessments"]["cmmm"]["subdomains"]["装配"] = 2.0

    problem = {p.code: p for p in validate(parse_input(sample_data)).errors}[
        "cmmm.unknown_subdomain"]

    assert problem.path == "assessments.cmmm.subdomains.装配"
    assert problem.label.endswith("能力子域得分 › 装配")
    assert "能源管理" in problem.message
