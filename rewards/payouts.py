"""Payout rows: created with the approval, finished by the worker, a hall, or expiry.

A WeChat payout is created ``pending`` and sent by the worker (``rewards.jobs``) after the
approval has committed. A manual payout is created ``awaiting_pickup`` with a claim code: its
keyed hash for the hall's lookup, and the code itself sealed (``code_enc``) so that its citizen
can see it on "my rewards" while it waits; both are dropped once it is paid or expires. A
reward administrator at a service hall redeems it. Manual payouts not collected by the claim
deadline expire and release the budget.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from hotline import ratelimit
from hotline import settings as settings_mod
from hotline.crypto import decrypt, encrypt
from hotline.errors import Conflict, NotFound
from hotline.timefmt import SHANGHAI
from identity.principal import Principal
from models.citizen import Citizen
from models.reward import ClaimStatus, PayoutStatus, RewardClaim, RewardPayout, RewardProgram
from rewards import audit, budget
from rewards.manual import ManualProvider
from rewards.notices import tell_reporter
from rewards.programs import yuan
from rewards.provider import trade_no

WECHAT_PAY_DAYS = 3  # told to the citizen: paid within this many working days


def openid_for(citizen: Citizen) -> str | None:
    """The citizen's openid under the app that pays (the mini-program unless configured)."""
    s = settings_mod.current()
    if s.wechat_pay_appid and s.wechat_pay_appid == s.wechat_oa_appid:
        return citizen.openid_oa
    return citizen.openid_mini


def payout_trade_no(payout: RewardPayout) -> str:
    return trade_no(settings_mod.current().wechat_pay_trade_prefix, payout.id)


async def create(
    conn: BaseDBAsyncClient, claim: RewardClaim, now: datetime, *, force_manual: bool = False
) -> RewardPayout:
    """The payout of an approved claim: by WeChat Pay when possible, else at a service hall."""
    citizen = await Citizen.get(id=claim.citizen_id, using_db=conn)
    wechat = (
        not force_manual
        and settings_mod.current().wechat_pay_configured
        and openid_for(citizen) is not None
    )
    amount = claim.amount_fen or 0
    if wechat:
        payout = await RewardPayout.create(
            claim_id=claim.id,
            provider="wechat",
            amount_fen=amount,
            status=PayoutStatus.pending,
            next_attempt_at=now,
            created_at=now,
            using_db=conn,
        )
        await audit.record(
            conn,
            claim,
            "payout_created",
            at=now,
            payout_id=payout.id,
            data={"provider": "wechat", "amount_fen": amount, "trade_no": payout_trade_no(payout)},
        )
        await tell_reporter(
            conn, claim, "reward_approved", {"amount": yuan(amount), "pay_days": WECHAT_PAY_DAYS}
        )
        return payout
    code = ManualProvider.new_code()
    expires = max(claim.deadline_at or now, now + timedelta(days=7))
    payout = await RewardPayout.create(
        claim_id=claim.id,
        provider="manual",
        amount_fen=amount,
        status=PayoutStatus.awaiting_pickup,
        code_hash=ManualProvider.code_hash(code),
        code_enc=encrypt(code),
        expires_at=expires,
        created_at=now,
        using_db=conn,
    )
    await audit.record(
        conn,
        claim,
        "payout_created",
        at=now,
        payout_id=payout.id,
        data={"provider": "manual", "amount_fen": amount, "expires_at": expires},
    )
    deadline = expires.astimezone(SHANGHAI).strftime("%Y年%m月%d日")
    await tell_reporter(
        conn, claim, "reward_pickup", {"amount": yuan(amount), "code": code, "deadline": deadline}
    )
    return payout


