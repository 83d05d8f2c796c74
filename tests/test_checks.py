"""The programme's rules on broken inputs: each problem named by path, label and message."""

from __future__ import annotations

import pytest

from service import catalogue as catalogue_module
from service.checks import validate
from service.credit_code import check_character, credit_code_problem
from service.errors import InputError
from service.loading import parse_input


def problems(data: dict, severity: str = "error") -> dict[str, object]:
    result = validate(parse_input(data))
    return {p.code: p for p in result.problems if p.severity == severity}


def test_sample_passes_every_check(sample_data):
    result = validate(parse_input(sample_data))

    assert result.ok, [str(p) for p in result.errors]
    assert result.body_chars >= 3000
    assert all(result.checks.values())


def test_missing_section_is_named_with_its_title(sample_data):
    del sample_data["report"]["sections"]["gaps"]

    found = problems(sample_data)

    problem = found["section.missing"]
    assert problem.path == "report.sections.gaps"
    assert problem.label == "报告内容 › 章节正文 › 企业智能化/数字化能力短板分析"
    assert "必需章节" in problem.message


def test_short_body_reports_count_and_rule(sample_data):
    sections = sample_data["report"]["sections"]
    for key in sections:
        sections[key] = sections[key][:200]

    problem = problems(sample_data)["body.too_short"]

    assert "不足 3000 字" in problem.message
    assert "只计汉字" in problem.message


@pytest.mark.parametrize("code, message", [
    ("91320412MA1XW7K30X", "校验位不符：第18位应为 F，实际为 X"),
    ("91320412MA1XW7K30", "应为18位，实际为17位"),
    ("91320412MA1XW7KI0F", "不允许的字符：I"),
], ids=["check-digit", "length", "letter-I"])
def test_bad_credit_code_says_why(sample_data, code, message):
    sample_data["enterprise"]["credit_code"] = code

    problem = problems(sample_data)["enterprise.credit_code"]

    assert problem.label == "被诊断企业 › 统一社会信用代码"
    assert message in problem.message


def test_full_width_credit_code_is_read_as_half_width(sample_data):
    code = sample_data["enterprise"]["credit_code"]
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in code.lower())

    sample_data["enterprise"]["credit_code"] = f" {full_width} "

    assert parse_input(sample_data).enterprise.credit_code == code
    assert "enterprise.credit_code" not in problems(sample_data)


def test_credit_code_checksum_accepts_the_standard_example():
    # The check character of a code is recomputed from its first 17 characters.
    assert check_character("91350100M000100Y4") == "3"
    assert credit_code_problem("91350100M000100Y43") is None


def test_nine_scenarios_are_too_few(sample_data):
    sample_data["report"]["scenarios"] = sample_data["report"]["scenarios"][:9]

    problem = problems(sample_data)["scenario.too_few"]

    assert problem.path == "report.scenarios"
    assert "至少 10 个且不重复，当前只有 9 个" in problem.message


def test_repeated_scenario_is_named_at_its_place(sample_data):
    picks = sample_data["report"]["scenarios"]
    picks[5]["id"] = picks[0]["id"]

    found = problems(sample_data)

    assert found["scenario.repeated"].path == "report.scenarios[5].id"
    assert found["scenario.repeated"].label == "报告内容 › 推荐场景[第6条] › 场景编号"
    assert "与第1条相同" in found["scenario.repeated"].message


def test_unknown_scenario_warns_against_incomplete_edition(sample_data):
    sample_data["report"]["scenarios"][3].update(id="S99", name="智能排产与调度协同")

    warning = problems(sample_data, "warning")["scenario.unlisted"]

    assert warning.path == "report.scenarios[3].id"
    assert "2021版目录不完整" in warning.message
    assert "scenario.unknown" not in problems(sample_data)


def test_unknown_scenario_without_a_name_cannot_be_printed(sample_data):
    sample_data["report"]["scenarios"][3]["id"] = "S99"

    error = problems(sample_data)["scenario.unnamed"]

    assert error.path == "report.scenarios[3].name"
    assert "请填写场景名称" in error.message


def test_unknown_scenario_is_an_error_against_complete_edition(sample_data, tmp_path,
                                                                monkeypatch):
    source = catalogue_module.DOMAIN / "scenario_catalog_2021.yaml"
    complete = source.read_text("utf-8").replace("complete: false", "complete: true")
    (tmp_path / "scenario_catalog_2021.yaml").write_text(complete, "utf-8")
    monkeypatch.setattr(catalogue_module, "DOMAIN", tmp_path)
    catalogue_module.load_catalogue.cache_clear()
    sample_data["report"]["scenarios"][3]["id"] = "S99"

    try:
        error = problems(sample_data)["scenario.unknown"]
    finally:
        catalogue_module.load_catalogue.cache_clear()

    assert "场景编号 S99 不在《智能制造典型场景参考指引（2021年）》中" in error.message


