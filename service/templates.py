"""Custom templates: checked before they are stored, rendered only in the sandbox.

An agency may bring its own Word template for the report or a form. Before it is kept,
`lint` reports every problem at once: the file checks of service.uploads, tags that are
broken, tags split over runs of different formatting, variables the template kind does
not have, fields the input does not have, and Python internals (names with “_”), which
the sandbox would refuse at render time anyway.
"""

from __future__ import annotations

import io
import re
import zipfile
from functools import cache
from pathlib import Path

from docxtpl import DocxTemplate
from jinja2 import TemplateSyntaxError, meta, nodes
from pydantic import BaseModel

from service.errors import DataError, InputError, Problem
from service.loading import load_input
from service.model import DiagnosisInput
from service.paths import EXAMPLES, custom_template, template_dir
from service.render import _environment, attachments_context, report_context
from service.skeleton import load_skeleton
from service.store import write_all
from service.uploads import inspect_office

KINDS = {"report": "诊断报告", "attachment1": "附件1 签到表",
         "attachment2": "附件2 诊断服务确认单", "attachment3": "附件3 满意度调查表"}
NAME = re.compile(r"^[\w\-\u4e00-\u9fff]{1,40}$")
_PARTS = re.compile(r"^word/(document|header\d*|footer\d*)\.xml$")
_PARAGRAPH = re.compile(r"<w:p[ >].*?</w:p>", re.S)
_RUN_TEXT = re.compile(r"<w:t(?: [^>]*)?>([^<]*)</w:t>")
_TAGS = (("{{", "}}"), ("{%", "%}"))

# The models behind the context's roots, for checking `enterprise.xxx` and the like.
ROOT_MODELS: dict[str, type[BaseModel]] = {
    name: DiagnosisInput.model_fields[name].annotation
    for name in ("programme", "agency", "enterprise", "report")
}


@cache
def known_variables(kind: str) -> frozenset[str]:
    """The names a template of this kind may use: the context render.py builds."""
    data = load_input(EXAMPLES / "machining_parts.yaml")
    skeleton = load_skeleton(data.skeleton)
    if kind == "report":
        context = report_context(data, skeleton, draft=False, draft_problems=[])
    else:
        context = attachments_context(data, skeleton)
    return frozenset(context)


def _problem(code: str, where: str, message: str, severity: str = "error") -> Problem:
    return Problem(code, "", where, message, severity)


def _paragraph_texts(xml: str) -> list[tuple[str, list[str]]]:
    """Each paragraph's text and its runs' texts."""
    found = []
    for paragraph in _PARAGRAPH.findall(xml):
        runs = _RUN_TEXT.findall(paragraph)
        found.append(("".join(runs), runs))
    return found


def _tag_problems(part: str, xml: str) -> list[Problem]:
    problems = []
    for number, (text, runs) in enumerate(_paragraph_texts(xml), start=1):
        where = f"{part} 第{number}段“{text[:30]}”"
        for opening, closing in _TAGS:
            if text.count(opening) != text.count(closing):
                problems.append(_problem("template.broken_tag", where,
                                         f"“{opening}”与“{closing}”不成对"))
        for match in re.finditer(r"\{\{.*?\}\}|\{%.*?%\}", text):
            if not any(match.group(0) in run for run in runs):
                problems.append(_problem(
                    "template.split_tag", where,
                    f"标记“{match.group(0)}”被拆成了几段不同格式的文字；"
                    "请在 Word 中删掉后一次打完", "warning"))
    return problems


def _ast_problems(part: str, source: str, kind: str) -> list[Problem]:
    env = _environment()
    try:
        tree = env.parse(source)
    except TemplateSyntaxError as exc:
        line = source.splitlines()[exc.lineno - 1] if exc.lineno else ""
        near = re.sub(r"<[^>]+>", "", line)[:40]
        return [_problem("template.syntax", f"{part}（“{near}”附近）",
                         f"模板语法错误：{exc.message}")]

    problems = []
    unknown = meta.find_undeclared_variables(tree) - known_variables(kind)
    for name in sorted(unknown):
        problems.append(_problem("template.unknown_variable", part,
                                 f"变量 {name} 不存在（{KINDS[kind]}模板可用："
                                 f"{'、'.join(sorted(known_variables(kind)))}）"))
    for node in tree.find_all(nodes.Getattr):
        if node.attr.startswith("_"):
            problems.append(_problem("template.forbidden", part,
                                     f"不允许访问 {node.attr}（以“_”开头的内部属性）"))
        elif isinstance(node.node, nodes.Name) and node.node.name in ROOT_MODELS:
            model = ROOT_MODELS[node.node.name]
            if node.attr not in model.model_fields:
                problems.append(_problem(
                    "template.unknown_field", part,
                    f"{node.node.name}.{node.attr} 不存在（可用："
                    f"{'、'.join(model.model_fields)}）"))
    return problems


def lint(content: bytes, kind: str) -> tuple[bytes, list[Problem]]:
    """The template made safe to keep, and every problem found in it."""
    if kind not in KINDS:
        raise DataError(f"模板类型 {kind} 不存在（可用：{'、'.join(KINDS)}）")
    inspected = inspect_office(content, "模板文件")
    problems = [_problem("upload.stripped", "模板文件", f"已去除{item}", "warning")
                for item in inspected.stripped]

    archive = zipfile.ZipFile(io.BytesIO(inspected.content))
    if "word/document.xml" not in archive.namelist():
        raise InputError([_problem("template.not_word", "模板文件", "不是 Word 文档")])
    patcher = DocxTemplate(io.BytesIO(inspected.content))
    for part in sorted(n for n in archive.namelist() if _PARTS.match(n)):
        xml = archive.read(part).decode("utf-8", "replace")
        problems += _tag_problems(part, xml)
        problems += _ast_problems(part, patcher.patch_xml(xml), kind)
    return inspected.content, problems


def store(content: bytes, name: str, kind: str) -> tuple[Path, list[Problem]]:
    """Lint, then keep the template under `name` unless an error was found."""
    if not NAME.match(name):
        raise InputError([_problem("template.name", "模板名称",
                                   "只能用 1-40 个汉字、字母、数字、下划线或连字符")])
    clean, problems = lint(content, kind)
    if any(p.severity == "error" for p in problems):
        raise InputError(problems, "模板有误，未保存")
    path = custom_template(name, kind)
    write_all(path.parent, {path.name: clean})
    return path, problems


def stored() -> list[tuple[str, str]]:
    """(name, kind) of every kept template."""
    found = []
    for path in sorted(template_dir().glob("*.docx")):
        name, _, kind = path.name.removesuffix(".docx").rpartition(".")
        if kind in KINDS:
            found.append((name, kind))
    return found
