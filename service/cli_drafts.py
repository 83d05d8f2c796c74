"""`zgsz suggest` and `zgsz compliance`: scenario suggestions and the programme's checks
across an agency's enterprises."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from service.cli_common import (
    EXIT_BAD_INPUT,
    EXIT_CHECKS_FAILED,
    EXIT_CONVERTER,
    err,
    out,
    writable_folder,
)
from service.compliance import check_folder, input_files
from service.compliance_files import summary_pdf, workbook_bytes
from service.convert import Converter
from service.errors import ConvertError, DataError, InputError
from service.loading import load_input
from service.skeleton import load_skeleton
from service.store import write_all
from service.suggest import load_mapping
from service.suggest import suggest as rank_scenarios


def suggest(
    input_path: Annotated[Path, typer.Argument(help="企业诊断输入文件（.yaml / .yml / .json）")],
    as_json: Annotated[bool, typer.Option("--json", help="以 JSON 输出")] = False,
    top: Annotated[int, typer.Option(help="只列前几个，0 表示全部", min=0)] = 0,
) -> None:
    """按行业、最弱的能力子域和能力短板，列出排序后的推荐场景候选及理由（供机构挑选，
    报告只用 report.scenarios 中机构确认的场景）。"""
    try:
        data = load_input(input_path)
        ranked = rank_scenarios(data)
        note = load_mapping(load_skeleton(data.skeleton).catalogue).note
    except InputError as exc:
        err.print(f"输入文件 {input_path} 有误，共 {len(exc.problems)} 处：", style="bold red")
        for problem in exc.problems:
            err.print(f"  {problem}", style="red", markup=False)
        raise typer.Exit(EXIT_BAD_INPUT) from None
    except DataError as exc:
        err.print(f"配置有误：{exc.message}", style="bold red", markup=False)
        raise typer.Exit(EXIT_BAD_INPUT) from None

    shown = ranked[:top] if top else ranked
    if as_json:
        typer.echo(json.dumps({"note": note, "suggestions": [s.as_dict() for s in shown]},
                              ensure_ascii=False, indent=2))
        return
    chosen = {p.id for p in data.report.scenarios}
    out.print(f"推荐场景候选（{note}）：", markup=False)
    for n, item in enumerate(shown, start=1):
        mark = "（已选）" if item.id in chosen else ""
        out.print(f"{n:>2}. {item.id} {item.name}〔{item.link}〕{mark}：{item.reason}",
                  markup=False)


def compliance(
    folder: Annotated[Path, typer.Argument(help="一个或多个诊断机构的企业输入文件所在目录")],
    out_path: Annotated[Path, typer.Option("-o", "--out", help="写入的 .xlsx 文件；"
                                           "同名 .pdf 为汇总")] = Path("合规检查.xlsx"),
    no_pdf: Annotated[bool, typer.Option("--no-pdf", help="只写 Excel")] = False,
) -> None:
    """按机构与企业检查项目要求（团队、培训、场景、专家、时长、回访、照片、报告），
    每项不符合之处逐条写明；有不符合项时退出码为 1。"""
    if not folder.is_dir():
        err.print(f"目录不存在：{folder}", style="bold red", markup=False)
        raise typer.Exit(EXIT_BAD_INPUT)
    files = input_files(folder)
    if not files:
        err.print(f"目录 {folder} 中没有输入文件（.yaml / .yml / .json）", style="bold red",
                  markup=False)
        raise typer.Exit(EXIT_BAD_INPUT)
    target = writable_folder(out_path.parent if str(out_path.parent) else Path("."))

    try:
        result = check_folder(folder)
        written = {out_path.name: workbook_bytes(result)}
        if not no_pdf:
            with Converter() as converter:
                written[out_path.with_suffix(".pdf").name] = summary_pdf(
                    result, len(files), converter)
    except ConvertError as exc:
        err.print(f"PDF 转换失败：{exc.message}", style="bold red", markup=False)
        raise typer.Exit(EXIT_CONVERTER) from None
    except DataError as exc:
        err.print(f"配置有误：{exc.message}", style="bold red", markup=False)
        raise typer.Exit(EXIT_BAD_INPUT) from None

    for path in write_all(target, written):
        out.print(f"已写入 {path}", markup=False)
    agencies = len(result.agencies())
    if result.ok:
        out.print(f"{agencies} 家机构、{len(files)} 个输入文件，全部符合要求", markup=False)
        return
    err.print(f"{len(result.shortfalls)} 项不符合：", style="bold red")
    for check in result.shortfalls:
        who = check.agency + (f" › {check.enterprise}" if check.enterprise else "")
        err.print(f"  {who} › {check.rule}：{check.detail}", style="red", markup=False)
    raise typer.Exit(EXIT_CHECKS_FAILED)
