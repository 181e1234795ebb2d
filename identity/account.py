"""A citizen's own account: the profile (``GET /me``), notification preferences
(``PATCH /me``), moving the account to a new phone, and signing out.

The preferences are two columns on the citizen row (``notify_sms``, ``notify_wechat``); the
outbox worker reads them with each claimed batch (``notify.worker``) and routing honours them
(``notify.routing``), except for the templates marked ``required``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from hotline.crypto import decrypt, encrypt, lookup_hash, mask_name, mask_phone
from hotline.errors import Conflict, Unauthorized, ValidationProblem
from hotline.timefmt import SHANGHAI, iso
from identity import citizens, tokens
from identity.principal import Principal
from models.case import Case
from models.citizen import Citizen
from models.outbox import OutboxMessage, OutboxStatus
from notify.outbox import enqueue

NOTICE_TIME = "%Y年%m月%d日%H:%M"


async def _citizen(citizen_id: int) -> Citizen:
    citizen = await Citizen.get_or_none(id=citizen_id, merged_into_id=None)
    if citizen is None:  # deleted or merged between the token check and now
        raise Unauthorized("登录已失效，请重新登录", code="invalid_token")
    return citizen


def profile_of(citizen: Citizen) -> dict[str, Any]:
    """The citizen as ``GET /me`` shows them: phone and name masked, never the ID number."""
    return {
        "id": citizen.id,
        "phone_masked": mask_phone(decrypt(citizen.phone_enc)),
        "name_masked": mask_name(decrypt(citizen.name_enc)),
        "real_name_verified": citizen.real_name_verified,
        "real_name_method": citizen.real_name_method,
        "notify": {"sms": citizen.notify_sms, "wechat": citizen.notify_wechat},
        "created_at": iso(citizen.created_at),
    }


async def profile(citizen_id: int) -> dict[str, Any]:
    return profile_of(await _citizen(citizen_id))


async def set_preferences(
    citizen_id: int, *, sms: bool | None = None, wechat: bool | None = None
) -> dict[str, Any]:
    """Switch the SMS and/or WeChat channel on or off; what is not given stays as it is.
    Messages already queued follow the new choice: the worker reads it when it sends."""
    changes: dict[str, bool] = {}
    if sms is not None:
        changes["notify_sms"] = sms
    if wechat is not None:
        changes["notify_wechat"] = wechat
    if changes:
        await Citizen.filter(id=citizen_id, merged_into_id=None).update(**changes)
    return await profile(citizen_id)


async def change_phone(citizen_id: int, raw_phone: str, code: str) -> dict[str, Any]:
    """Move the account to a new phone, proven by a login code sent to it
    (``POST /auth/sms-code``). The old number gets a notice (template ``phone_changed``,
    required and urgent). The citizen's cases whose contact was the old account phone, and
    their messages still waiting in the outbox, follow to the new number: the old one may be
    someone else's by now. Another account on the new phone: 409 ``phone_in_use``."""
    phone = await citizens.verify_login_code(raw_phone, code)  # 422 / 401 as for sms-login
    new_hash = lookup_hash(phone)
    try:
        async with in_transaction() as conn:
            citizen = await Citizen.get_or_none(
                id=citizen_id, merged_into_id=None, using_db=conn
            )
            if citizen is None:
                raise Unauthorized("登录已失效，请重新登录", code="invalid_token")
            if citizen.phone_hash == new_hash:
                return profile_of(citizen)  # already this number: nothing moves
            taken = (
                await Citizen.filter(phone_hash=new_hash).exclude(id=citizen_id)
                .using_db(conn).exists()
            )
            if taken:
                raise _in_use()
            old_phone, old_hash = decrypt(citizen.phone_enc), citizen.phone_hash
            new_enc = encrypt(phone)
            citizen.phone_enc, citizen.phone_hash = new_enc, new_hash
            await citizen.save(update_fields=["phone_enc", "phone_hash"], using_db=conn)
            if old_phone and old_hash:
                await Case.filter(citizen_id=citizen_id, contact_phone_hash=old_hash).using_db(
                    conn
                ).update(contact_phone_enc=new_enc, contact_phone_hash=new_hash)
                await _readdress_pending(conn, citizen_id, old_phone, phone)
                now = datetime.now(UTC).astimezone(SHANGHAI)
                await enqueue(
                    "phone_changed",
                    {"at": now.strftime(NOTICE_TIME), "new_phone": mask_phone(phone)},
                    channel="sms",
                    recipient_kind="phone",
                    address=old_phone,
                    using_db=conn,
                )
    except IntegrityError as exc:  # the new phone was taken by a concurrent sign-in
        raise _in_use() from exc
    return profile_of(citizen)


def _in_use() -> Conflict:
    return Conflict("该手机号已绑定其他账号", code="phone_in_use")


async def _readdress_pending(conn: BaseDBAsyncClient, citizen_id: int, old: str, new: str) -> None:
    """Messages to the citizen still waiting for the old number go to the new one."""
    rows = await OutboxMessage.filter(
        recipient_kind="citizen", recipient_id=str(citizen_id), status=OutboxStatus.pending
    ).using_db(conn).values_list("id", "address_enc")
    moving = [row_id for row_id, sealed in rows if sealed and decrypt(sealed) == old]
    if moving:
        await OutboxMessage.filter(id__in=moving).using_db(conn).update(address_enc=encrypt(new))


async def logout(who: Principal, refresh_token: str | None, everywhere: bool) -> None:
    """Revoke the given refresh token if it is the caller's, or (``everywhere``) all of the
    caller's refresh tokens and, through ``sessions_revoked_at``, the access tokens issued
    until now (every route but ``POST /cases``, which looks nobody up: there they last until
    they expire). After a plain logout the access token lives until its expiry (at most
    ``HOTLINE_ACCESS_TOKEN_TTL_S``, one hour by default)."""
    if everywhere == (refresh_token is not None):
        raise ValidationProblem(
            "请提供 refresh_token（退出本次登录）或 all: true（退出全部登录），二者选一",
            code="validation_error",
        )
    subject = f"{who.kind}:{who.id}"
    if everywhere:
        await tokens.revoke_all(subject)
    elif refresh_token is not None:
        await tokens.revoke(subject, refresh_token)
