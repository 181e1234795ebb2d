"""``DELETE /me``: a citizen's identity erased, their cases kept on record without it.

One transaction, no network inside it:

- the citizen row (and any row merged into it) is deleted; a new tombstone row (``erased_at``
  set, no personal data, nobody's token names it) takes over what must keep a citizen: reward
  claims, the monthly reward counts and the real-name verification records. Because the old id
  is gone, an old token is refused everywhere: ``tokens.subject_active`` finds no row, and the
  intake hot path's insert fails its foreign key (answered 401 by ``app_api.errors``);
- cases stay (the government must keep them), detached from the citizen, with the contact
  phone (sealed and its lookup hash) and name cleared;
- reward claims not yet decided are withdrawn, each with an entry in its hash-chained audit;
  approved, paid, denied and expired claims keep their finance record, without the lookup hash
  of the phone;
- messages to the citizen or their phone lose the sealed address and parameters; pending ones
  are cancelled;
- photos attached to cases stay as evidence (already stripped of metadata) under an ``erased``
  owner; unattached ones are deleted (their files after the commit);
- knowledge-base prechecks (and chat questions) stay counted in the statistics under an
  ``erased`` owner: their token no longer answers anyone;
- sessions (refresh tokens), idempotency records, login codes, rate-limit rows keyed by the
  phone's hash, WeChat consents, chat drafts and handled-message keys of the openid go; after
  the commit, the Redis counters keyed by the phone's hash too.

Erasing an id that no longer exists does nothing: the operation is idempotent.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from hotline import ratelimit
from hotline import settings as settings_mod
from hotline.crypto import decrypt
from hotline.db import dialect_sql, flat_values, locking
from media import service as media_service
from models.case import Case
from models.citizen import Citizen, RealNameVerification, SmsCode
from models.knowledge import KbPrecheck
from models.media import Photo
from models.ops import IdempotencyRecord, RefreshToken
from models.outbox import OutboxMessage, OutboxStatus
from models.reward import ClaimStatus, RewardClaim, RewardMonthly
from models.wechat import ChatDraft, SeenMessage, SubscriptionConsent
from notify.outbox import seal_params
from rewards import audit
from rewards.eligibility import UNDECIDED

log = logging.getLogger("hotline.privacy")

ERASED_OWNER = "erased"  # Photo.owner_kind of evidence, KbPrecheck.owner, of an erased account
WITHDRAWN_REASON = "account_erased"


@dataclass
class Erasure:
    """What one erasure did (for the log; nothing personal)."""

    tombstone_id: int
    citizen_ids: list[int]
    cases: int = 0
    claims_withdrawn: list[int] = field(default_factory=list)
    messages: int = 0
    messages_cancelled: int = 0
    photos_deleted: int = 0


async def account_ids(citizen_id: int, conn: BaseDBAsyncClient | None = None) -> list[int]:
    """The citizen and every row merged into it (directly or through another merged row)."""
    ids = [citizen_id]
    frontier = [citizen_id]
    for _ in range(8):
        query = Citizen.filter(merged_into_id__in=frontier)
        if conn is not None:
            query = query.using_db(conn)
        frontier = [i for i in await flat_values(query, "id") if i not in ids]
        if not frontier:
            break
        ids += frontier
    return ids


async def message_ids(citizen_ids: list[int], phones: set[str]) -> list[int]:
    """Outbox rows addressed to these citizen rows, or to one of these phones.

    Rows to a bare phone (login codes, notices) carry the phone only sealed, so those without
    a case are opened one by one.
    """
    owners = [str(i) for i in citizen_ids]
    to_citizen = await flat_values(
        OutboxMessage.filter(recipient_kind="citizen", recipient_id__in=owners), "id"
    )
    to_phone: list[int] = []
    if phones:
        rows = await OutboxMessage.filter(
            recipient_kind="phone", address_enc__isnull=False
        ).values_list("id", "address_enc")
        for row_id, sealed in rows:
            try:
                if decrypt(sealed) in phones:
                    to_phone.append(row_id)
            except ValueError:
                continue
    return sorted(set(to_citizen) | set(to_phone))


async def erase(citizen_id: int, now: datetime | None = None) -> Erasure | None:
    """Erase the account ``citizen_id``; None when there is none (already erased)."""
    now = now or datetime.now(UTC)
    ids = await account_ids(citizen_id)
    rows = await Citizen.filter(id__in=ids)
    if not rows:
        return None
    phones = {p for p in (decrypt(r.phone_enc) for r in rows) if p}
    outbox_ids = await message_ids(ids, phones)  # read first: the scan stays out of the lock
    keys: list[str] = []
    async with in_transaction() as conn:
        # lock the rows; a concurrent erasure of the same account finds nothing afterwards
        rows = list(await locking(conn, Citizen, id__in=ids))
        if not rows:
            return None
        tomb = await Citizen.create(
            erased_at=now, notify_sms=False, notify_wechat=False, using_db=conn
        )
        done = Erasure(tombstone_id=tomb.id, citizen_ids=[r.id for r in rows])
        done.cases = await _detach_cases(conn, ids)
        done.claims_withdrawn = await _settle_claims(conn, ids, tomb.id, now)
        await _move_records(conn, ids, tomb.id)
        keys, done.photos_deleted = await _photos(conn, ids, tomb.id)
        done.messages, done.messages_cancelled = await _messages(conn, outbox_ids, tomb.id)
        await _sessions_and_traces(conn, rows)
        await Citizen.filter(id__in=ids).using_db(conn).delete()
    if keys:
        await media_service.forget_files(media_service.storage_for(settings_mod.current()), keys)
    for row in rows:  # Redis counters keyed by the phone's hash (rate_bucket rows went above)
        await ratelimit.forget_containing(row.phone_hash or "")
    log.info(
        "erased citizen %s (rows %s) into tombstone %s: %d cases, %d claims withdrawn, "
        "%d messages (%d cancelled), %d photos deleted",
        citizen_id, done.citizen_ids, done.tombstone_id, done.cases,
        len(done.claims_withdrawn), done.messages, done.messages_cancelled, done.photos_deleted,
    )
    return done


async def _detach_cases(conn: BaseDBAsyncClient, ids: list[int]) -> int:
    """Cases stay on record: no citizen, no contact phone (sealed or hashed), no contact name."""
    return await Case.filter(citizen_id__in=ids).using_db(conn).update(
        citizen_id=None, contact_phone_enc=None, contact_phone_hash=None, contact_name_enc=None
    )


async def _settle_claims(
    conn: BaseDBAsyncClient, ids: list[int], tomb_id: int, now: datetime
) -> list[int]:
    """Undecided claims are withdrawn (an audit entry each); every claim moves to the
    tombstone and loses the phone's lookup hash. Decided claims keep their finance record."""
    withdrawn: list[int] = []
    claim_ids = await flat_values(
        RewardClaim.filter(citizen_id__in=ids).using_db(conn).order_by("id"), "id"
    )
    for claim_id in claim_ids:
        claim = await audit.lock_claim(conn, id=claim_id)
        if claim is None:
            continue
        if claim.status in UNDECIDED:
            previous = str(claim.status)
            claim.status, claim.reason = ClaimStatus.withdrawn, WITHDRAWN_REASON
            claim.decided_at = now
            await audit.record(
                conn, claim, "withdraw", at=now, actor_role="citizen",
                data={"reason": WITHDRAWN_REASON, "previous": previous},
            )
            withdrawn.append(claim.id)
    await RewardClaim.filter(citizen_id__in=ids).using_db(conn).update(
        citizen_id=tomb_id, phone_hash=None
    )
    return withdrawn


