"""`zgsz template lint|add|list`: custom Word templates, checked before they are kept."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from service.cli_common import EXIT_BAD_INPUT, EXIT_CHECKS_FAILED, err, out
from service.errors import DataError, InputError, Problem, os_reason
from service.templates import KINDS, lint, store, stored

app = typer.Typer(help="自定义 Word 模板：检查、保存、列出。", no_args_is_help=True,
                  rich_markup_mode=None)

Kind = Annotated[str, typer.Option(help=f"模板类型：{'、'.join(KINDS)}")]
TemplateFile = Annotated[Path, typer.Argument(help="Word 模板（.docx）")]


def _show(problems: list[Problem]) -> None:
    for problem in problems:
        style = "red" if problem.severity == "error" else "yellow"
        err.print(f"  {problem}", style=style, markup=False)


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        err.print(f"无法读取 {path}：{os_reason(exc)}", style="bold red", markup=False)
        raise typer.Exit(EXIT_BAD_INPUT) from None


@app.command("lint")
def lint_command(path: TemplateFile, kind: Kind = "report") -> None:
    """检查模板，一次列出全部问题（标记残缺、标记被拆分、变量或字段不存在、不安全写法）。"""
    try:
        _, problems = lint(_read(path), kind)
    except InputError as exc:
        _show(exc.problems)
        raise typer.Exit(EXIT_BAD_INPUT) from None
    except DataError as exc:
        err.print(exc.message, style="bold red", markup=False)
        raise typer.Exit(EXIT_BAD_INPUT) from None
    _show(problems)
    errors = sum(p.severity == "error" for p in problems)
    out.print("模板检查通过" if not errors else f"模板有 {errors} 处错误")
    if errors:
        raise typer.Exit(EXIT_CHECKS_FAILED)


@app.command("add")
def add_command(path: TemplateFile,
                name: Annotated[str, typer.Option(help="模板名称，生成时用 --template 指定")],
                kind: Kind = "report") -> None:
    """检查并保存模板（保存到 ZGSZ_TEMPLATE_DIR）；有错误时不保存。"""
    try:
        stored_at, problems = store(_read(path), name, kind)
    except InputError as exc:
        err.print(f"{exc.message}：", style="bold red", markup=False)
        _show(exc.problems)
        raise typer.Exit(EXIT_CHECKS_FAILED) from None
    except DataError as exc:
        err.print(exc.message, style="bold red", markup=False)
        raise typer.Exit(EXIT_BAD_INPUT) from None
    _show(problems)
    out.print(f"已保存 {stored_at}；生成时加 --template {name}", markup=False)


@app.command("list")
def list_command() -> None:
    """列出已保存的自定义模板。"""
    for name, kind in stored():
        out.print(f"{name}\t{KINDS[kind]}", markup=False)
