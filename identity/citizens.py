"""Citizen identities: SMS login codes and finding or creating a citizen."""

from __future__ import annotations

import hmac
import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from hotline import ratelimit
from hotline import settings as settings_mod
from hotline.crypto import decrypt, encrypt, lookup_hash, mask_phone
from hotline.errors import Unauthorized
from identity import tokens
from identity.phones import normalize_mobile
from models.citizen import Citizen, SmsCode
from notify.outbox import enqueue


async def request_login_code(raw_phone: str, client_ip: str,
                             source_hourly: int | None = None) -> None:
    """Create a 6-digit code and queue it as an urgent SMS (throttled per phone and per IP;
    ``client_ip`` may name another source, e.g. a kiosk shared by many, with its own
    ``source_hourly`` limit)."""
    s = settings_mod.current()
    phone = normalize_mobile(raw_phone)
    phone_hash = lookup_hash(phone)
    await ratelimit.hit(f"sms-ip:{client_ip}", source_hourly or s.sms_code_per_ip_hourly, 3600)
    await ratelimit.hit(f"sms-phone:{phone_hash}", 1, s.sms_code_per_phone_interval_s)
    await ratelimit.hit(f"sms-phone-day:{phone_hash}", s.sms_code_per_phone_daily, 86400)
    code = f"{secrets.randbelow(1_000_000):06d}"
    async with in_transaction() as conn:
        # a new code supersedes every earlier one
        await SmsCode.filter(phone_hash=phone_hash, consumed=False).using_db(conn).update(
            consumed=True
        )
        await SmsCode.create(
            phone_hash=phone_hash,
            code_hash=lookup_hash(code, f"sms-code:{phone_hash}"),
            expires_at=datetime.now(UTC) + timedelta(seconds=s.sms_code_ttl_s),
            using_db=conn,
        )
        await enqueue(
            "login_code",
            {"code": code},
            channel="sms",
            recipient_kind="phone",
            address=phone,
            using_db=conn,
        )


async def verify_login_code(raw_phone: str, code: str) -> str:
    """Spend a valid code; returns the normalised phone. Five wrong tries kill the code."""
    s = settings_mod.current()
    phone = normalize_mobile(raw_phone)
    phone_hash = lookup_hash(phone)
    now = datetime.now(UTC)
    row = (
        await SmsCode.filter(phone_hash=phone_hash, consumed=False, expires_at__gt=now)
        .order_by("-id")
        .first()
    )
    if row is None or row.attempts >= s.sms_code_max_attempts:
        raise Unauthorized("验证码无效或已过期", code="invalid_code")
    expected = lookup_hash(code.strip(), f"sms-code:{phone_hash}")
    if not hmac.compare_digest(expected, row.code_hash):
        # count the miss atomically; concurrent guesses cannot exceed the limit
        await SmsCode.filter(id=row.id, attempts__lt=s.sms_code_max_attempts).update(
            attempts=row.attempts + 1
        )
        raise Unauthorized("验证码无效或已过期", code="invalid_code")
    spent = await SmsCode.filter(id=row.id, consumed=False, attempts=row.attempts).update(
        consumed=True
    )
    if spent != 1:
        raise Unauthorized("验证码无效或已过期", code="invalid_code")
    return phone


async def citizen_by_phone(phone: str) -> Citizen:
    phone_hash = lookup_hash(phone)
    citizen = await Citizen.get_or_none(phone_hash=phone_hash)
    if citizen is not None:
        return citizen
    try:
        return await Citizen.create(phone_hash=phone_hash, phone_enc=encrypt(phone))
    except IntegrityError:
        return await Citizen.get(phone_hash=phone_hash)


async def citizen_exists(citizen_id: int, issued_at: float | None = None) -> bool:
    """A citizen who can still sign in and file: not deleted, not merged into another (and,
    given a token's issue time, not signed out everywhere since)."""
    return await tokens.subject_active(f"citizen:{citizen_id}", issued_at)


def citizen_summary(citizen: Citizen) -> dict[str, Any]:
    return {
        "id": citizen.id,
        "phone_masked": mask_phone(decrypt(citizen.phone_enc)),
        "real_name_verified": citizen.real_name_verified,
    }


async def login_reply(citizen: Citizen, channel: str) -> dict[str, Any]:
    pair = await tokens.issue_pair(f"citizen:{citizen.id}", {"ch": channel})
    return pair | {"citizen": citizen_summary(citizen)}


async def sms_login(raw_phone: str, code: str) -> dict[str, Any]:
    phone = await verify_login_code(raw_phone, code)
    citizen = await citizen_by_phone(phone)
    return await login_reply(citizen, "app")
