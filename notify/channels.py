"""The channels a worker sends through: the real one where its provider is configured (Aliyun
SMS, SMTP, WeChat), else the console sink standing in for it."""

from __future__ import annotations

from hotline.settings import Settings
from notify.console import Console
from notify.delivery import Channel


def build_channels(settings: Settings) -> dict[str, Channel]:
    """The real channel where its provider is configured, else the console sink."""
    channels: dict[str, Channel] = {"console": Console()}
    if settings.sms_configured:
        from notify.sms_aliyun import AliyunSms

        channels["sms"] = AliyunSms(settings)
    else:
        channels["sms"] = Console("sms")
    if settings.smtp_configured:
        from notify.email import Email

        channels["email"] = Email(settings)
    else:
        channels["email"] = Console("email")
    if settings.wechat_mini_templates or settings.wechat_oa_templates:
        from notify.wechat import WeChatChannel

        for app in ("mini", "oa"):
            channels[f"wechat_{app}"] = WeChatChannel(settings, app)
    from partners.delivery import Webhook

    channels["webhook"] = Webhook(settings)  # partners' webhooks (no sink: it is HTTP)
    return channels
