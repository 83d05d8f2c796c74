"""The `zgsz` command line: thin wiring over the pipeline."""

from __future__ import annotations

import json
import logging
from importlib.metadata import version
from pathlib import Path
from typing import Annotated

import typer

from service import cli_admin, cli_drafts, cli_forms, cli_templates
from service.checks import Validation, validate
from service.cli_common import (
    EXIT_BAD_INPUT,
    EXIT_CHECKS_FAILED,
    EXIT_CONVERTER,
    err,
    out,
    writable_folder,
)
from service.convert import Converter
from service.docx_check import check_docx
from service.errors import ConvertError, DataError, InputError, Problem, ZgszError
from service.ledger import build_ledger
from service.loading import load_input
from service.model import DiagnosisInput
from service.pipeline import VALIDATION_FILE, blank_forms, produce
from service.remote import run_remote
from service.render import file_stem
from service.skeleton import load_skeleton

app = typer.Typer(
    help="“智改数转”诊断服务文档工具：诊断报告、签到表、诊断服务确认单、满意度调查表。",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
)

InputPath = Annotated[Path, typer.Argument(help="企业诊断输入文件（.yaml / .yml / .json）")]
OutDir = Annotated[Path, typer.Option("-o", "--out", help="输出目录")]


def _version(value: bool) -> None:
    if value:
        out.print(f"zgsz {version('zgsz-docs')}")
        raise typer.Exit()


@app.callback()
def _main(
    verbose: Annotated[bool, typer.Option("-v", "--verbose", help="输出运行日志")] = False,
    _show_version: Annotated[bool, typer.Option("--version", callback=_version,
                                                is_eager=True, help="显示版本")] = False,
) -> None:
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")


def _print_problems(problems: list[Problem]) -> None:
    for problem in problems:
        style = "red" if problem.severity == "error" else "yellow"
        err.print(f"  {problem}", style=style, markup=False)


def _load(path: Path) -> DiagnosisInput:
    try:
        return load_input(path)
    except InputError as exc:
        err.print(f"输入文件 {path} 有误，共 {len(exc.problems)} 处：", style="bold red")
        _print_problems(exc.problems)
        raise typer.Exit(EXIT_BAD_INPUT) from None


def _print_checks(validation: Validation) -> None:
    out.print(f"正文字数：{validation.body_chars}（只计汉字）")
    for name, passed in validation.checks.items():
        mark = "[green]通过[/green]" if passed else "[red]未通过[/red]"
        out.print(f"  {mark} {name}")


def _fail(exc: Exception) -> None:
    if isinstance(exc, ConvertError):
        err.print(f"PDF 转换失败：{exc.message}", style="bold red", markup=False)
        raise typer.Exit(EXIT_CONVERTER) from None
    err.print(f"配置有误：{exc.message}", style="bold red", markup=False)
    raise typer.Exit(EXIT_BAD_INPUT) from None


@app.command()
def report(
    input_path: InputPath,
    out_dir: OutDir = Path("out"),
    draft: Annotated[bool, typer.Option("--draft", help="生成草稿：带“草稿”水印，"
                                        "末页列出待补事项，校验未通过也出文件")] = False,
    no_pdf: Annotated[bool, typer.Option("--no-pdf", help="只生成 Word 文件")] = False,
    remote: Annotated[str | None, typer.Option(
        "--remote", help="提交到 zgsz 服务（如 http://127.0.0.1:8000）并等待结果")] = None,
    template: Annotated[str | None, typer.Option(
        "--template", help="使用已保存的自定义模板（zgsz template add）")] = None,
) -> None:
    """生成一家企业的诊断报告与附件1-3（Word 与 PDF）及 validation.json。"""
    data = _load(input_path)
    writable_folder(out_dir)
    if remote:
        _report_remote(remote, data, out_dir, draft=draft, pdf=not no_pdf)
        return
    try:
        with Converter() if not no_pdf else _NoConverter() as converter:
            outcome = produce(data, out_dir, converter, draft=draft, pdf=not no_pdf,
                              template=_known_template(template))
    except InputError as exc:
        _print_checks(validate(data))
        err.print(f"校验未通过（{len(exc.problems)} 处错误），未生成正式文件。"
                  "可加 --draft 生成草稿。", style="bold red")
        _print_problems(exc.problems)
        err.print(f"详情见 {out_dir / VALIDATION_FILE}")
        _warn_stale(out_dir, data)
        raise typer.Exit(EXIT_CHECKS_FAILED) from None
    except (ConvertError, DataError) as exc:
        _fail(exc)

    out.print(f"已写入 {out_dir}/：", style="bold")
    for path in outcome.files:
        out.print(f"  {path.name}", markup=False)
    _print_checks(outcome.validation)
    for name, check in outcome.pdf_checks.items():
        if not check["ok"]:
            err.print(f"  PDF 检查未通过：{name} {check}", style="red", markup=False)
    if outcome.validation.problems:
        _print_problems(outcome.validation.problems)
    if not outcome.ok and not draft:
        raise typer.Exit(EXIT_CHECKS_FAILED)


