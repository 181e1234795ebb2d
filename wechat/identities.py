"""Citizens behind WeChat identities: find or create by unionid/openid, bind phones, merge.

A citizen row carries at most one of each identity (``openid_mini``, ``openid_oa``, ``unionid``,
``phone_hash``, all unique). When two rows turn out to be the same person -- a WeChat-only row
whose owner proves a phone that already has a citizen, or an official-account row that a unionid
links to a mini-program row -- ``merge`` moves the source's cases, consents, photos and pending
messages to the target, hands over the identities the target lacks, and marks the source
``merged_into_id``. Identities that stay on a merged row still resolve to the survivor:
every lookup here follows ``merged_into_id``.
"""

from __future__ import annotations

import logging
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.expressions import F
from tortoise.transactions import in_transaction

from hotline.crypto import encrypt, lookup_hash
from hotline.errors import Conflict
from models.case import Case
from models.citizen import Citizen
from models.media import Photo
from models.ops import RefreshToken
from models.outbox import OutboxMessage, OutboxStatus
from models.wechat import SubscriptionConsent

log = logging.getLogger("hotline.wechat")

OPENID_FIELDS = ("openid_mini", "openid_oa")
# identity columns handed from a merged row to the survivor when the survivor has none
HANDOVER = (
    "openid_mini", "openid_oa", "unionid", "phone_hash", "session_key_enc", "id_number_hash"
)
# a real-name identity moves whole: the sealed number and name, how and when it was verified
IDENTITY = ("id_number_enc", "name_enc", "real_name_method", "real_name_verified_at")


async def resolve(citizen: Citizen) -> Citizen:
    """Follow ``merged_into_id`` to the surviving row."""
    for _ in range(8):
        if citizen.merged_into_id is None:
            return citizen
        nxt = await Citizen.get_or_none(id=citizen.merged_into_id)
        if nxt is None:
            return citizen
        citizen = nxt
    return citizen


async def holder(field: str, value: str) -> Citizen | None:
    """The row holding an identity (possibly a merged one), without following merges."""
    lookup: dict[str, Any] = {field: value}
    return await Citizen.get_or_none(**lookup)


async def find(field: str, value: str) -> Citizen | None:
    row = await holder(field, value)
    return await resolve(row) if row else None


async def find_or_create(field: str, openid: str, unionid: str | None = None) -> Citizen:
    """The citizen for a WeChat openid: by unionid first, then by openid; created if new.

    Missing identities are linked to the row found; an openid held by another row is merged
    into the unionid's row (unless both carry different phones: then they stay apart).
    """
    assert field in OPENID_FIELDS
    for _ in range(3):
        by_union = await find("unionid", unionid) if unionid else None
        by_openid = await find(field, openid)
        if by_union is None and by_openid is None:
            try:
                row: dict[str, Any] = {field: openid, "unionid": unionid}
                return await Citizen.create(**row)
            except IntegrityError:
                continue  # created concurrently: look again
        if by_union is None:
            assert by_openid is not None
            if unionid and by_openid.unionid is None:
                await _link(by_openid, "unionid", unionid)
            return by_openid
        if by_openid is None:
            await _link(by_union, field, openid)
            return by_union
        if by_openid.id != by_union.id:
            if by_openid.phone_hash and by_union.phone_hash:
                log.warning("citizens %s and %s share unionid but not phone; not merged",
                            by_openid.id, by_union.id)
                return by_union
            return await merge(by_openid, by_union)
        return by_union
    raise Conflict("账号正在创建，请重试", code="citizen_busy")


async def _link(citizen: Citizen, field: str, value: str) -> None:
    try:
        n = await Citizen.filter(id=citizen.id, **{f"{field}__isnull": True}).update(
            **{field: value}
        )
    except IntegrityError:  # someone else took it meanwhile; the lookup resolves it next time
        return
    if n:
        setattr(citizen, field, value)


async def attach_phone(citizen: Citizen, phone: str) -> tuple[Citizen, bool]:
    """Bind a verified phone; returns (the surviving citizen, whether rows were merged)."""
    citizen = await resolve(citizen)
    phone_hash = lookup_hash(phone)
    if citizen.phone_hash == phone_hash:
        return citizen, False
    if citizen.phone_hash:
        raise Conflict("您的账号已绑定其他手机号", code="phone_already_bound")
    for _ in range(3):
        owner = await find("phone_hash", phone_hash)
        if owner is not None:
            if owner.id == citizen.id:
                return owner, False
            return await merge(citizen, owner), True
        try:
            n = await Citizen.filter(id=citizen.id, phone_hash__isnull=True).update(
                phone_hash=phone_hash, phone_enc=encrypt(phone)
            )
        except IntegrityError:
            continue  # the phone got its own citizen meanwhile: merge into it
        if n:
            return await Citizen.get(id=citizen.id), False
        citizen = await resolve(await Citizen.get(id=citizen.id))
    raise Conflict("手机号正在绑定，请重试", code="citizen_busy")


async def merge(source: Citizen, target: Citizen) -> Citizen:
    """Merge ``source`` into ``target`` in one transaction; returns the reloaded target."""
    if source.id == target.id:
        return target
    async with in_transaction() as conn:
        src = await Citizen.filter(id=source.id).using_db(conn).get()
        dst = await Citizen.filter(id=target.id).using_db(conn).get()
        await Case.filter(citizen_id=src.id).using_db(conn).update(citizen_id=dst.id)
        for consent in await SubscriptionConsent.filter(citizen_id=src.id).using_db(conn):
            moved = await SubscriptionConsent.filter(
                citizen_id=dst.id, template_id=consent.template_id
            ).using_db(conn).update(remaining=F("remaining") + consent.remaining)
            if moved:
                await consent.delete(using_db=conn)
            else:
                consent.citizen_id = dst.id
                await consent.save(using_db=conn, update_fields=["citizen_id"])
        dst_shas = set(
            await Photo.filter(owner_kind="citizen", owner_id=str(dst.id))
            .using_db(conn).values_list("sha256", flat=True)
        )
        await Photo.filter(owner_kind="citizen", owner_id=str(src.id)).exclude(
            sha256__in=list(dst_shas) or [""]
        ).using_db(conn).update(owner_id=str(dst.id))
        await OutboxMessage.filter(
            recipient_kind="citizen", recipient_id=str(src.id), status=OutboxStatus.pending
        ).using_db(conn).update(recipient_id=str(dst.id))
        moving = {f: getattr(src, f) for f in HANDOVER if getattr(dst, f) is None}
        moving = {f: v for f, v in moving.items() if v is not None}
        if "phone_hash" in moving:
            moving["phone_enc"] = src.phone_enc
        if "id_number_hash" in moving:
            moving.update({f: getattr(src, f) for f in IDENTITY})
        if "openid_oa" in moving:
            moving.update(oa_follower=src.oa_follower, oa_followed_at=src.oa_followed_at)
        # free the unique columns on the source before the target takes them
        cleared = {f: None for f in moving if f not in ("oa_follower", "oa_followed_at")}
        await Citizen.filter(id=src.id).using_db(conn).update(
            **cleared, merged_into_id=dst.id
        )
        if moving or src.real_name_verified:
            moving["real_name_verified"] = dst.real_name_verified or src.real_name_verified
            await Citizen.filter(id=dst.id).using_db(conn).update(**moving)
        # the source's sessions end: its refresh tokens are spent
        await RefreshToken.filter(subject=f"citizen:{src.id}", used=False).using_db(
            conn
        ).update(used=True)
    log.info("merged citizen %s into %s (moved %s)", source.id, target.id, sorted(moving))
    return await Citizen.get(id=target.id)