async def settle(
    conn: BaseDBAsyncClient,
    claim: RewardClaim,
    payout: RewardPayout,
    now: datetime,
    *,
    provider_ref: str | None,
    actor_role: str = "system",
    actor_id: str | None = None,
) -> None:
    """Record a payout as paid (the claim locked by the caller)."""
    payout.status, payout.paid_at = PayoutStatus.paid, now
    payout.provider_ref, payout.code_hash, payout.claimed_until = provider_ref, None, None
    payout.code_enc = None
    await payout.save(using_db=conn)
    claim.status = ClaimStatus.paid
    await budget.mark_paid(conn, claim.program_id, payout.amount_fen)
    await audit.record(
        conn,
        claim,
        "paid",
        at=now,
        actor_role=actor_role,
        actor_id=actor_id,
        payout_id=payout.id,
        data={"provider": payout.provider, "amount_fen": payout.amount_fen, "ref": provider_ref},
    )
    await tell_reporter(conn, claim, "reward_paid", {"amount": yuan(payout.amount_fen)})


async def redeem(who: Principal, code: str, now: datetime | None = None) -> dict[str, Any]:
    """A hall pays out a manual reward against its claim code (after checking the ID card)."""
    await ratelimit.hit(f"reward-redeem:{who.id}", 30, 60)
    now = now or datetime.now(UTC)
    code_hash = ManualProvider.code_hash(code or "")
    found = await RewardPayout.get_or_none(code_hash=code_hash, provider="manual")
    if found is None:
        raise NotFound("领取码无效或已使用", code="invalid_claim_code")
    async with in_transaction() as conn:
        claim = await audit.lock_claim(conn, id=found.claim_id)
        payout = await RewardPayout.get(id=found.id, using_db=conn)
        if claim is None or payout.status != PayoutStatus.awaiting_pickup:
            raise NotFound("领取码无效或已使用", code="invalid_claim_code")
        if payout.expires_at is not None and payout.expires_at < now:
            raise Conflict("领取码已过期", code="claim_code_expired")
        await settle(
            conn,
            claim,
            payout,
            now,
            provider_ref=f"hall-staff:{who.id}",
            actor_role="reward_admin",
            actor_id=str(who.id),
        )
        await audit.log(
            conn, who, claim, "redeem",
            before={"status": str(ClaimStatus.approved), "payout_status": "awaiting_pickup"},
            after={"status": str(claim.status), "payout_status": str(payout.status),
                   "payout_id": payout.id, "amount": yuan(payout.amount_fen)},
        )
    citizen = await Citizen.get(id=claim.citizen_id)
    return {
        "payout_id": payout.id,
        "claim_id": claim.id,
        "amount": yuan(payout.amount_fen),
        "status": str(payout.status),
        # the hall checks the payee's ID card against this name
        "payee_name": decrypt(citizen.name_enc),
    }


async def expire(now: datetime | None = None, limit: int = 500) -> int:
    """Expire manual payouts not collected in time, releasing budget and monthly counts."""
    now = now or datetime.now(UTC)
    due = await (
        RewardPayout.filter(status=PayoutStatus.awaiting_pickup, expires_at__lt=now)
        .order_by("id")
        .limit(limit)
        .values_list("id", "claim_id")
    )
    expired = 0
    for payout_id, claim_id in due:
        async with in_transaction() as conn:
            claim = await audit.lock_claim(conn, id=claim_id)
            payout = await RewardPayout.get(id=payout_id, using_db=conn)
            if claim is None or payout.status != PayoutStatus.awaiting_pickup:
                continue
            payout.status, payout.code_hash, payout.code_enc = PayoutStatus.expired, None, None
            await payout.save(using_db=conn)
            program = await RewardProgram.get(id=claim.program_id, using_db=conn)
            await budget.release(conn, program.id, payout.amount_fen)
            await budget.uncount_monthly(conn, program.id, claim, payout.amount_fen)
            claim.status = ClaimStatus.expired
            claim.reason = "奖励逾期未领取"
            await audit.record(
                conn,
                claim,
                "expired",
                at=now,
                payout_id=payout.id,
                data={"amount_fen": payout.amount_fen, "released": True},
            )
            expired += 1
    return expired