def _warn_stale(out_dir: Path, data: DiagnosisInput) -> None:
    """Files of an earlier final run stay (nothing stored is deleted), but say so."""
    stem = file_stem(data.enterprise.name)
    stale = sorted(p.name for p in out_dir.glob(f"{stem}_*")
                   if "_草稿" not in p.name and p.suffix in (".docx", ".pdf"))
    if stale:
        err.print(f"注意：{out_dir} 中仍有上次生成的正式文件（未删除，也未更新）：",
                  style="yellow")
        for name in stale:
            err.print(f"  {name}", style="yellow", markup=False)


def _known_template(name: str | None) -> str | None:
    if name and not any(kept == name for kept, _ in cli_templates.stored()):
        err.print(f"没有名为 {name} 的自定义模板（zgsz template list 查看）",
                  style="bold red", markup=False)
        raise typer.Exit(EXIT_BAD_INPUT)
    return name


def _report_remote(url: str, data: DiagnosisInput, out_dir: Path, *, draft: bool,
                   pdf: bool) -> None:
    if data.report.architecture or any(v.photos for v in data.visits):
        # TODO: pictures cannot travel with a job yet; the service refuses file paths.
        err.print("含现场照片或架构图的输入暂不能经服务生成（服务不读取本机文件），"
                  "请去掉 --remote 在本机生成", style="bold red", markup=False)
        raise typer.Exit(EXIT_BAD_INPUT)
    try:
        job = run_remote(url, data, out_dir, draft=draft, pdf=pdf)
    except InputError as exc:
        err.print(f"{exc.message}：", style="bold red", markup=False)
        _print_problems(exc.problems)
        raise typer.Exit(EXIT_CHECKS_FAILED) from None
    except ConvertError as exc:
        _fail(exc)
    except ZgszError as exc:
        err.print(exc.message, style="bold red", markup=False)
        raise typer.Exit(EXIT_CONVERTER) from None

    out.print(f"服务端任务 {job['id']} 完成，已下载到 {out_dir}/：", style="bold")
    for item in job["files"]:
        out.print(f"  {item['name']}", markup=False)
    validation = (job.get("validation") or {})
    out.print(f"正文字数：{validation.get('body_chars', '?')}（只计汉字）")


class _NoConverter:
    def __enter__(self):
        return None

    def __exit__(self, *exc):
        return None


@app.command("validate")
def validate_command(
    input_path: InputPath,
    as_json: Annotated[bool, typer.Option("--json", help="以 JSON 输出结果")] = False,
) -> None:
    """只运行校验，不生成文件。校验未通过时退出码为 1。"""
    data = _load(input_path)
    try:
        validation = validate(data)
    except DataError as exc:
        _fail(exc)

    if as_json:
        out.print_json(json.dumps(validation.as_dict(), ensure_ascii=False))
    else:
        _print_checks(validation)
        _print_problems(validation.problems)
        out.print("校验通过" if validation.ok else f"校验未通过：{len(validation.errors)} 处错误")
    if not validation.ok:
        raise typer.Exit(EXIT_CHECKS_FAILED)


@app.command()
def check(
    report_path: Annotated[Path, typer.Argument(help="在 Word 中修改过的诊断报告（.docx）")],
    skeleton: Annotated[str, typer.Option(help="报告骨架编号")] = "wujin-2022",
    as_json: Annotated[bool, typer.Option("--json", help="以 JSON 输出结果")] = False,
) -> None:
    """检查修改后的诊断报告：章节齐全且有序、正文字数、推荐场景、标杆企业、遗留占位文字。"""
    try:
        result = check_docx(report_path.read_bytes(), load_skeleton(skeleton))
    except FileNotFoundError:
        err.print(f"文件不存在：{report_path}", style="bold red", markup=False)
        raise typer.Exit(EXIT_BAD_INPUT) from None
    except InputError as exc:
        err.print(f"{report_path}：{exc.problems[0].message}", style="bold red",
                  markup=False)
        raise typer.Exit(EXIT_BAD_INPUT) from None
    except DataError as exc:
        _fail(exc)

    if as_json:
        out.print_json(json.dumps(result.as_dict(), ensure_ascii=False))
    else:
        out.print(f"正文字数：{result.body_chars}（只计汉字）")
        _print_problems(result.problems)
        out.print("检查通过" if result.ok else
                  f"检查未通过：{sum(p.severity == 'error' for p in result.problems)} 处问题")
    if not result.ok:
        raise typer.Exit(EXIT_CHECKS_FAILED)


