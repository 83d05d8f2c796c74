"""`zgsz roster-template` and `zgsz forms`: batch forms from a roster."""

from __future__ import annotations

import time
from contextlib import ExitStack
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

from service.batch import CHUNK_SIZE, FOLDER, MERGED_NAME, OUTPUT_NAMES, run_forms
from service.cli_common import (
    EXIT_BAD_INPUT,
    EXIT_CHECKS_FAILED,
    EXIT_CONVERTER,
    EXIT_WRITE,
    err,
    out,
    writable_folder,
)
from service.convert import Converter, start_all
from service.errors import ConvertError, DataError, InputError, os_reason
from service.forms_jobs import parse_forms
from service.roster import read_roster, write_template
from service.skeleton import load_skeleton

Skeleton = Annotated[str, typer.Option(help="报告骨架编号，决定项目名称、委托单位与镇名单")]


def roster_template(
    out_path: Annotated[Path, typer.Option("-o", "--out", help="写入的 .xlsx 文件")]
    = Path("名单.xlsx"),
    skeleton: Skeleton = "wujin-2022",
) -> None:
    """生成空白企业名单（Excel）：中文表头、示例行、镇（开发区）下拉列表。"""
    try:
        write_template(out_path, load_skeleton(skeleton))
    except DataError as exc:
        err.print(exc.message, style="bold red", markup=False)
        raise typer.Exit(2) from None
    out.print(f"已写入 {out_path}（第 2 行为示例，请删除后填写）", markup=False)


def _parse_forms(text: str) -> tuple[int, ...]:
    forms = parse_forms(text)
    if forms is None:
        raise typer.BadParameter(f"“{text}”无效，应为 1、2、3 中的一个或几个，如 1,2,3 或 1-3")
    return forms


def forms(
    roster_path: Annotated[Path, typer.Argument(help="企业名单（.xlsx 或 .csv）")],
    forms_text: Annotated[str, typer.Option("--forms", help="要生成的附件，如 1,2,3 或 1-3")]
    = "1,2,3",
    out_dir: Annotated[Path, typer.Option("-o", "--out", help="输出目录")] = Path("out"),
    with_docx: Annotated[bool, typer.Option("--docx", help="同时输出每家企业的 Word 文件")]
    = False,
    pad_even: Annotated[bool, typer.Option("--pad-even", help="打印版中每家企业补足偶数页，"
                                           "双面打印时不会两家企业共用一张纸")] = False,
    draft: Annotated[bool, typer.Option("--draft", help="加“草稿”水印")] = False,
    workers: Annotated[int, typer.Option(help="同时运行的 LibreOffice 数", min=1, max=8)]
    = 2,
    chunk_size: Annotated[int, typer.Option(help="每次转换的企业数", min=1)] = CHUNK_SIZE,
    skeleton: Skeleton = "wujin-2022",
) -> None:
    """按名单批量生成附件1-3：每家企业的 PDF、合并打印版（每家一个书签）、压缩包与清单。

    有问题的行不影响其他行；这些行在清单与摘要中写明行号、列名与原因，退出码为 1。"""
    started = time.monotonic()
    selected = _parse_forms(forms_text)
    writable_folder(out_dir)
    _refuse_overwriting(roster_path, out_dir)
    try:
        plan = load_skeleton(skeleton)
        roster = read_roster(roster_path, plan)
    except InputError as exc:
        for problem in exc.problems:
            err.print(f"{problem.label}：{problem.message}", style="bold red", markup=False)
        raise typer.Exit(EXIT_BAD_INPUT) from None
    except DataError as exc:
        err.print(exc.message, style="bold red", markup=False)
        raise typer.Exit(EXIT_BAD_INPUT) from None

    for notice in roster.notices:
        err.print(f"注意：{notice}", style="yellow", markup=False)

    if not roster.rows:
        # Nothing to produce: the folder, with any earlier batch in it, stays as it was.
        for error in roster.errors:
            err.print(f"  {error}", style="red", markup=False)
        err.print("名单中没有可生成表单的企业" + ("（以上各行均有问题）" if roster.errors
                                                else "（表头下没有数据行）"),
                  style="bold red")
        raise typer.Exit(EXIT_CHECKS_FAILED if roster.errors else EXIT_BAD_INPUT)

    chunks = -(-len(roster.rows) // chunk_size)
    try:
        with ExitStack() as stack, _progress() as progress:
            task = progress.add_task("生成表单", total=len(roster.rows))
            converters = [Converter() for _ in range(min(workers, max(chunks, 1)))]
            for converter in converters:
                stack.callback(converter.stop)
            start_all(converters)
            result = run_forms(
                roster, plan, selected, out_dir, converters, with_docx=with_docx,
                pad_even=pad_even, draft=draft, chunk_size=chunk_size,
                progress=lambda done, total: progress.update(task, completed=done),
            )
    except ConvertError as exc:
        err.print(f"PDF 转换失败：{exc.message}", style="bold red", markup=False)
        raise typer.Exit(EXIT_CONVERTER) from None
    except OSError as exc:
        err.print(f"写入输出目录 {out_dir} 失败：{os_reason(exc)}；已有的文件保持不变",
                  style="bold red", markup=False)
        raise typer.Exit(EXIT_WRITE) from None

    seconds = time.monotonic() - started
    out.print(f"完成 {len(result.done)} 家企业，打印版 {result.merged_pages} 页"
              f"（{out_dir / MERGED_NAME}），用时 {seconds:.1f} 秒"
              "（含 LibreOffice 启动）", markup=False)
    if result.removed:
        out.print(f"已删除该目录中上一次批量生成、本次没有的 {result.removed} 个文件",
                  markup=False)
    if result.errors:
        rows = len({e.row for e in result.errors})
        err.print(f"{rows} 行未生成：", style="bold red")
        for error in result.errors:
            err.print(f"  {error}", style="red", markup=False)
        raise typer.Exit(EXIT_CHECKS_FAILED)


def _refuse_overwriting(roster_path: Path, out_dir: Path) -> None:
    """The roster must not be among the files the batch is about to replace."""
    roster = roster_path.resolve()
    ours = {(out_dir / name).resolve() for name in OUTPUT_NAMES}
    if roster in ours or roster.parent == (out_dir / FOLDER).resolve():
        err.print(f"名单 {roster_path} 位于输出目录中，会被生成的文件覆盖；"
                  "请换一个输出目录或移走名单", style="bold red", markup=False)
        raise typer.Exit(EXIT_BAD_INPUT)


def _progress() -> Progress:
    return Progress("[progress.description]{task.description}", BarColumn(),
                    MofNCompleteColumn(), TimeElapsedColumn(), console=err,
                    transient=True)
