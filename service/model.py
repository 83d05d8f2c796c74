"""The input of one enterprise's diagnosis, as typed models.

Every field carries its Chinese label as `title`: messages, the JSON Schema and the
documents all name fields by it. Field names are English so that scripts stay stable.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, field_validator

from service.credit_code import normalize_credit_code
from service.skeleton import available as available_skeletons

VisitKind = Literal["现场诊断", "回访", "诊断汇报"]
Grade = Literal["很好", "较好", "一般", "较差"]
OverallRating = Literal["满意", "比较满意", "不满意"]
TeamRole = Literal["组长", "成员"]
# The kinds of report_structure.md's key-equipment and key-software tables.
EquipmentKind = Literal["高端数控机床与机器人", "增材制造装备", "传感与控制装备",
                        "检测与装配装备", "物流与仓储装备", "行业专用生产线"]
SoftwareKind = Literal["研发设计类", "生产制造类", "经营管理类", "控制执行类",
                       "行业专用类", "新型软件"]
Deployment = Literal["本地部署", "私有云", "公有云", "混合云"]
MakerLocation = Literal["境外", "外省", "本省"]

# Names are printed in one line of a form: a longer one would push a one-page form
# onto a second page.
NAME_MAX = 60


class _Model(BaseModel):
    # Unknown keys are refused so that a misspelt field is reported, not silently dropped.
    # Numbers are read as text where text is expected: a phone number typed without
    # quotes is still a phone number. Infinity and NaN are never amounts.
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True,
                              coerce_numbers_to_str=True, allow_inf_nan=False)


class Programme(_Model):
    name: str = Field(title="项目名称", min_length=1, max_length=NAME_MAX)
    district: str = Field(title="所属区县", min_length=1)
    year: int = Field(title="年度", ge=2000, le=2100)
    bureau: str = Field(title="委托单位", min_length=1, max_length=NAME_MAX)


class TeamMember(_Model):
    name: str = Field(title="姓名", min_length=1)
    title: str = Field(title="职称", min_length=1)
    qualification: str = Field("", title="资质")
    role: TeamRole = Field(title="角色")


class Training(_Model):
    """A themed training the agency held for the programme's enterprises."""

    date: dt.date = Field(title="培训日期")
    topic: str = Field(title="培训主题", min_length=1)
    attendees: int = Field(title="参训人数", ge=0)


class Agency(_Model):
    name: str = Field(title="诊断服务机构名称", min_length=1, max_length=NAME_MAX)
    team: list[TeamMember] = Field(title="诊断团队", min_length=1)
    trainings: list[Training] = Field(title="专题培训", default_factory=list)


class Contact(_Model):
    name: str = Field(title="姓名", min_length=1)
    position: str = Field(title="职务", min_length=1)
    phone: str = Field(title="联系电话", min_length=1)


class Equipment(_Model):
    kind: EquipmentKind = Field(title="设备类别")
    name: str = Field(title="设备名称", min_length=1)
    model: str = Field("", title="规格型号")
    quantity: int | None = Field(None, title="数量（台/套）", ge=1)
    status: str = Field(title="使用状态", min_length=1,
                        description="在用，或闲置及原因")
    supplier: str = Field("", title="供应商")
    maker_location: MakerLocation | None = Field(None, title="制造商所在地")


class Software(_Model):
    kind: SoftwareKind = Field(title="软件类别")
    name: str = Field(title="软件名称", min_length=1)
    version: str = Field("", title="版本")
    deployment: Deployment | None = Field(None, title="部署方式")
    price: float | None = Field(None, title="单价（万元/套）", ge=0)
    status: str = Field(title="使用状态", min_length=1)
    supplier: str = Field("", title="供应商")
    maker_location: MakerLocation | None = Field(None, title="制造商所在地")


