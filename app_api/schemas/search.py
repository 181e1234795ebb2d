"""Replies of similar cases, following ("me too") and staff search."""

from __future__ import annotations

from pydantic import Field

from app_api.schemas.base import TIME_EXAMPLE, IsoTime, Out
from app_api.schemas.cases import TRACKING_NO
from app_api.schemas.staff import QueueItemOut

STATUS_TEXT = "状态"
STATUS_LABEL_TEXT = "状态（中文）"


class SimilarItemOut(Out):
    """An open case like the one about to be filed: no personal data of its reporter."""

    tracking_no: str = Field(description="受理编号", examples=[TRACKING_NO])
    title: str = Field(description="标题", examples=["文三路口路灯不亮"])
    status: str = Field(description=STATUS_TEXT, examples=["dispatched"])
    status_label: str = Field(description=STATUS_LABEL_TEXT, examples=["已转办"])
    distance_m: float | None = Field(
        description="与所报位置的距离（米）；无坐标时为 null", examples=[86.4]
    )
    created_at: IsoTime = Field(description="提交时间", examples=[TIME_EXAMPLE])
    followers: int = Field(description="关注人数（“我也遇到”）", examples=[3])


class SimilarOut(Out):
    """Open cases of the same category within 300 m, or with clearly similar text."""

    items: list[SimilarItemOut] = Field(description="相似的未办结诉求（至多 10 件）")


class FollowOut(Out):
    """Whether the caller follows the case now, and how many follow it."""

    tracking_no: str = Field(description="受理编号", examples=[TRACKING_NO])
    following: bool = Field(description="是否已关注", examples=[True])
    followers: int = Field(description="关注人数", examples=[4])


class FollowingItemOut(Out):
    tracking_no: str = Field(description="受理编号", examples=[TRACKING_NO])
    title: str = Field(description="标题", examples=["文三路口路灯不亮"])
    category_code: str = Field(description="类别代码", examples=["CITY-LIGHT"])
    status: str = Field(description=STATUS_TEXT, examples=["replied"])
    status_label: str = Field(description=STATUS_LABEL_TEXT, examples=["已答复"])
    created_at: IsoTime = Field(description="提交时间", examples=[TIME_EXAMPLE])
    followed_at: IsoTime = Field(description="关注时间", examples=[TIME_EXAMPLE])
    followers: int = Field(description="关注人数", examples=[4])


class FollowingOut(Out):
    """The cases the caller follows, last followed first."""

    items: list[FollowingItemOut] = Field(description="本页关注的诉求")
    next_cursor: str | None = Field(
        description="下一页的 cursor 参数；没有更多时为 null", examples=["ZjoxMg"]
    )


class FollowerRatingOut(Out):
    """A follower's rating of the current answer (the case's own rating is its reporter's)."""

    tracking_no: str = Field(description="受理编号", examples=[TRACKING_NO])
    round: int = Field(description="答复轮次", examples=[1])
    score: int = Field(description="评分 1–5", examples=[4])
    label: str = Field(description="评分含义", examples=["满意"])


class StaffSearchOut(Out):
    """A page of search results within the caller's scope, newest first."""

    items: list[QueueItemOut] = Field(description="本页诉求（与工作队列相同的字段）")
    next_cursor: str | None = Field(
        description="下一页的 cursor 参数；没有更多时为 null", examples=["czoxMjM0"]
    )
