"""The reply of ``GET /me/export``: everything the platform holds about the caller.

It describes exactly what ``privacy.export.export`` returns (FastAPI validates the reply
against it). The caller's own data is shown in full: it is theirs.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import ConfigDict, Field

from app_api.schemas.cases import CaseOut, GpsOut, Out


class NotifyOut(Out):
    sms: bool = Field(description="是否接收短信通知")
    wechat: bool = Field(description="是否接收微信通知")


class ProfileOut(Out):
    id: int = Field(description="账号编号")
    phone: str | None = Field(description="手机号（完整）；未绑定为 null")
    name: str | None = Field(description="实名姓名（完整）；未实名为 null")
    id_number: str | None = Field(description="身份证号（完整）；未实名为 null")
    real_name_verified: bool = Field(description="是否已实名")
    real_name_method: Literal["counter", "kiosk", "online"] | None = Field(
        description="实名方式：counter 窗口、kiosk 自助终端、online 在线核验；未实名为 null"
    )
    real_name_verified_at: datetime | None = Field(description="实名时间")
    notify: NotifyOut = Field(description="通知偏好")
    created_at: datetime = Field(description="注册时间")


class WechatOut(Out):
    mini_program_bound: bool = Field(description="是否绑定了小程序")
    official_account_bound: bool = Field(description="是否绑定了公众号")
    openid_mini: str | None = Field(description="小程序 openid")
    openid_oa: str | None = Field(description="公众号 openid")
    unionid: str | None = Field(description="微信 unionid")
    oa_follower: bool = Field(description="是否关注公众号")
    oa_followed_at: datetime | None = Field(description="关注公众号的时间")


class VerificationOut(Out):
    method: str = Field(description="实名方式：counter、kiosk、online")
    at: datetime = Field(description="核验时间")


class ExportRatingOut(Out):
    tracking_no: str = Field(description="诉求编号")
    round: int = Field(description="第几轮答复的评价")
    score: int = Field(ge=1, le=5, description="评分 1–5")
    label: str = Field(description="评分的中文说法")
    comment: str = Field(description="评价内容")
    at: datetime = Field(description="评价时间")


class ExportPhotoOut(Out):
    id: int = Field(description="照片编号")
    sha256: str = Field(description="原始上传文件的 SHA-256")
    width: int = Field(description="宽度（像素）")
    height: int = Field(description="高度（像素）")
    content_type: str = Field(description="原始文件类型")
    taken_at: datetime | None = Field(description="拍摄时间（EXIF）")
    gps: GpsOut | None = Field(description="拍摄位置（EXIF）")
    url: str = Field(description="展示图地址（带签名，短期有效）")
    thumb_url: str = Field(description="缩略图地址（带签名，短期有效）")
    tracking_no: str | None = Field(description="所属诉求编号；未提交为 null")
    uploaded_at: datetime = Field(description="上传时间")


class PayoutOut(Out):
    id: int = Field(description="发放记录编号")
    provider: str = Field(description="发放方式：wechat 微信转账、manual 窗口领取")
    amount_fen: int = Field(description="金额（分）")
    status: str = Field(description="发放状态")
    created_at: datetime = Field(description="创建时间")
    expires_at: datetime | None = Field(description="领取截止时间（窗口领取）")
    paid_at: datetime | None = Field(description="发放时间")


class ClaimOut(Out):
    id: int = Field(description="奖励申请编号")
    tracking_no: str | None = Field(description="举报诉求编号")
    status: str = Field(description="申请状态（open、eligible、approved、paid、withdrawn 等）")
    reason: str = Field(description="不予奖励或撤回的原因")
    reported_at: datetime = Field(description="举报时间")
    verified: bool | None = Field(description="承办单位是否查实；尚未答复为 null")
    amount_fen: int | None = Field(description="核定金额（分）")
    decided_at: datetime | None = Field(description="审批时间")
    deadline_at: datetime | None = Field(description="领取截止时间")
    created_at: datetime = Field(description="申请时间")
    payouts: list[PayoutOut] = Field(description="发放记录")


class MessageOut(Out):
    id: int = Field(description="消息编号")
    template: str = Field(description="消息模板")
    channel: str = Field(description="发送渠道：sms、wechat_mini、wechat_oa、console")
    status: str = Field(
        description="状态：pending、sending、sent、delivered、failed、dead、suppressed、cancelled"
    )
    tracking_no: str | None = Field(description="相关诉求编号")
    created_at: datetime = Field(description="生成时间")
    sent_at: datetime | None = Field(description="发送时间")
    delivered_at: datetime | None = Field(description="送达时间")
    text: str | None = Field(description="消息正文（验证码短信不重复展示，为 null）")


EXPORT_EXAMPLE: dict[str, Any] = {
    "exported_at": "2026-12-01T10:00:00+08:00",
    "profile": {
        "id": 12,
        "phone": "13912345678",
        "name": "王小明",
        "id_number": "11010519491231002X",
        "real_name_verified": True,
        "real_name_method": "counter",
        "real_name_verified_at": "2026-11-30T15:20:00+08:00",
        "notify": {"sms": True, "wechat": True},
        "created_at": "2026-11-01T09:00:00+08:00",
    },
    "wechat": {
        "mini_program_bound": False,
        "official_account_bound": False,
        "openid_mini": None,
        "openid_oa": None,
        "unionid": None,
        "oa_follower": False,
        "oa_followed_at": None,
    },
    "verifications": [{"method": "counter", "at": "2026-11-30T15:20:00+08:00"}],
    "cases": [],
    "ratings": [],
    "photos": [],
    "reward_claims": [],
    "messages": [
        {
            "id": 301,
            "template": "received",
            "channel": "sms",
            "status": "sent",
            "tracking_no": "20261127-000123",
            "created_at": "2026-11-27T10:02:11+08:00",
            "sent_at": "2026-11-27T10:02:12+08:00",
            "delivered_at": None,
            "text": "【12345】您的诉求已受理，编号20261127-000123。",
        }
    ],
}


class ExportOut(Out):
    """Everything the platform holds about the caller (PIPL art. 45)."""

    model_config = ConfigDict(json_schema_extra={"examples": [EXPORT_EXAMPLE]})

    exported_at: datetime = Field(description="导出时间")
    profile: ProfileOut = Field(description="账号资料（本人数据，完整展示）")
    wechat: WechatOut = Field(description="微信绑定情况")
    verifications: list[VerificationOut] = Field(description="实名核验记录")
    cases: list[CaseOut] = Field(
        description="本人提交的诉求（与本人查看诉求时相同，含办理经过和评价）"
    )
    ratings: list[ExportRatingOut] = Field(description="本人的评价（含评价内容）")
    photos: list[ExportPhotoOut] = Field(description="本人上传的照片")
    reward_claims: list[ClaimOut] = Field(description="有奖举报申请及发放记录")
    messages: list[MessageOut] = Field(description="发给本人或本人手机号的消息")