class Enterprise(_Model):
    name: str = Field(title="企业名称", min_length=1, max_length=NAME_MAX)
    credit_code: str = Field(title="统一社会信用代码")
    town: str = Field(title="所在镇（开发区）", min_length=1, max_length=NAME_MAX)
    industry: str = Field(title="所属行业", min_length=1)
    scale: str = Field(title="企业规模", min_length=1)
    employees: int = Field(title="员工人数", ge=0)
    revenue: float = Field(title="年营业收入（万元）", ge=0)
    main_products: list[str] = Field(title="主要产品", min_length=1)
    contact: Contact = Field(title="企业联系人")
    address: str = Field(title="地址", min_length=1)
    equipment: list[Equipment] = Field(title="关键设备清单", default_factory=list)
    software: list[Software] = Field(title="关键软件清单", default_factory=list)

    @field_validator("credit_code", mode="before")
    @classmethod
    def _normalize_code(cls, value: object) -> object:
        return normalize_credit_code(value) if isinstance(value, str) else value


class Attendee(_Model):
    unit: str = Field(title="单位/部门", min_length=1, max_length=NAME_MAX)
    name: str = Field(title="姓名", min_length=1)
    position: str = Field("", title="职位")
    phone: str = Field("", title="联系电话")


class Visit(_Model):
    """One trip to the enterprise; each gets its sign-in sheet (attachment 1)."""

    date: dt.date = Field(title="服务日期")
    start: dt.time = Field(title="开始时间")
    end: dt.time = Field(title="结束时间")
    kind: VisitKind = Field(title="服务类型")
    experts: list[str] = Field(title="到场专家", default_factory=list)
    attendees: list[Attendee] = Field(title="签到人员", default_factory=list)
    photos: list[str] = Field(title="现场照片", default_factory=list,
                              description="图片文件路径，相对于输入文件所在目录；每次 1-2 张")

    @field_validator("start", "end", mode="before")
    @classmethod
    def _read_time(cls, value: object) -> object:
        # People write 9:00 as often as 09:00.
        if isinstance(value, str) and re.fullmatch(r"\d:\d\d", value.strip()):
            return "0" + value.strip()
        if isinstance(value, int | float) and not isinstance(value, bool):
            raise ValueError("应为时刻，格式 HH:MM（如 09:30）")
        return value

    @property
    def hours(self) -> float:
        start = dt.datetime.combine(self.date, self.start)
        end = dt.datetime.combine(self.date, self.end)
        return (end - start).total_seconds() / 3600


class CmmmResult(_Model):
    level: int = Field(title="成熟度等级", ge=0, le=5)
    score: float = Field(title="成熟度得分", ge=0, le=5)
    date: dt.date = Field(title="评估日期")
    elements: dict[str, float] = Field(
        title="能力要素得分", default_factory=dict,
        description="键为能力要素名称（人员、技术、资源、制造），值为评估平台给出的得分")
    subdomains: dict[str, float] = Field(
        title="能力子域得分", default_factory=dict,
        description="键为 GB/T 39116-2020 的能力子域名称（如 装备、能源管理），"
        "值为评估平台给出的得分（0-5）")


class LianghuaResult(_Model):
    stage: Literal["起步建设", "单项覆盖", "集成提升", "创新突破"] = Field(
        title="发展阶段"
    )
    score: float = Field(title="评估得分", ge=0)
    date: dt.date = Field(title="评估日期")
    aspects: dict[str, float] = Field(
        title="分项得分", default_factory=dict,
        description="键为评估方面名称（如 基础建设、单项应用），值为得分")


class Assessments(_Model):
    cmmm: CmmmResult = Field(title="智能制造能力成熟度评估")
    lianghua: LianghuaResult = Field(title="两化融合评估")


class Gap(_Model):
    area: str = Field(title="领域", min_length=1)
    current: str = Field(title="现状", min_length=1)
    problem: str = Field(title="短板问题", min_length=1)