async def _move_records(conn: BaseDBAsyncClient, ids: list[int], tomb_id: int) -> None:
    """Records that must keep a citizen: verifications, monthly reward counts."""
    await RealNameVerification.filter(citizen_id__in=ids).using_db(conn).update(
        citizen_id=tomb_id
    )
    for row in await RewardMonthly.filter(citizen_id__in=ids).using_db(conn).order_by("id"):
        kept = await RewardMonthly.filter(
            citizen_id=tomb_id, program_id=row.program_id, month=row.month
        ).using_db(conn).first()
        if kept is None:
            row.citizen_id = tomb_id
            await row.save(using_db=conn, update_fields=["citizen_id"])
        else:  # two merged rows counted in the same month: one row for the tombstone
            kept.count += row.count
            kept.amount_fen += row.amount_fen
            await kept.save(using_db=conn, update_fields=["count", "amount_fen"])
            await row.delete(using_db=conn)
    await SubscriptionConsent.filter(citizen_id__in=ids).using_db(conn).delete()


async def _photos(conn: BaseDBAsyncClient, ids: list[int], tomb_id: int) -> tuple[list[str], int]:
    """Evidence on cases stays, under an owner that names nobody; the rest is deleted.

    Returns the storage keys of the deleted photos (removed after the commit) and their count.
    """
    owners = [str(i) for i in ids]
    mine = Photo.filter(owner_kind="citizen", owner_id__in=owners).using_db(conn)
    loose = await mine.filter(case_id__isnull=True).order_by("id")
    keys = [k for p in loose for k in (p.display_key, p.thumb_key)]
    if loose:
        await Photo.filter(id__in=[p.id for p in loose]).using_db(conn).delete()
    seen: set[str] = set()
    for photo in await Photo.filter(
        owner_kind="citizen", owner_id__in=owners
    ).using_db(conn).order_by("id"):
        # (owner_kind, owner_id, sha256) is unique: a repeat among merged rows gets its own id
        owner = str(tomb_id) if photo.sha256 not in seen else f"{tomb_id}:{photo.id}"
        seen.add(photo.sha256)
        await Photo.filter(id=photo.id).using_db(conn).update(
            owner_kind=ERASED_OWNER, owner_id=owner
        )
    return keys, len(loose)


