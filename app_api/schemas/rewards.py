"""Replies of the reward programmes, the reporter's claims and the reward administrators' API.

Amounts are yuan as decimal strings with two places ("200.00").
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from app_api.schemas.base import TIME_EXAMPLE, IsoDate, IsoTime, Out, UnitRef, Yuan
from app_api.schemas.cases import TRACKING_NO

CLAIM_STATUS_TEXT = (
    "申请状态：open、eligible、ineligible、duplicate、second_approval、approved、denied、paid、expired"
)
PAYOUT_STATUS_TEXT = "发放状态：pending、sending、unknown、awaiting_pickup、paid、failed、expired"


class PeriodOut(Out):
    from_: IsoDate = Field(alias="from", description="开始日期（含）", examples=["2026-01-01"])
    to: IsoDate = Field(description="结束日期（含）", examples=["2026-12-31"])


class MonthlyLimitOut(Out):
    count: int = Field(description="每人每月最多获奖次数", examples=[5])
    amount: Yuan | None = Field(description="每人每月最高奖励金额（元）", examples=["5000.00"])


class ProgramOut(Out):
    """A reward programme as the public sees it: rules, limits, claim deadline, budget left."""

    id: int = Field(description="奖励项目 ID", examples=[1])
    name: str = Field(description="名称", examples=["食品安全有奖举报"])
    description: str = Field(description="说明", examples=["举报食品安全违法行为，经查实给予奖励"])
    categories: list[str] = Field(description="适用的类别代码", examples=[["MKT-FOOD"]])
    period: PeriodOut = Field(description="有效期")
    tiers: dict[str, Yuan | None] = Field(
        description="按严重程度（minor、moderate、serious、critical）的固定奖励金额（元）",
        examples=[{"minor": "200.00", "serious": "1000.00"}],
    )
    fine_pct: float = Field(description="另按罚没款的百分比奖励", examples=[1.0])
    fine_cap: Yuan | None = Field(description="按罚没款奖励部分的上限（元）", examples=["5000.00"])
    monthly_limit: MonthlyLimitOut = Field(description="每人每月限额")
    claim_deadline_days: int = Field(description="决定后领取奖励的期限（天）", examples=[60])
    budget_total: Yuan | None = Field(description="预算总额（元）", examples=["100000.00"])
    budget_remaining: Yuan | None = Field(description="剩余预算（元）", examples=["98800.00"])
    rules: str = Field(description="奖励规则说明", examples=["实名举报经查实后给予奖励……"])


class AdminProgramOut(ProgramOut):
    """A programme with its bookkeeping, for reward administrators."""

    active: bool = Field(description="是否启用", examples=[True])
    committed: Yuan | None = Field(
        description="已批准（含待发放）的金额（元）", examples=["1200.00"]
    )
    paid: Yuan | None = Field(description="已发放金额（元）", examples=["200.00"])
    four_eyes_above: Yuan | None = Field(
        description="超过此金额须第二位管理员复核（元）", examples=["2000.00"]
    )


class MyClaimOut(Out):
    """The reporter's own claim (no internal flags or approvers)."""

    id: int = Field(description="奖励申请 ID", examples=[7])
    tracking_no: str = Field(description="诉求受理编号", examples=[TRACKING_NO])
    status: str = Field(description=CLAIM_STATUS_TEXT, examples=["approved"])
    status_label: str = Field(description="状态的中文名称", examples=["已批准，待发放"])
    reason: str = Field(description="不予奖励、重复或逾期的原因（其他状态为空）", examples=[""])
    amount: Yuan | None = Field(description="奖励金额（元；批准前为 null）", examples=["200.00"])
    deadline_at: IsoTime | None = Field(description="领取期限", examples=[TIME_EXAMPLE])
    reported_at: IsoTime = Field(description="举报时间", examples=[TIME_EXAMPLE])


class MyClaimsOut(Out):
    items: list[MyClaimOut] = Field(description="本页奖励申请，新的在前")
    next_cursor: str | None = Field(
        description="下一页的 cursor；没有更多时为 null", examples=[None]
    )


class FlagOut(Out):
    code: str = Field(description="风险标记代码", examples=["photo_reused"])
    label: str = Field(description="中文说明", examples=["照片与其他奖励申请的照片相同或高度相似"])


class ClaimOut(Out):
    """A claim as reward administrators see it."""

    id: int = Field(description="奖励申请 ID", examples=[7])
    tracking_no: str | None = Field(description="诉求受理编号", examples=[TRACKING_NO])
    program_id: int = Field(description="奖励项目 ID", examples=[1])
    status: str = Field(description=CLAIM_STATUS_TEXT, examples=["eligible"])
    status_label: str = Field(description="状态的中文名称", examples=["符合条件，待审批"])
    reason: str = Field(description="原因说明", examples=[""])
    category_code: str = Field(description="类别代码", examples=["MKT-FOOD"])
    reported_at: IsoTime = Field(description="举报时间", examples=[TIME_EXAMPLE])
    verified: bool | None = Field(description="承办单位是否查实（未核实为 null）", examples=[True])
    severity: str | None = Field(
        description="严重程度：minor、moderate、serious、critical", examples=["minor"]
    )
    severity_label: str | None = Field(description="严重程度的中文名称", examples=["一般"])
    fine: Yuan | None = Field(description="罚没款（元）", examples=["3000.00"])
    max_amount: Yuan | None = Field(description="按规则可奖励的最高金额（元）", examples=["230.00"])
    amount: Yuan | None = Field(description="批准（或首位审批人提议）的金额（元）", examples=[None])
    flags: list[FlagOut] = Field(description="风险标记（有标记的申请须两人审批）")
    duplicate_of: int | None = Field(description="重复时，最先举报的申请 ID", examples=[None])
    first_approver_id: int | None = Field(description="首位审批人 ID", examples=[None])
    first_approved_at: IsoTime | None = Field(description="首次审批时间", examples=[None])
    decided_by: int | None = Field(description="作出决定的管理员 ID", examples=[None])
    decided_at: IsoTime | None = Field(description="决定时间", examples=[None])
    deadline_at: IsoTime | None = Field(description="领取期限", examples=[None])
    created_at: IsoTime = Field(description="创建时间", examples=[TIME_EXAMPLE])