class Project(_Model):
    name: str = Field(title="项目名称", min_length=1, max_length=NAME_MAX)
    scenarios: list[str] = Field(title="涉及场景", default_factory=list)
    investment: float = Field(title="投资估算（万元）", ge=0)
    months: int = Field(title="建设周期（月）", ge=1)
    benefit: str = Field(title="预期效益", min_length=1)


class ScenarioPick(_Model):
    id: str = Field(title="场景编号", min_length=1)
    name: str = Field("", title="场景名称",
                      description="场景目录未收录该编号时必填，报告中按此名称打印")
    reason: str = Field(title="推荐理由", min_length=1)


class Vendor(_Model):
    name: str = Field(title="服务商名称", min_length=1)
    field: str = Field(title="服务领域", min_length=1)
    reason: str = Field(title="推荐理由", min_length=1)


class Benchmark(_Model):
    name: str = Field(title="标杆企业名称", min_length=1)
    region: str = Field(title="所在地区", min_length=1)
    lesson: str = Field(title="可借鉴之处", min_length=1)


class ReportContent(_Model):
    date: dt.date | None = Field(
        None, title="报告日期",
        description="缺省为诊断汇报那次入企的日期，没有诊断汇报时为最后一次入企的日期")
    sections: dict[str, str] = Field(
        title="章节正文",
        description="键为报告骨架中的章节编号（如 basic_info），值为该章节的正文；"
        "空行分段。",
        default_factory=dict,
    )
    gaps: list[Gap] = Field(title="能力短板", default_factory=list)
    projects: list[Project] = Field(title="改造项目", default_factory=list)
    scenarios: list[ScenarioPick] = Field(title="推荐场景", default_factory=list)
    vendors: list[Vendor] = Field(title="推荐服务商", default_factory=list)
    benchmarks: list[Benchmark] = Field(title="对标标杆企业", default_factory=list)
    architecture: str = Field(
        "", title="总体架构图", description="图片文件路径，相对于输入文件所在目录")


class Acceptance(_Model):
    survey: list[Grade] = Field(
        title="满意度评价",
        description="五项评价内容依次的等级（很好、较好、一般、较差）",
        min_length=5,
        max_length=5,
    )
    overall: OverallRating = Field(title="总体评价")
    agency_lead: str = Field(title="项目负责人", min_length=1)
    enterprise_lead: str = Field(title="企业负责人", min_length=1)
    agency_date: dt.date | None = Field(None, title="诊断服务机构签署日期")
    enterprise_date: dt.date | None = Field(None, title="被诊断企业签署日期")


class DiagnosisInput(_Model):
    """One enterprise's diagnosis: everything its report and attachments 1-3 need."""

    model_config = ConfigDict(title="“智改数转”诊断输入")

    skeleton: str = Field(
        "wujin-2022", title="报告骨架", description="report_skeletons/ 下的骨架编号"
    )
    programme: Programme = Field(title="项目信息")
    agency: Agency = Field(title="诊断服务机构")
    enterprise: Enterprise = Field(title="被诊断企业")
    visits: list[Visit] = Field(title="入企服务记录", min_length=1)
    assessments: Assessments = Field(title="两评估结果")
    report: ReportContent = Field(title="报告内容")
    acceptance: Acceptance | None = Field(None, title="验收信息")

    # Photo and diagram paths are relative to the input file; loading sets its folder.
    # Set only when the input was read from a file on this machine (the CLI). Input
    # that came over HTTP has none, and may then name no file at all: a path in it
    # would reach into the server's own files.
    _base_dir: Path | None = PrivateAttr(default=None)

    def resolve(self, relative: str) -> Path | None:
        """A file the input names, found beside the input file; None when the input
        did not come from a file and so may not name files."""
        return None if self._base_dir is None else self._base_dir / relative

    @field_validator("skeleton")
    @classmethod
    def _known_skeleton(cls, value: str) -> str:
        known = available_skeletons()
        if value not in known:
            raise ValueError(f"报告骨架 {value} 不存在（现有：{'、'.join(known)}）")
        return value
