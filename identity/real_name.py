"""Real-name identity: binding a verified name and ID number to a citizen's account.

Three ways in, one service:

* at a counter, an ``operator`` or ``reward_admin`` who has checked the ID card
  (:func:`at_counter`);
* at a kiosk, whose ID-card reader read the card, the phone proven by an SMS code
  (:func:`at_kiosk`);
* online, a citizen's name and number checked by an identity-verification provider
  (:func:`online`, ``identity.idv``; off unless configured).

Each binds in one transaction: the citizen is found (or created) by phone, the ID number is
sealed in ``id_number_enc`` with its keyed lookup hash in ``id_number_hash`` (unique: a number
belongs to one account), the name sealed in ``name_enc``, the flags and time set, and a
``RealNameVerification`` row records who verified, how and when. A binding by staff is also
an entry of the audit log (``citizen.real_name``), with neither the name nor the number.
"""

from __future__ import annotations

import logging
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from audit import log as audit_log
from hotline import ratelimit
from hotline import settings as settings_mod
from hotline.crypto import decrypt, encrypt, lookup_hash, mask_id_number, mask_name
from hotline.db import lock_first
from hotline.errors import Conflict, NotFound, Unavailable, ValidationProblem
from hotline.timefmt import iso
from identity import id_numbers, idv
from identity.citizens import verify_login_code
from identity.phones import normalize_mobile
from identity.principal import Principal
from models.citizen import Citizen, RealNameVerification

log = logging.getLogger("hotline.identity")

METHODS = ("counter", "kiosk", "online")
ID_PURPOSE = "id-number"  # the lookup-hash purpose of ID numbers
NAME_MAX = 50


@dataclass(frozen=True)
class Verifier:
    """Who verified and how: the staff member at a counter, the kiosk, or the provider."""

    method: str
    staff_id: int | None = None
    device_id: int | None = None
    provider_ref: str | None = None
    staff: Principal | None = None  # at a counter: audited as ``citizen.real_name``


def id_number_hash(id_number: str) -> str:
    return lookup_hash(id_number, ID_PURPOSE)


def normalize_name(raw: str) -> str:
    """The name as on the card: NFKC, inner spaces removed, no digits."""
    name = "".join(unicodedata.normalize("NFKC", raw or "").split())
    if not name or len(name) > NAME_MAX or any(ch.isdigit() for ch in name):
        raise ValidationProblem("姓名格式不正确", code="invalid_name")
    return name


def in_use() -> Conflict:
    return Conflict("该身份证号码已绑定其他账号", code="id_number_in_use")


def summary(citizen: Citizen) -> dict[str, Any]:
    """The verified identity as anyone but a reward administrator may see it: masked."""
    verified_at = citizen.real_name_verified_at
    return {
        "citizen_id": citizen.id,
        "real_name_verified": citizen.real_name_verified,
        "real_name_method": citizen.real_name_method,
        "real_name_verified_at": iso(verified_at),
        "name_masked": mask_name(decrypt(citizen.name_enc)),
        "id_number_masked": mask_id_number(decrypt(citizen.id_number_enc)),
    }


async def taken(conn: BaseDBAsyncClient | None, digest: str, citizen_id: int) -> bool:
    """Whether another account holds the number (the unique index is the last word)."""
    query = Citizen.filter(id_number_hash=digest).exclude(id=citizen_id)
    return await (query.using_db(conn) if conn else query).exists()


async def refuse_rebinding(
    conn: BaseDBAsyncClient | None, citizen: Citizen, digest: str
) -> None:
    """A number bound to another account (409 ``id_number_in_use``), or another number on
    this one (409 ``real_name_bound``), is refused."""
    if await taken(conn, digest, citizen.id):
        raise in_use()
    if citizen.id_number_hash and citizen.id_number_hash != digest:
        raise Conflict("该账号已绑定其他身份证号码", code="real_name_bound")


async def _citizen_for_phone(conn: BaseDBAsyncClient, phone: str) -> Citizen:
    phone_hash = lookup_hash(phone)
    citizen = await lock_first(conn, Citizen, phone_hash=phone_hash)
    if citizen is None:
        citizen = await Citizen.create(
            phone_hash=phone_hash, phone_enc=encrypt(phone), using_db=conn
        )
    return citizen


