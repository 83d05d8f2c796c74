"""Administration commands: API tokens (`zgsz token ...`) and `zgsz purge`.

Run standalone with `python -m service.cli_admin`; `zgsz` registers the same functions.
"""

from __future__ import annotations

from typing import Annotated, NoReturn

import typer

from service.auth import create_token, list_tokens, revoke_token
from service.errors import SettingsError, UnavailableError
from service.jobs import JobStore
from service.retention import purge as purge_jobs
from service.settings import Settings, load_settings

EXIT_BAD_SETTINGS = 2

token_app = typer.Typer(help="API 访问令牌：签发、列出、吊销（存于 ZGSZ_REDIS_URL）",
                        no_args_is_help=True)


def _fail(message: str) -> NoReturn:
    typer.echo(message, err=True)
    raise typer.Exit(EXIT_BAD_SETTINGS)


def _settings() -> Settings:
    try:
        return load_settings()
    except SettingsError as exc:
        _fail(exc.message)


@token_app.command("create")
def token_create(
    institution: Annotated[str, typer.Option(
        "--institution", help="令牌所属机构（诊断机构或区工信局）的名称")],
    admin: Annotated[bool, typer.Option(
        "--admin", help="管理员令牌：可查看所有机构的任务与文件")] = False,
) -> None:
    """签发一个令牌并打印（只显示这一次，服务端只保存其摘要）。"""
    try:
        token = create_token(JobStore(_settings()), institution, admin=admin)
    except (UnavailableError, ValueError) as exc:
        _fail(getattr(exc, "message", str(exc)))
    role = "管理员令牌，可查看所有机构的任务" if admin else "只能查看本机构的任务"
    typer.echo(f"已为“{institution.strip()}”签发令牌（{role}）。令牌只显示这一次，"
               "请妥善保存，请求时放在请求头 Authorization: Bearer 令牌 中：", err=True)
    typer.echo(token)


@token_app.command("list")
def token_list() -> None:
    """列出全部令牌的编号、所属机构、角色与签发时间（不含令牌本身）。"""
    try:
        tokens = list_tokens(JobStore(_settings()))
    except UnavailableError as exc:
        _fail(exc.message)
    for t in tokens:
        role = "管理员" if t.get("admin") == "1" else "机构"
        typer.echo(f"{t['id']}  {role}  {t.get('created_at', '')}  {t.get('institution')}")


@token_app.command("revoke")
def token_revoke(
    token_id: Annotated[str, typer.Argument(help="令牌编号（zgsz token list 所列）")],
) -> None:
    """吊销令牌：之后带它的请求答复 401。"""
    try:
        count = revoke_token(JobStore(_settings()), token_id)
    except (UnavailableError, ValueError) as exc:
        _fail(getattr(exc, "message", str(exc)))
    if not count:
        _fail(f"没有编号以 {token_id} 开头的令牌（TOKEN_ID）")
    typer.echo(f"已吊销 {count} 个令牌")


def purge(
    days: Annotated[int | None, typer.Option(
        "--days", min=1, help="删除多少天以前的任务；缺省取 ZGSZ_RETENTION_DAYS")] = None,
) -> None:
    """立即删除过期任务的文件目录（ZGSZ_STORAGE_DIR 下）与 Redis 中的任务记录。"""
    settings = _settings()
    if days is None and not settings.retention_days:
        _fail("未指定保留天数：请用 --days N，或设置 ZGSZ_RETENTION_DAYS（0 表示永久保留）")
    try:
        purged = purge_jobs(settings, days)
    except UnavailableError as exc:
        _fail(exc.message)
    typer.echo(f"已删除 {days or settings.retention_days} 天前的任务：目录 "
               f"{len(purged.folders)} 个，记录 {len(purged.records)} 条")


app = typer.Typer(no_args_is_help=True)
app.add_typer(token_app, name="token")
app.command("purge")(purge)

if __name__ == "__main__":
    app()