def test_visit_with_one_expert(sample_data):
    visit = next(v for v in sample_data["visits"] if v["kind"] == "现场诊断")
    index = sample_data["visits"].index(visit)
    visit["experts"] = visit["experts"][:1]

    problem = problems(sample_data)["visit.too_few_experts"]

    assert problem.path == f"visits[{index}].experts"
    assert problem.label == f"入企服务记录[第{index + 1}条] › 到场专家"
    assert "不少于 2 名专家，本次 1 名" in problem.message


def test_too_little_time_on_site_and_no_follow_up(sample_data):
    for visit in sample_data["visits"]:
        visit["kind"] = "诊断汇报" if visit["kind"] == "回访" else visit["kind"]
        if visit["kind"] == "现场诊断":
            visit["start"], visit["end"] = "09:00", "09:30"

    found = problems(sample_data)

    assert "不少于 3 小时" in found["visit.too_short"].message
    assert "回访" in found["visit.no_follow_up"].message


def test_end_before_start(sample_data):
    sample_data["visits"][0]["start"], sample_data["visits"][0]["end"] = "15:00", "10:30"

    problem = problems(sample_data)["visit.time_order"]

    assert problem.path == "visits[0].end"
    assert "应晚于开始时间 15:00" in problem.message


def test_visit_entered_twice_counts_once(sample_data):
    on_site = [v for v in sample_data["visits"] if v["kind"] == "现场诊断"]
    on_site[0].update(start="10:00", end="12:00")
    sample_data["visits"] = [on_site[0], dict(on_site[0])] + [
        v for v in sample_data["visits"] if v["kind"] != "现场诊断"]

    found = problems(sample_data)

    assert found["visit.repeated"].path == "visits[1]"
    assert "当前 2.0 小时" in found["visit.too_short"].message  # not 4.0


def test_unquoted_phone_number_is_read_as_text(sample_data):
    sample_data["enterprise"]["contact"]["phone"] = 13800001234

    assert parse_input(sample_data).enterprise.contact.phone == "13800001234"


def test_number_where_a_time_belongs_is_refused(sample_data):
    sample_data["visits"][0]["end"] = 1200

    with pytest.raises(InputError) as caught:
        parse_input(sample_data)

    [problem] = caught.value.problems
    assert problem.path == "visits[0].end"
    assert "格式 HH:MM" in problem.message


def test_level_that_does_not_match_score(sample_data):
    sample_data["assessments"]["cmmm"].update(level=4, score=2.1)

    problem = problems(sample_data)["cmmm.level_mismatch"]

    assert "对应 2 级（规范级）" in problem.message


def test_every_input_problem_is_reported_at_once(sample_data):
    sample_data["visits"][0]["date"] = "2022-02-30"
    sample_data["enterprise"]["employees"] = "很多"
    del sample_data["enterprise"]["name"]
    sample_data["enterprise"]["websit"] = "x"

    with pytest.raises(InputError) as caught:
        parse_input(sample_data)

    shown = {p.path: str(p) for p in caught.value.problems}
    assert "该日须存在" in shown["visits[0].date"]
    assert "应为整数" in shown["enterprise.employees"]
    assert "必填" in shown["enterprise.name"]
    assert "不认识的字段" in shown["enterprise.websit"]
    assert shown["enterprise.name"].startswith("[错误] 被诊断企业 › 企业名称")


def test_character_no_font_can_draw_is_named(sample_data):
    sample_data["visits"][0]["attendees"][0]["unit"] = "𠀀字车间"

    problem = problems(sample_data)["text.no_glyph"]

    assert problem.path == "visits[0].attendees[0].unit"
    assert problem.label == "入企服务记录[第1条] › 签到人员[第1条] › 单位/部门"
    assert "字符“𠀀”（U+20000）没有可用的字体" in problem.message


def test_rare_characters_fonts_do_draw_pass(sample_data):
    # Extension A and B ideographs that Noto CJK covers, and an emoji.
    sample_data["enterprise"]["address"] = "常州市武进区㐀路𠮷号 😀"

    assert "text.no_glyph" not in problems(sample_data)


def test_control_character_no_document_can_hold_is_named(sample_data):
    sample_data["enterprise"]["address"] = "常州市\x07武进区\ufffe"

    problem = problems(sample_data)["text.illegal_char"]

    assert problem.path == "enterprise.address"
    assert "U+0007" in problem.message and "U+FFFE" in problem.message


def test_over_long_name_is_refused(sample_data):
    sample_data["enterprise"]["name"] = "很长" * 40

    with pytest.raises(InputError) as caught:
        parse_input(sample_data)

    [problem] = caught.value.problems
    assert problem.path == "enterprise.name"
    assert "不能超过 60 个字符" in problem.message
