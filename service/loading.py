"""Reading an input file into a DiagnosisInput, with every problem told in Chinese."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from service.errors import InputError, Problem
from service.labels import dotted, label_for
from service.model import DiagnosisInput

# pydantic's error types -> what we tell the user. `{...}` pulls from the error's ctx.
_MESSAGES = {
    "missing": "必填，但未填写",
    "extra_forbidden": "不认识的字段（请检查拼写，或删除该字段）",
    "string_type": "应为文字",
    "string_too_short": "不能为空",
    "string_too_long": "不能超过 {max_length} 个字符",
    "int_type": "应为整数",
    "int_parsing": "应为整数",
    "int_from_float": "应为整数，不能有小数",
    "float_type": "应为数字",
    "float_parsing": "应为数字",
    "bool_type": "应为是/否（true/false）",
    "list_type": "应为列表",
    "dict_type": "应为键值对（映射）",
    "model_type": "应为键值对（映射）",
    "model_attributes_type": "应为键值对（映射）",
    "too_short": "至少需要 {min_length} 项",
    "too_long": "最多 {max_length} 项",
    "greater_than_equal": "不能小于 {ge}",
    "less_than_equal": "不能大于 {le}",
    "literal_error": "取值应为 {expected} 之一",
    "date_type": "应为日期，格式 YYYY-MM-DD",
    "date_parsing": "不是有效日期（格式 YYYY-MM-DD）",
    "date_from_datetime_parsing": "不是有效日期（格式 YYYY-MM-DD，且该日须存在）",
    "date_from_datetime_inexact": "应为日期，不能带时刻",
    "time_type": "应为时刻，格式 HH:MM",
    "time_parsing": "不是有效时刻（格式 HH:MM）",
    "value_error": "{error}",
}


def _message(error: dict[str, Any]) -> str:
    template = _MESSAGES.get(error["type"])
    if template is None:
        # TODO: every pydantic error type we have met is mapped; an unmapped one still
        # names the field, with the input echoed so the user can see what was refused.
        return f"取值无效：{error.get('input')!r}"

    ctx = {k: v for k, v in (error.get("ctx") or {}).items()}
    if "expected" in ctx:
        choices = re.split(r",\s*|\s+or\s+", str(ctx["expected"]))
        ctx["expected"] = "、".join(c.strip("'\"") for c in choices)
    try:
        return template.format(**ctx)
    except (KeyError, IndexError):
        return template


def problems_from_validation(exc: ValidationError) -> list[Problem]:
    problems = []
    for error in exc.errors(include_url=False):
        loc = [k for k in error["loc"] if not (isinstance(k, str) and "[" in k)]
        problems.append(
            Problem(
                code=f"input.{error['type']}",
                path=dotted(loc),
                label=label_for(loc),
                message=_message(error),
            )
        )
    return problems


def parse_input(data: Any) -> DiagnosisInput:
    if data is None:
        raise InputError([Problem("input.empty", "", "输入文件", "文件为空")])
    if not isinstance(data, dict):
        raise InputError(
            [Problem("input.not_mapping", "", "输入文件", "顶层应为键值对（映射）")]
        )
    try:
        return DiagnosisInput.model_validate(data)
    except ValidationError as exc:
        raise InputError(problems_from_validation(exc)) from exc


class _PlainLoader(yaml.SafeLoader):
    """YAML without YAML 1.1's guesses that hurt here: 2022-02-30 would raise before
    any field could be named, and 10:30 would become the base-60 number 630. Dates and
    times stay text, and the model reads (and names) them."""


_PlainLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers
            if tag not in ("tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:int")]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_PlainLoader.add_implicit_resolver(
    "tag:yaml.org,2002:int",
    re.compile(r"^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+)$"),
    list("-+0123456789"),
)


def read_data(path: Path) -> Any:
    """The raw YAML or JSON content of `path`; syntax errors become an InputError."""
    where = str(path)
    if path.suffix.lower() not in (".yaml", ".yml", ".json", ".txt", ""):
        raise InputError([Problem("file.kind", "", where,
                                  f"输入应为 .yaml 或 .json 文件，不是 {path.suffix} 文件")])
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InputError([Problem("file.missing", "", where, "文件不存在")]) from None
    except IsADirectoryError:
        raise InputError([Problem("file.directory", "", where,
                                  "这是一个目录，请给出输入文件")]) from None
    except PermissionError:
        raise InputError([Problem("file.permission", "", where, "没有读取权限")]) from None
    except UnicodeDecodeError:
        raise InputError(
            [Problem("file.encoding", "", where, "文件不是 UTF-8 编码，请另存为 UTF-8")]
        ) from None

    try:
        if path.suffix.lower() == ".json":
            return json.loads(text)
        return yaml.load(text, Loader=_PlainLoader)  # noqa: S506 - a SafeLoader subclass
    except json.JSONDecodeError as exc:
        msg = f"JSON 格式错误，第 {exc.lineno} 行第 {exc.colno} 列（解析器提示：{exc.msg}）"
        raise InputError([Problem("file.syntax", "", where, msg)]) from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f"第 {mark.line + 1} 行第 {mark.column + 1} 列" if mark else "某处"
        hint = getattr(exc, "problem", "") or exc
        msg = f"YAML 格式错误，{at}（解析器提示：{hint}），请检查括号、引号与缩进"
        raise InputError([Problem("file.syntax", "", where, msg)]) from exc


def load_input(path: Path) -> DiagnosisInput:
    data = parse_input(read_data(path))
    data._base_dir = path.resolve().parent
    return data