async def _messages(
    conn: BaseDBAsyncClient, outbox_ids: list[int], tomb_id: int
) -> tuple[int, int]:
    """Pending messages are cancelled; every message loses its sealed address and parameters."""
    if not outbox_ids:
        return 0, 0
    rows = OutboxMessage.filter(id__in=outbox_ids).using_db(conn)
    cancelled = await rows.filter(status=OutboxStatus.pending).update(
        status=OutboxStatus.cancelled, last_error="cancelled: the account was erased"
    )
    await OutboxMessage.filter(id__in=outbox_ids, recipient_kind="citizen").using_db(conn).update(
        recipient_id=str(tomb_id)
    )
    count = await OutboxMessage.filter(id__in=outbox_ids).using_db(conn).update(
        address_enc=None, params_enc=seal_params({})
    )
    return count, cancelled


async def _sessions_and_traces(conn: BaseDBAsyncClient, rows: list[Citizen]) -> None:
    """Sessions, replayable replies, login codes, and what is keyed by the phone or openid."""
    subjects = [f"citizen:{r.id}" for r in rows]
    await RefreshToken.filter(subject__in=subjects).using_db(conn).delete()
    # the statistics keep counting them; nothing links them to anyone any more
    await KbPrecheck.filter(owner__in=subjects).using_db(conn).update(owner=ERASED_OWNER)
    await IdempotencyRecord.filter(scope__in=subjects).using_db(conn).delete()
    phone_hashes = [r.phone_hash for r in rows if r.phone_hash]
    if phone_hashes:
        await SmsCode.filter(phone_hash__in=phone_hashes).using_db(conn).delete()
        for phone_hash in phone_hashes:  # sms-phone:<hash>, sms-phone-day:<hash>, ...
            await conn.execute_query(
                dialect_sql(conn, "DELETE FROM rate_bucket WHERE key LIKE ?"),
                [f"%{phone_hash}%"],
            )
    openids = [r.openid_oa for r in rows if r.openid_oa]
    if openids:
        await ChatDraft.filter(openid__in=openids).using_db(conn).delete()
        for openid in openids:
            await SeenMessage.filter(key__startswith=f"evt:{openid}:").using_db(conn).delete()