class ClaimsOut(Out):
    items: list[ClaimOut] = Field(description="本页奖励申请，新的在前")
    next_cursor: str | None = Field(
        description="下一页的 cursor；没有更多时为 null", examples=[None]
    )


class PayoutOut(Out):
    id: int = Field(description="发放记录 ID", examples=[3])
    claim_id: int = Field(description="奖励申请 ID", examples=[7])
    provider: str = Field(
        description="发放方式：wechat（微信转账）或 manual（窗口领取）", examples=["manual"]
    )
    amount: Yuan | None = Field(description="金额（元）", examples=["200.00"])
    status: str = Field(description=PAYOUT_STATUS_TEXT, examples=["awaiting_pickup"])
    status_label: str = Field(description="状态的中文名称", examples=["待领取"])
    trade_no: str | None = Field(
        description="微信转账的商户单号（窗口领取为 null）", examples=[None]
    )
    attempts: int = Field(description="已尝试次数", examples=[0])
    provider_ref: str | None = Field(description="支付渠道的单号或经办人", examples=[None])
    last_error: str | None = Field(description="最近一次失败原因", examples=[None])
    expires_at: IsoTime | None = Field(description="领取期限", examples=[TIME_EXAMPLE])
    paid_at: IsoTime | None = Field(description="发放时间", examples=[None])
    created_at: IsoTime = Field(description="创建时间", examples=[TIME_EXAMPLE])


class PayoutsOut(Out):
    items: list[PayoutOut] = Field(description="本页发放记录，新的在前")
    next_cursor: str | None = Field(
        description="下一页的 cursor；没有更多时为 null", examples=[None]
    )


class ReporterOut(Out):
    citizen_id: int = Field(description="市民账号 ID", examples=[12])
    name: str | None = Field(description="姓名（完整）", examples=["王小明"])
    phone: str | None = Field(description="手机号（完整）", examples=["13800138000"])
    real_name_verified: bool = Field(description="是否已实名认证", examples=[True])


class ClaimCaseLocationOut(Out):
    lat: float | None = Field(description="纬度", examples=[30.2741])
    lng: float | None = Field(description="经度", examples=[120.1551])
    address: str | None = Field(description="地址", examples=["杭州市西湖区文三路"])


class ClaimCaseOut(Out):
    tracking_no: str = Field(description="受理编号", examples=[TRACKING_NO])
    status: str = Field(description="诉求状态", examples=["closed"])
    title: str = Field(description="标题", examples=["某餐馆使用过期食材"])
    content: str = Field(description="诉求内容", examples=["某餐馆使用过期食材，后厨卫生很差。"])
    location: ClaimCaseLocationOut = Field(description="位置")
    unit: UnitRef | None = Field(description="承办单位")
    created_at: IsoTime = Field(description="提交时间", examples=[TIME_EXAMPLE])
    reply: str | None = Field(description="承办单位的答复", examples=["经查属实，已立案处罚。"])


class AuditEntryOut(Out):
    seq: int = Field(description="序号", examples=[1])
    at: IsoTime = Field(description="时间", examples=[TIME_EXAMPLE])
    action: str = Field(description="动作", examples=["opened"])
    actor_role: str = Field(description="执行者角色", examples=["system"])
    actor_id: str | None = Field(description="执行者 ID", examples=[None])
    payout_id: int | None = Field(description="相关发放记录 ID", examples=[None])
    data: dict[str, Any] = Field(description="动作的数据", examples=[{"program_id": 1}])
    hash: str = Field(description="本条记录的哈希（哈希链）", examples=["ab" * 32])


class ProgramRefOut(Out):
    id: int = Field(description="奖励项目 ID", examples=[1])
    name: str = Field(description="名称", examples=["食品安全有奖举报"])


class ClaimDetailOut(ClaimOut):
    """Everything about a claim, the reporter's identity included (reward administrators)."""

    program: ProgramRefOut = Field(description="奖励项目")
    reporter: ReporterOut = Field(description="举报人（完整身份，仅奖励管理员可见）")
    case: ClaimCaseOut = Field(description="诉求")
    duplicates: list[int] = Field(description="被判为本申请重复的申请 ID", examples=[[]])
    payouts: list[PayoutOut] = Field(description="发放记录")
    audit: list[AuditEntryOut] = Field(description="审计记录（哈希链）")
    audit_chain_valid: bool = Field(description="审计哈希链是否完整有效", examples=[True])


class RedeemOut(Out):
    """A manual reward paid at a service hall."""

    payout_id: int = Field(description="发放记录 ID", examples=[3])
    claim_id: int = Field(description="奖励申请 ID", examples=[7])
    amount: Yuan | None = Field(description="金额（元）", examples=["200.00"])
    status: str = Field(description="发放状态（paid）", examples=["paid"])
    payee_name: str | None = Field(
        description="领取人姓名：窗口据此核对身份证", examples=["王小明"]
    )