@app.command()
def ledger(
    input_path: InputPath,
    report_file: Annotated[Path | None, typer.Option(
        "--report", help="诊断报告（.docx 或 .pdf；修改后的定稿）")] = None,
    cmmm: Annotated[Path | None, typer.Option(
        "--cmmm", help="智能制造能力成熟度评估报告（.pdf）")] = None,
    lianghua: Annotated[Path | None, typer.Option(
        "--lianghua", help="两化融合评估报告（.pdf）")] = None,
    scans: Annotated[Path | None, typer.Option(
        "--scans", help="签字盖章后的扫描件目录：文件名含“附件1/附件2/附件3”，PDF 或图片")] = None,
    out_dir: OutDir = Path("out"),
    draft: Annotated[bool, typer.Option(
        "--draft", help="材料不全也生成（封面列出所缺材料）")] = False,
    sign_fields: Annotated[bool, typer.Option(
        "--sign-fields", help="在确认单与调查表的盖章处加空白电子签章域")] = False,
    pdfa: Annotated[bool, typer.Option("--pdfa", help="输出 PDF/A-2b 归档格式")] = False,
) -> None:
    """生成“一企一台账”：合并 PDF（封面、目录书签、报告、两评估报告、附件1-3、现场照片）、
    原始文件压缩包与带 SHA-256 的清单。材料不全时不生成正式台账。"""
    data = _load(input_path)
    writable_folder(out_dir)
    for label, path in (("--report", report_file), ("--cmmm", cmmm),
                        ("--lianghua", lianghua)):
        if path is not None and not path.is_file():
            err.print(f"{label} 指定的文件不存在：{path}", style="bold red", markup=False)
            raise typer.Exit(EXIT_BAD_INPUT)
    try:
        with Converter() as converter:
            result = build_ledger(data, input_path, out_dir, converter, report=report_file,
                                  cmmm=cmmm, lianghua=lianghua, scans=scans, draft=draft,
                                  sign_fields=sign_fields, pdfa=pdfa)
    except InputError as exc:
        err.print(f"{exc.message}：", style="bold red", markup=False)
        _print_problems(exc.problems)
        raise typer.Exit(EXIT_CHECKS_FAILED) from None
    except (ConvertError, DataError) as exc:
        _fail(exc)

    out.print(f"台账编号 {result.ledger_id}，共 {result.pages} 页，已写入 {out_dir}/：",
              style="bold", markup=False)
    for path in result.files:
        out.print(f"  {path.name}", markup=False)
    for item in result.missing:
        err.print(f"  [草稿] 尚缺：{item}", style="yellow", markup=False)
    for item in result.stripped:
        err.print(f"  [警告] {item}", style="yellow", markup=False)


@app.command()
def schema() -> None:
    """输出输入文件的 JSON Schema（字段标题为中文）。"""
    document = DiagnosisInput.model_json_schema()
    typer.echo(json.dumps(document, ensure_ascii=False, indent=2))


@app.command("blank-forms")
def blank_forms_command(
    out_dir: OutDir = Path("out"),
    skeleton: Annotated[str, typer.Option(help="报告骨架编号，决定项目名称与委托单位")]
    = "wujin-2022",
    no_pdf: Annotated[bool, typer.Option("--no-pdf", help="只生成 Word 文件")] = False,
) -> None:
    """生成空白的附件1-3（签到表、诊断服务确认单、满意度调查表），供手工填写。"""
    writable_folder(out_dir)
    try:
        with Converter() if not no_pdf else _NoConverter() as converter:
            files = blank_forms(out_dir, converter, skeleton, pdf=not no_pdf)
    except (ConvertError, DataError) as exc:
        _fail(exc)
    out.print(f"已写入 {out_dir}/：", style="bold")
    for path in files:
        out.print(f"  {path.name}", markup=False)


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="监听地址；0.0.0.0 对外提供服务")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="监听端口")] = 8000,
) -> None:
    """启动 HTTP 服务（接口文档在 /docs）。任务由 zgsz worker 处理，配置见环境变量 ZGSZ_*。"""
    import uvicorn

    from service.api.main import create_app
    from service.errors import SettingsError
    from service.settings import get_settings

    try:
        settings = get_settings()
    except SettingsError as exc:
        _fail(exc)
    uvicorn.run(create_app(settings), host=host, port=port)


@app.command()
def worker(
    concurrency: Annotated[int, typer.Option(min=1, help="并发进程数，每个进程自带一个 "
                                             "LibreOffice")] = 1,
    name: Annotated[str | None, typer.Option(help="worker 名称，缺省为 zgsz@主机名")] = None,
) -> None:
    """启动处理生成任务的 Celery worker（prefork 进程池），连接 ZGSZ_REDIS_URL。"""
    from service.errors import SettingsError
    from service.settings import get_settings

    try:
        settings = get_settings()
    except SettingsError as exc:
        _fail(exc)
    from workers.app import app as celery_app

    celery_app.worker_main([
        "worker", "--pool=prefork", f"--concurrency={concurrency}",
        f"--queues={settings.queue}", f"--hostname={name or 'zgsz@%h'}",
        "--loglevel=INFO",
    ])


app.add_typer(cli_templates.app, name="template")
app.add_typer(cli_admin.token_app, name="token")
app.command("purge")(cli_admin.purge)
app.command("roster-template")(cli_forms.roster_template)
app.command("forms")(cli_forms.forms)
app.command("suggest")(cli_drafts.suggest)
app.command("compliance")(cli_drafts.compliance)


def main() -> None:
    from service.__main__ import main as entry

    entry()
