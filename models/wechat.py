"""WeChat state shared by every replica: access tokens, consents, chat drafts, seen messages."""

from __future__ import annotations

from typing import Any

from tortoise import fields
from tortoise.models import Model


class AccessToken(Model):
    """A WeChat access token (stable_token), shared by all replicas when Redis is not used."""

    appid = fields.CharField(max_length=64, primary_key=True)
    token_enc = fields.TextField()
    expires_at = fields.DatetimeField()
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "wechat_access_token"


class SubscriptionConsent(Model):
    """One-time subscribe-message consents from the mini-program (each send spends one)."""

    id = fields.BigIntField(primary_key=True)
    citizen_id = fields.BigIntField(db_index=True)
    template_id = fields.CharField(max_length=64)
    remaining = fields.IntField(default=0)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "wechat_subscription_consent"
        unique_together = (("citizen_id", "template_id"),)


class SeenMessage(Model):
    """Official-account messages already handled (MsgId, or sender + CreateTime for events)."""

    key = fields.CharField(max_length=128, primary_key=True)
    created_at = fields.DatetimeField(auto_now_add=True, db_index=True)
    reply = fields.TextField(default="")  # the reply given, so a retry gets the same answer

    class Meta:
        table = "wechat_seen_message"


class ChatDraft(Model):
    """A case being filed by chat on the official account (随手拍), expiring after 30 minutes."""

    openid = fields.CharField(max_length=64, primary_key=True)
    texts: fields.JSONField[list[str]] = fields.JSONField(default=list)
    # photo ids, and {"m": media_id, ...} for a picture still being fetched
    photo_ids: fields.JSONField[list[int | dict[str, Any]]] = fields.JSONField(default=list)
    lat = fields.FloatField(null=True)
    lng = fields.FloatField(null=True)
    address = fields.CharField(max_length=255, null=True)
    updated_at = fields.DatetimeField()

    class Meta:
        table = "wechat_chat_draft"
