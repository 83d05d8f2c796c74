"""Settings of the HTTP service and the workers, read from ZGSZ_* environment variables.

One base time bounds everything: ZGSZ_CONVERSION_TIMEOUT is how long one LibreOffice
call may take. The other limits are derived from it so that they always nest:

    converter call < task soft limit < task hard limit < how long the API waits

Every invalid variable is reported at once, in Chinese, by its name (SettingsError).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from service.errors import Problem, SettingsError

PREFIX = "ZGSZ_"

# The report and attachments 1-3 (service.render.KINDS): one conversion each.
DOCUMENTS_PER_JOB = 4

# A soft time-out lets the task mark the job failed and stop LibreOffice; the hard one
# kills the process if that clean-up hangs. The API waits a little longer still, so it
# never calls a job lost while a worker may yet finish it.
CLEANUP_GRACE = 30
API_GRACE = 30


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix=PREFIX, extra="ignore")

    redis_url: str = Field("redis://127.0.0.1:6379/0",
                           description="Redis：任务队列、任务状态与幂等键")
    storage_dir: Path = Field(Path("storage"),
                              description="任务文件目录；API 与各 worker 须共享")
    queue: str = Field("zgsz", pattern=r"^[A-Za-z0-9_.-]+$",
                       description="Celery 队列名，也是 Redis 中键的前缀")
    conversion_timeout: int = Field(120, ge=10, le=3600,
                                    description="单次 LibreOffice 转换的时限（秒）")
    converter_restart_after: int = Field(
        100, ge=0, description="每个 LibreOffice 转换多少次后重启；0 表示不重启")
    max_queue: int = Field(
        100, ge=0, description="排队任务数达到此值时拒绝新任务（429）；0 表示不限")
    task_retries: int = Field(3, ge=0, le=10,
                              description="转换暂时失败时的最多重试次数")
    job_ttl_hours: int = Field(168, ge=1,
                               description="任务状态与幂等键在 Redis 中保留的小时数")
    auth: bool = Field(True, description="on：/v1 下的接口须带 Bearer 令牌；off：不检查")
    max_request_bytes: int = Field(5 * 1024 * 1024, ge=1024,
                                   description="请求体的最大字节数，超过答复 413")
    max_string_length: int = Field(20_000, ge=100,
                                   description="输入中单个文本的最多字符数，超过答复 422")
    max_input_chars: int = Field(500_000, ge=1000,
                                 description="输入中全部文本合计的最多字符数，超过答复 422")
    retention_days: int = Field(0, ge=0, description="任务文件与记录保留的天数；0 表示永久保留")

    @field_validator("redis_url")
    @classmethod
    def _redis_scheme(cls, value: str) -> str:
        if not value.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("应以 redis://、rediss:// 或 unix:// 开头")
        return value

    @property
    def task_soft_time_limit(self) -> int:
        # One slot per document, one more for (re)starting LibreOffice and rendering.
        return self.conversion_timeout * (DOCUMENTS_PER_JOB + 1)

    @property
    def task_time_limit(self) -> int:
        return self.task_soft_time_limit + CLEANUP_GRACE

    @property
    def api_job_timeout(self) -> int:
        """After this long in `running`, the API reports a job as failed (lost)."""
        return self.task_time_limit + API_GRACE

    @property
    def job_ttl_seconds(self) -> int:
        return self.job_ttl_hours * 3600


_MESSAGES = {
    "int_parsing": "应为整数",
    "bool_parsing": "应为 on 或 off",
    "int_from_float": "应为整数，不能有小数",
    "greater_than_equal": "不能小于 {ge}",
    "less_than_equal": "不能大于 {le}",
    "string_pattern_mismatch": "只能由字母、数字和 _ . - 组成",
    "path_type": "应为目录路径",
    "value_error": "{error}",
}


def _problem(error: dict[str, Any]) -> Problem:
    variable = PREFIX + str(error["loc"][0]).upper()
    template = _MESSAGES.get(error["type"], "取值无效")
    message = template.format(**(error.get("ctx") or {}))
    return Problem(
        code=f"settings.{error['type']}",
        path=variable,
        label=f"环境变量 {variable}",
        message=f"{message}（当前值：{error.get('input')!r}）",
    )


def load_settings() -> Settings:
    """The settings from the environment; SettingsError lists every invalid variable."""
    try:
        return Settings()
    except ValidationError as exc:
        problems = [_problem(e) for e in exc.errors(include_url=False)]
        raise SettingsError(problems) from None


@cache
def get_settings() -> Settings:
    return load_settings()
