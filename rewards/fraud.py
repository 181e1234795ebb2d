"""Fraud signals: a flagged claim is always decided by two different administrators.

Signals, computed when a claim opens (inside the submission's transaction):

* ``many_claims_phone`` — the contact phone has filed ``reward_fraud_claims_per_phone`` or
  more claims within ``reward_fraud_window_days`` (this one included);
* ``many_claims_device`` — the same for the filing device (kiosks; the app and the
  mini-program send no device identifier today, so only kiosk-filed claims carry one);
* ``phone_shared`` — the contact phone also files claims for another citizen account;
* ``photo_reused`` — a photo identical to (same SHA-256) or within the dHash distance of a
  photo of another claim.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from tortoise.backends.base.client import BaseDBAsyncClient

from hotline import settings as settings_mod
from models.reward import RewardClaim, RewardPhoto
from rewards import dedupe

FLAG_LABELS = {
    "many_claims_phone": "同一手机号短期内多次申请奖励",
    "many_claims_device": "同一设备短期内多次申请奖励",
    "phone_shared": "同一手机号用于多个账号申请奖励",
    "photo_reused": "照片与其他奖励申请的照片相同或高度相似",
}


async def signals(
    conn: BaseDBAsyncClient,
    claim: RewardClaim,
    subject: dedupe.Subject,
    sha256s: list[str],
    now: datetime,
) -> list[str]:
    s = settings_mod.current()
    since = now - timedelta(days=s.reward_fraud_window_days)
    flags: list[str] = []
    if claim.phone_hash:
        recent = RewardClaim.filter(phone_hash=claim.phone_hash, created_at__gte=since)
        if await recent.using_db(conn).count() >= s.reward_fraud_claims_per_phone:
            flags.append("many_claims_phone")
        others = RewardClaim.filter(phone_hash=claim.phone_hash).exclude(
            citizen_id=claim.citizen_id
        )
        if await others.using_db(conn).exists():
            flags.append("phone_shared")
    if claim.device_key:
        recent = RewardClaim.filter(device_key=claim.device_key, created_at__gte=since)
        if await recent.using_db(conn).count() >= s.reward_fraud_claims_per_phone:
            flags.append("many_claims_device")
    reused = bool(sha256s) and await (
        RewardPhoto.filter(sha256__in=sha256s).exclude(claim_id=claim.id).using_db(conn).exists()
    )
    if not reused:
        reused = bool(await dedupe.similar_photos(conn, subject, s.reward_dedupe_hamming))
    if reused:
        flags.append("photo_reused")
    return flags
