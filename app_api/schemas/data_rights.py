"""The reply of ``GET /me/export``: everything the platform holds about the caller.

It describes exactly what ``privacy.export.export`` returns (FastAPI validates the reply
against it). The caller's own data is shown in full: it is theirs.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from app_api.schemas.account import NotifyOut
from app_api.schemas.base import Exact
from app_api.schemas.cases import CaseOut
from app_api.schemas.photos import GpsOut


class ProfileOut(Exact):
    id: int = Field(description="账号编号", examples=[12])
    phone: str | None = Field(description="手机号（完整）；未绑定为 null", examples=["13912345678"])
    name: str | None = Field(description="实名姓名（完整）；未实名为 null", examples=["王小明"])
    id_number: str | None = Field(
        description="身份证号（完整）；未实名为 null", examples=["11010519491231002X"]
    )
    real_name_verified: bool = Field(description="是否已实名", examples=[True])
    real_name_method: Literal["counter", "kiosk", "online"] | None = Field(
        examples=["counter"],
        description="实名方式：counter 窗口、kiosk 自助终端、online 在线核验；未实名为 null",
    )
    real_name_verified_at: datetime | None = Field(
        description="实名时间", examples=["2026-11-30T15:20:00+08:00"]
    )
    notify: NotifyOut = Field(description="通知偏好")
    created_at: datetime = Field(description="注册时间", examples=["2026-11-01T09:00:00+08:00"])


class WechatOut(Exact):
    mini_program_bound: bool = Field(description="是否绑定了小程序", examples=[True])
    official_account_bound: bool = Field(description="是否绑定了公众号", examples=[False])
    openid_mini: str | None = Field(description="小程序 openid", examples=["oAbC1234567890"])
    openid_oa: str | None = Field(description="公众号 openid", examples=[None])
    unionid: str | None = Field(description="微信 unionid", examples=["uXyZ0987654321"])
    oa_follower: bool = Field(description="是否关注公众号", examples=[False])
    oa_followed_at: datetime | None = Field(description="关注公众号的时间", examples=[None])


class VerificationOut(Exact):
    method: str = Field(description="实名方式：counter、kiosk、online", examples=["counter"])
    at: datetime = Field(description="核验时间", examples=["2026-11-30T15:20:00+08:00"])


class ExportRatingOut(Exact):
    tracking_no: str = Field(description="诉求编号", examples=["20261127-000123"])
    round: int = Field(description="第几轮答复的评价", examples=[1])
    score: int = Field(ge=1, le=5, description="评分 1–5", examples=[5])
    label: str = Field(description="评分的中文说法", examples=["非常满意"])
    comment: str = Field(description="评价内容", examples=["处理及时，谢谢。"])
    at: datetime = Field(description="评价时间", examples=["2026-11-30T15:20:00+08:00"])


class ExportPhotoOut(Exact):
    id: int = Field(description="照片编号", examples=[301])
    sha256: str = Field(
        description="原始上传文件的 SHA-256",
        examples=["9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"],
    )
    width: int = Field(description="宽度（像素）", examples=[1600])
    height: int = Field(description="高度（像素）", examples=[1200])
    content_type: str = Field(description="原始文件类型", examples=["image/jpeg"])
    taken_at: datetime | None = Field(
        description="拍摄时间（EXIF）", examples=["2026-11-27T09:58:00+08:00"]
    )
    gps: GpsOut | None = Field(description="拍摄位置（EXIF）")
    url: str = Field(
        description="展示图地址（带签名，短期有效）",
        examples=["/api/v1/photos/301/display?exp=1796123456&sig=abc"],
    )
    thumb_url: str = Field(
        description="缩略图地址（带签名，短期有效）",
        examples=["/api/v1/photos/301/thumb?exp=1796123456&sig=abc"],
    )
    tracking_no: str | None = Field(
        description="所属诉求编号；未提交为 null", examples=["20261127-000123"]
    )
    uploaded_at: datetime = Field(description="上传时间", examples=["2026-11-27T10:00:00+08:00"])


class ExportPayoutOut(Exact):
    id: int = Field(description="发放记录编号", examples=[7])
    provider: str = Field(
        description="发放方式：wechat 微信转账、manual 窗口领取", examples=["manual"]
    )
    amount_fen: int = Field(description="金额（分）", examples=[20000])
    status: str = Field(description="发放状态", examples=["paid"])
    created_at: datetime = Field(description="创建时间", examples=["2026-11-01T09:00:00+08:00"])
    expires_at: datetime | None = Field(
        description="领取截止时间（窗口领取）", examples=["2026-12-31T23:59:59+08:00"]
    )
    paid_at: datetime | None = Field(description="发放时间", examples=[None])


class ExportClaimOut(Exact):
    id: int = Field(description="奖励申请编号", examples=[41])
    tracking_no: str | None = Field(description="举报诉求编号", examples=["20261127-000123"])
    status: str = Field(
        description="申请状态（open、eligible、approved、paid、withdrawn 等）", examples=["paid"]
    )
    reason: str = Field(description="不予奖励或撤回的原因", examples=[""])
    reported_at: datetime = Field(description="举报时间", examples=["2026-11-27T10:02:11+08:00"])
    verified: bool | None = Field(description="承办单位是否查实；尚未答复为 null", examples=[True])
    amount_fen: int | None = Field(description="核定金额（分）", examples=[20000])
    decided_at: datetime | None = Field(
        description="审批时间", examples=["2026-11-29T16:00:00+08:00"]
    )
    deadline_at: datetime | None = Field(
        description="领取截止时间", examples=["2027-01-26T23:59:59+08:00"]
    )
    created_at: datetime = Field(description="申请时间", examples=["2026-11-01T09:00:00+08:00"])
    payouts: list[ExportPayoutOut] = Field(description="发放记录")


class MessageOut(Exact):
    id: int = Field(description="消息编号", examples=[301])
    template: str = Field(description="消息模板", examples=["received"])
    channel: str = Field(
        description="发送渠道：sms、wechat_mini、wechat_oa、console", examples=["sms"]
    )
    status: str = Field(
        examples=["sent"],
        description="状态：pending、sending、sent、delivered、failed、dead、suppressed、cancelled",
    )
    tracking_no: str | None = Field(description="相关诉求编号", examples=["20261127-000123"])
    created_at: datetime = Field(description="生成时间", examples=["2026-11-01T09:00:00+08:00"])
    sent_at: datetime | None = Field(description="发送时间", examples=["2026-11-27T10:02:12+08:00"])
    delivered_at: datetime | None = Field(description="送达时间", examples=[None])
    text: str | None = Field(
        description="消息正文（验证码短信不重复展示，为 null）",
        examples=["【12345】您的诉求已受理，编号20261127-000123。"],
    )


class ExportPrecheckOut(Exact):
    channel: str = Field(description="渠道：app、wechat_mini、kiosk、wechat_oa（公众号提问）等",
                         examples=["app"])
    kind: str = Field(description="诉求类型（目前仅 consultation 咨询）", examples=["consultation"])
    category_code: str | None = Field(description="诉求分类（公众号提问无分类，为 null）",
                                      examples=["GENERAL-POLICY"])
    kb_item_ids: list[int] = Field(description="当时推荐的知识条目", examples=[[12, 31, 7]])
    similar_count: int = Field(description="当时提示的相似诉求数", examples=[0])
    created_at: datetime = Field(description="查询时间", examples=["2026-11-27T09:58:00+08:00"])
    deflected_item_id: int | None = Field(description="本人确认已解决问题的知识条目",
                                          examples=[12])
    deflected_at: datetime | None = Field(description="确认已解决的时间", examples=[None])
    tracking_no: str | None = Field(description="之后仍提交的诉求编号", examples=[None])


class ExportOut(Exact):
    """Everything the platform holds about the caller (PIPL art. 45)."""

    exported_at: datetime = Field(description="导出时间", examples=["2026-12-01T10:00:00+08:00"])
    profile: ProfileOut = Field(description="账号资料（本人数据，完整展示）")
    wechat: WechatOut = Field(description="微信绑定情况")
    verifications: list[VerificationOut] = Field(description="实名核验记录")
    cases: list[CaseOut] = Field(
        description="本人提交的诉求（与本人查看诉求时相同，含办理经过和评价）"
    )
    ratings: list[ExportRatingOut] = Field(description="本人的评价（含评价内容）")
    photos: list[ExportPhotoOut] = Field(description="本人上传的照片")
    reward_claims: list[ExportClaimOut] = Field(description="有奖举报申请及发放记录")
    messages: list[MessageOut] = Field(description="发给本人或本人手机号的消息")
    prechecks: list[ExportPrecheckOut] = Field(
        description="提交前查询知识库的记录（含公众号提问），不含当时填写的内容"
    )