async def _bind(
    conn: BaseDBAsyncClient, citizen: Citizen, name: str, id_number: str, who: Verifier
) -> Citizen:
    digest = id_number_hash(id_number)
    await refuse_rebinding(conn, citizen, digest)
    now, was_verified = datetime.now(UTC), citizen.real_name_verified
    citizen.id_number_enc = encrypt(id_number)
    citizen.id_number_hash = digest
    citizen.name_enc = encrypt(name)
    citizen.real_name_verified = True
    citizen.real_name_method = who.method
    citizen.real_name_verified_at = now
    await citizen.save(
        using_db=conn,
        update_fields=[
            "id_number_enc", "id_number_hash", "name_enc", "real_name_verified",
            "real_name_method", "real_name_verified_at",
        ],
    )
    await RealNameVerification.create(
        citizen_id=citizen.id,
        method=who.method,
        staff_id=who.staff_id,
        device_id=who.device_id,
        provider_ref=who.provider_ref,
        at=now,
        using_db=conn,
    )
    if who.staff is not None:
        await audit_log.record(
            conn, who.staff, "citizen.real_name", f"citizen:{citizen.id}",
            scope_path=who.staff.unit_path or audit_log.NO_UNIT,
            before={"real_name_verified": was_verified},
            after={"real_name_verified": True, "real_name_method": who.method},
        )
    return citizen


async def bind_by_phone(phone: str, name: str, id_number: str, who: Verifier) -> Citizen:
    """Find or create the citizen of ``phone`` and bind the identity, in one transaction.

    A race on either unique column (two sign-ups of one phone, or one ID number bound to two
    accounts at once) is retried once; the second pass sees the winner's committed row."""
    for attempt in (1, 2):
        try:
            async with in_transaction() as conn:
                citizen = await _citizen_for_phone(conn, phone)
                return await _bind(conn, citizen, name, id_number, who)
        except IntegrityError:
            if attempt == 2:
                raise in_use() from None
    raise AssertionError("unreachable")


async def bind_to(citizen_id: int, name: str, id_number: str, who: Verifier) -> Citizen:
    """Bind the identity to an existing citizen (online verification)."""
    try:
        async with in_transaction() as conn:
            citizen = await lock_first(conn, Citizen, id=citizen_id)
            if citizen is None or citizen.merged_into_id or citizen.erased_at:
                raise NotFound("账号不存在")
            return await _bind(conn, citizen, name, id_number, who)
    except IntegrityError:
        raise in_use() from None


async def at_counter(staff: Principal, phone: str, name: str, id_number: str) -> Citizen:
    checked = id_numbers.normalize(id_number)
    return await bind_by_phone(
        normalize_mobile(phone),
        normalize_name(name),
        checked,
        Verifier("counter", staff_id=staff.id, staff=staff),
    )


async def at_kiosk(
    device: Principal, phone: str, sms_code: str, name: str, id_number: str
) -> Citizen:
    # the card's data first: a misread card must not spend the citizen's code
    checked, clean_name = id_numbers.normalize(id_number), normalize_name(name)
    proven = await verify_login_code(phone, sms_code)
    return await bind_by_phone(proven, clean_name, checked, Verifier("kiosk", device_id=device.id))


async def at_kiosk_proven(device: Principal, proven_phone: str, name: str,
                          id_number: str) -> Citizen:
    """The kiosk's pages: the phone already proven by its SMS code on this kiosk (a phone
    proof, ``identity.phone_proofs``), the card just read by the kiosk's reader."""
    checked, clean_name = id_numbers.normalize(id_number), normalize_name(name)
    return await bind_by_phone(proven_phone, clean_name, checked,
                               Verifier("kiosk", device_id=device.id))


async def online(who: Principal, name: str, id_number: str) -> Citizen:
    """Ask the provider (outside any transaction, with a timeout), then bind on a match."""
    provider = idv.provider()
    if provider is None:
        raise NotFound(
            "暂未开通在线实名认证，请携带身份证到服务大厅或自助终端办理", code="idv_disabled"
        )
    checked, clean_name = id_numbers.normalize(id_number), normalize_name(name)
    citizen = await Citizen.get_or_none(id=who.id)
    if citizen is None:
        raise NotFound("账号不存在")
    digest = id_number_hash(checked)
    if citizen.id_number_hash == digest and citizen.real_name_verified:
        return citizen  # already verified with this number: no paid provider call
    await refuse_rebinding(None, citizen, digest)  # before a paid provider call
    s = settings_mod.current()
    await ratelimit.hit(f"idv-citizen:{citizen.id}", s.idv_per_citizen_daily, 86400)
    try:
        answer = await provider.check(clean_name, checked, decrypt(citizen.phone_enc))
    except idv.ProviderError as exc:
        log.warning("identity provider failed: %s", exc)
        raise Unavailable("实名认证服务暂不可用，请稍后再试", code="idv_unavailable") from None
    if answer.result != "match":
        raise ValidationProblem(
            "姓名与身份证号码核验不一致", code="identity_mismatch",
            extra={"provider_ref": answer.provider_ref},
        )
    return await bind_to(
        citizen.id, clean_name, checked, Verifier("online", provider_ref=answer.provider_ref)
    )
