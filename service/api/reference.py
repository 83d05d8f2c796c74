"""Answers given at once: checks of an input, report skeletons, scenario catalogues."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request

from service.api.deps import principal
from service.api.errors import ApiError
from service.api.schemas import ErrorOut, ValidateRequest
from service.catalogue import editions, load_catalogue
from service.checks import validate
from service.docx_check import check_docx
from service.errors import DataError, InputError
from service.skeleton import available, load_skeleton

router = APIRouter(prefix="/v1", tags=["校验与参考数据"], dependencies=[Depends(principal)],
                   responses={401: {"model": ErrorOut,
                                    "description": "缺少访问令牌，或令牌无效"}})

MAX_REPORT_BYTES = 20 * 1024 * 1024
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@router.post("/validate", responses={
    422: {"model": ErrorOut, "description": "输入结构有误，列出全部问题"}})
def validate_input(payload: ValidateRequest) -> dict:
    """只运行校验，不生成文件，立即答复。

    输入结构有误（缺字段、类型不对等）答复 422；结构无误时答复 200，`ok` 说明规则校验
    是否通过，`errors` 与 `warnings` 列出全部问题（代码、字段路径、中文名称与说明），
    `checks` 逐项给出结论，`body_chars` 为正文字数（只计汉字）。
    """
    return validate(payload.input).as_dict()


@router.get("/skeletons")
def list_skeletons() -> list[dict]:
    """全部报告骨架：项目名称与委托单位的缺省值、校验规则、章节及各章建议字数。"""
    return [load_skeleton(skeleton_id).model_dump() for skeleton_id in available()]


@router.get("/catalogues/{edition}",
            responses={404: {"model": ErrorOut, "description": "没有这一版目录"}})
def get_catalogue(edition: str) -> dict:
    """一个版本的智能制造典型场景目录：按环节列出场景编号与名称。

    `complete` 为 false 表示本服务收录的目录不完整，不在其中的场景编号只会给出警告。
    """
    if edition not in editions():
        known = "、".join(editions())
        raise ApiError(404, "catalogue.not_found",
                       f"场景目录版本 {edition} 不存在（现有：{known}）")
    catalogue = load_catalogue(edition)
    links = [
        {"id": link_id, "name": link_name,
         "scenarios": [{"id": s.id, "name": s.name, "verified": s.verified}
                       for s in catalogue.scenarios.values() if s.link_id == link_id]}
        for link_id, link_name in catalogue.links
    ]
    return {"edition": catalogue.edition, "title": catalogue.title,
            "complete": catalogue.complete, "links": links}


@router.post("/check", openapi_extra={"requestBody": {"required": True, "content": {
    DOCX_TYPE: {"schema": {"type": "string", "format": "binary"}}}}},
    responses={413: {"model": ErrorOut, "description": "文件超过 20 MB"},
               422: {"model": ErrorOut, "description": "不是有效的 Word 文件"}})
async def check_report(request: Request, skeleton: str = "wujin-2022") -> dict:
    """检查在 Word 中修改过的诊断报告；请求体就是 .docx 文件本身。

    按报告骨架检查：必需章节齐全且顺序正确、正文字数（与生成时同一口径，只计汉字）、
    推荐场景在目录中且不重复、列出了标杆企业、没有遗留占位文字（待补充、XXX 等）。
    每个问题的 `label` 指明位置（章节标题与第几段或表格第几行）。
    """
    content = await request.body()
    if len(content) > MAX_REPORT_BYTES:
        raise ApiError(413, "check.too_large", "报告文件超过 20 MB 上限")
    try:
        return check_docx(content, load_skeleton(skeleton)).as_dict()
    except DataError as exc:
        raise ApiError(404, "skeleton.not_found", exc.message) from exc
    except InputError as exc:
        raise ApiError(422, "check.unreadable", exc.problems[0].message) from exc
