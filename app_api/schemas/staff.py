"""Replies of the staff queues, statistics and routing suggestion."""

from __future__ import annotations

from pydantic import Field

from app_api.schemas.base import TIME_EXAMPLE, IsoDate, IsoTime, Out, UnitRef
from app_api.schemas.cases import CHANNEL_TEXT, KIND_TEXT, LIGHT_TEXT, TRACKING_NO, Light


class QueueItemOut(Out):
    """A queue item: what staff need to pick a case, without personal data."""

    tracking_no: str = Field(description="受理编号", examples=[TRACKING_NO])
    kind: str = Field(description=KIND_TEXT, examples=["complaint"])
    category_code: str = Field(description="类别代码", examples=["ENV-NOISE"])
    channel: str = Field(description=CHANNEL_TEXT, examples=["phone"])
    status: str = Field(description="状态", examples=["dispatched"])
    title: str = Field(description="标题", examples=["小区旁边工地夜间施工噪音很大"])
    unit: UnitRef | None = Field(description="承办单位（转办前为 null）")
    created_at: IsoTime = Field(description="提交时间", examples=[TIME_EXAMPLE])
    next_due_kind: str | None = Field(
        description="最早的未满足时限的种类：dispatch、sign、transfer、notice、complete",
        examples=["sign"],
    )
    next_due_at: IsoTime | None = Field(description="最早的未满足时限", examples=[TIME_EXAMPLE])
    light: Light | None = Field(description=LIGHT_TEXT, examples=["yellow"])


class QueuePageOut(Out):
    """A page of the caller's queue."""

    items: list[QueueItemOut] = Field(description="本页诉求")
    next_cursor: str | None = Field(
        description="下一页的 cursor 参数；没有更多时为 null", examples=["ZDoxNzY0MzAwMDAwOjM"]
    )


class ChannelGroupOut(Out):
    received: int = Field(description="受理量", examples=[120])
    completed: int = Field(description="办结量", examples=[96])
    avg_handling_days: float | None = Field(
        description="平均办理天数（无办结时为 null）", examples=[6.25]
    )


class HandlingDaysOut(Out):
    """Average handling days per channel group and overall (null without completed cases)."""

    letters_visits_online: float | None = Field(
        description="来信、来访与网络渠道", examples=[7.5]
    )
    calls: float | None = Field(description="电话渠道", examples=[4.0])
    all: float | None = Field(description="全部", examples=[6.25])


class ChannelGroupsOut(Out):
    letters_visits_online: ChannelGroupOut = Field(description="来信、来访与网络渠道")
    calls: ChannelGroupOut = Field(description="电话渠道")


class KbStatsOut(Out):
    """Answers before filing: consultations checked against the knowledge base first."""

    prechecks: int = Field(description="提交前查询的咨询量", examples=[80])
    offered: int = Field(description="其中给出了知识条目的", examples=[64])
    deflected: int = Field(description="知识库已解决、未再提交的", examples=[20])
    filed: int = Field(description="看过后仍提交的", examples=[30])
    deflection_rate: float | None = Field(
        description="知识库解决率 = 已解决未提交 / 提交前查询量", examples=[0.25]
    )


class StatsOut(Out):
    """Statistics of the caller's scope (or of ``unit_id``'s subtree) for the period."""

    from_: IsoDate = Field(alias="from", description="统计起始日（含）", examples=["2026-11-01"])
    to: IsoDate = Field(description="统计截止日（含）", examples=["2026-11-27"])
    unit: UnitRef = Field(description="统计范围的单位")
    generated_at: IsoTime = Field(description="生成时间", examples=[TIME_EXAMPLE])
    received: int = Field(description="受理量", examples=[200])
    merged: int = Field(description="合并量", examples=[3])
    rejected: int = Field(description="不予受理量", examples=[2])
    completed: int = Field(description="办结量", examples=[150])
    completion_rate: float | None = Field(
        description="办结率 = 办结 / (受理 − 合并 − 不予受理)", examples=[0.7692]
    )
    on_time: int = Field(description="按时办结量", examples=[140])
    on_time_rate: float | None = Field(description="按时办结率", examples=[0.9333])
    completed_late: int = Field(description="超期办结", examples=[1])
    open: int = Field(description="在办（未办结，且非合并、不予受理）", examples=[3])
    avg_handling_days: HandlingDaysOut = Field(description="平均办理天数")
    by_channel_group: ChannelGroupsOut = Field(description="按渠道分组")
    rated: int = Field(description="已评价量", examples=[100])
    satisfied: int = Field(description="满意量（评分 3–5）", examples=[92])
    satisfaction_rate: float | None = Field(
        description="满意率 = (满意量 + 关注人满意评价数) / (已评价量 + 关注人评价数)",
        examples=[0.92],
    )
    followers: int = Field(description="关注人数（“我也遇到”）", examples=[12])
    follower_rated: int = Field(description="关注人对本轮答复的评价数", examples=[5])
    follower_satisfied: int = Field(description="关注人满意评价数（评分 3–5）", examples=[4])
    dispatched: int = Field(description="转办量", examples=[180])
    returned: int = Field(description="被退回量", examples=[9])
    return_rate: float | None = Field(description="退回率", examples=[0.05])
    replied: int = Field(description="答复量", examples=[150])
    reopened: int = Field(description="重新办理量", examples=[4])
    reopen_rate: float | None = Field(description="重办率", examples=[0.0267])
    overdue_now: int = Field(description="当前超时未办结的诉求数（不限统计期）", examples=[5])
    knowledge: KbStatsOut = Field(description="提交前查询知识库（咨询类）")


class RoutingUnitOut(UnitRef):
    code: str = Field(description="单位代码", examples=["XH-CG"])


class RoutingOut(Out):
    """The unit the routing rules suggest for the case."""

    unit: RoutingUnitOut | None = Field(description="建议的承办单位（无匹配规则时为 null）")
