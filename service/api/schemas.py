"""Request and response bodies; their titles and descriptions are the OpenAPI text."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from service.model import DiagnosisInput

Format = Literal["docx", "pdf"]
State = Literal["queued", "running", "succeeded", "failed"]


class ValidateRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    input: DiagnosisInput = Field(title="诊断输入",
                                  description="与命令行输入文件（YAML/JSON）相同的内容")


class JobRequest(ValidateRequest):
    draft: bool = Field(False, title="草稿",
                        description="true：带“草稿”水印，末页列出待补事项，校验未通过也生成")
    formats: list[Format] = Field(["docx", "pdf"], title="输出格式", min_length=1,
                                  description="要提供下载的格式：docx、pdf")


class ProblemOut(BaseModel):
    code: str = Field(description="稳定的问题代码，如 enterprise.credit_code")
    path: str = Field(description="字段路径（相对于 input），如 visits[0].experts")
    label: str = Field(description="字段的中文名称")
    message: str = Field(description="中文说明")
    severity: Literal["error", "warning"] = "error"


class ErrorOut(BaseModel):
    code: str = Field(description="稳定的错误代码")
    message: str = Field(description="中文说明：出了什么问题、该怎么办")
    retryable: bool = Field(False, description="稍后重试是否可能成功")
    problems: list[ProblemOut] = Field(default_factory=list,
                                       description="输入问题的完整列表（一次列全）")


class FileOut(BaseModel):
    name: str
    size: int = Field(description="字节数")
    sha256: str
    url: str


class RowErrorOut(BaseModel):
    row: int = Field(description="行号（Excel 中看到的行号）")
    column: str = Field(description="列名（表头），如 统一社会信用代码")
    message: str = Field(description="中文说明")
    enterprise: str = Field("", description="该行的企业名称（如有）")


class BatchOut(BaseModel):
    forms: list[int] = Field(description="生成的附件：1 签到表、2 诊断服务确认单、"
                                         "3 满意度调查表")
    pad_even: bool = Field(description="打印版中每家企业是否补足偶数页")
    docx: bool = Field(description="是否另出每家企业的 Word 文件")
    skeleton: str = Field(description="报告骨架编号")
    enterprises: int = Field(description="名单中可以生成的企业数")
    failed_rows: int = Field(description="有问题、不生成的行数")
    row_errors: list[RowErrorOut] = Field(
        description="有问题的行：行号、列名与原因（一行可有多项）；提交时即有")
    notices: list[str] = Field(
        [], description="读取名单时值得核对之处：未识别而忽略的列、未读取的其他工作表、"
                        "Excel 中的隐藏行（这些行仍会生成）")
    succeeded: int | None = Field(None, description="已生成表单的企业数（完成后才有）")
    merged_pages: int | None = Field(None, description="合并打印版的页数（完成后才有）")


class JobOut(BaseModel):
    id: str
    url: str = Field(description="本任务的查询地址")
    kind: Literal["report", "forms"] = Field(
        "report", description="report 一家企业的诊断报告与附件1-3 / "
                              "forms 按名单批量生成的附件1-3")
    state: State = Field(description="queued 排队中 / running 处理中 / "
                                     "succeeded 成功 / failed 失败")
    progress: int = Field(ge=0, le=100, description="进度百分比")
    draft: bool
    formats: list[Format]
    attempts: int = Field(description="已开始处理的次数"
                                      "（含重试与 worker 故障后的重新投递）")
    created_at: str | None = None
    started_at: str | None = None
    finished_at: str | None = None
    validation: dict | None = Field(
        None, description="校验结果：提交时即有，完成后加上 PDF 检查（pdf_checks）")
    error: ErrorOut | None = Field(None, description="失败原因（state 为 failed 时）")
    batch: BatchOut | None = Field(
        None, description="批量表单任务（kind 为 forms）的选项、有问题的行与结果")
    files: list[FileOut] = Field(default_factory=list, description="成功后可下载的文件")


class CheckOut(BaseModel):
    ok: bool
    message: str


class ReadinessOut(BaseModel):
    ready: bool
    checks: dict[str, CheckOut] = Field(
        description="redis、workers、libreoffice 各自的状态")
