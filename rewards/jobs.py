"""Periodic reward jobs: send WeChat payouts (exactly once), expire uncollected manual ones.

A pass claims due payouts in a short transaction (``FOR UPDATE SKIP LOCKED`` on PostgreSQL:
``sending``, a lease, one more attempt), then calls the provider in a thread outside any
transaction, then records the outcome in a second transaction. The trade number is derived
from the payout row, so WeChat deduplicates it; and any attempt after the first *queries*
before it transfers: a transfer whose answer was lost (timeout, crash, lease expired) is
found paid and never paid twice.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from tortoise.expressions import F, Q
from tortoise.transactions import in_transaction

from hotline import settings as settings_mod
from hotline.crypto import decrypt
from models.case import Case
from models.citizen import Citizen
from models.reward import PayoutStatus, RewardClaim, RewardPayout
from rewards import audit, payouts
from rewards.provider import Outcome, TransferProvider, TransferRequest, TransferResult

log = logging.getLogger("hotline.rewards")

MAX_BACKOFF = timedelta(hours=1)


@dataclass(frozen=True)
class Job:
    payout_id: int
    claim_id: int
    attempt: int  # this attempt's number (1 = first)
    trade_no: str
    request: TransferRequest | None  # None: the citizen has no openid (any more)


def backoff(attempt: int) -> timedelta:
    return min(timedelta(seconds=30 * 2 ** max(0, attempt - 1)), MAX_BACKOFF)


def default_provider() -> TransferProvider | None:
    s = settings_mod.current()
    if not s.wechat_pay_configured:
        return None
    from rewards.wechat_pay import WeChatPayProvider

    return WeChatPayProvider(s)


async def _claim_due(now: datetime, limit: int) -> list[RewardPayout]:
    s = settings_mod.current()
    lease = timedelta(seconds=3 * s.wechat_pay_timeout_s + 60)
    async with in_transaction() as conn:
        query = (
            RewardPayout.filter(provider="wechat")
            .filter(
                Q(status__in=[PayoutStatus.pending, PayoutStatus.unknown], next_attempt_at__lte=now)
                | Q(status=PayoutStatus.sending, claimed_until__lt=now)
            )
            .order_by("id")
            .limit(limit)
        )
        if conn.capabilities.dialect != "sqlite":
            query = query.select_for_update(skip_locked=True)
        rows = await query.using_db(conn)
        if rows:
            await RewardPayout.filter(id__in=[r.id for r in rows]).using_db(conn).update(
                status=PayoutStatus.sending, claimed_until=now + lease, attempts=F("attempts") + 1
            )
    return rows


async def _job(row: RewardPayout) -> Job:
    claim = await RewardClaim.get(id=row.claim_id)
    citizen = await Citizen.get(id=claim.citizen_id)
    case = await Case.get(id=claim.case_id).only("id", "tracking_no")
    openid = payouts.openid_for(citizen)
    trade_no = payouts.payout_trade_no(row)
    request = None
    if openid:
        request = TransferRequest(
            trade_no=trade_no,
            openid=openid,
            amount_fen=row.amount_fen,
            desc=f"12345有奖举报奖励（{case.tracking_no}）",
            real_name=decrypt(citizen.name_enc),
        )
    return Job(row.id, claim.id, row.attempts + 1, trade_no, request)


def send(provider: TransferProvider, job: Job) -> tuple[TransferResult, bool]:
    """Query first on every retry; transfer only when the provider has no such transfer."""
    queried = job.attempt > 1
    if queried:
        found = provider.query(job.trade_no)
        if found.outcome != Outcome.not_found:
            return found, True
    if job.request is None:
        return TransferResult(Outcome.failed, error="no openid for the paying app"), queried
    return provider.transfer(job.request), queried


async def record(job: Job, result: TransferResult, queried: bool, now: datetime) -> None:
    async with in_transaction() as conn:
        claim = await audit.lock_claim(conn, id=job.claim_id)
        payout = await RewardPayout.get(id=job.payout_id, using_db=conn)
        if (
            claim is None
            or payout.status != PayoutStatus.sending
            or payout.attempts != job.attempt
        ):
            return  # recorded, or taken over after our lease ran out, by another worker
        data = {
            "attempt": job.attempt,
            "queried": queried,
            "outcome": str(result.outcome),
            "error": result.error,
        }
        if result.outcome == Outcome.paid:
            await payouts.settle(conn, claim, payout, now, provider_ref=result.provider_ref)
            return
        if result.outcome == Outcome.failed:
            payout.status, payout.last_error = PayoutStatus.failed, result.error
            payout.claimed_until = None
            await payout.save(using_db=conn)
            await audit.record(
                conn, claim, "payout_failed", at=now, payout_id=payout.id, data=data
            )
            await payouts.create(conn, claim, now, force_manual=True)  # collect it at a hall
            return
        retry_now = result.outcome == Outcome.retry
        payout.status = PayoutStatus.pending if retry_now else PayoutStatus.unknown
        payout.next_attempt_at = now + backoff(job.attempt)
        payout.last_error, payout.claimed_until = result.error, None
        await payout.save(using_db=conn)
        await audit.record(conn, claim, "payout_attempt", at=now, payout_id=payout.id, data=data)
        if job.attempt >= settings_mod.current().reward_payout_max_attempts:
            log.error("payout %s still not settled after %s attempts", payout.id, job.attempt)


async def run_once(
    provider: TransferProvider | None = None, *, now: datetime | None = None, limit: int = 20
) -> int:
    """One pass of the payout worker; the number of payouts attempted."""
    provider = provider or default_provider()
    if provider is None:
        return 0
    rows = await _claim_due(now or datetime.now(UTC), limit)
    for row in rows:
        job = await _job(row)
        try:
            result, queried = await asyncio.to_thread(send, provider, job)
        except Exception as exc:  # a bug or an SDK surprise: outcome unknown, query next time
            log.exception("payout %s: provider call failed", row.id)
            result, queried = TransferResult(Outcome.unknown, error=repr(exc)), job.attempt > 1
        await record(job, result, queried, now or datetime.now(UTC))
    return len(rows)


async def run_forever(poll_s: float = 5.0) -> None:
    while True:
        try:
            await run_once()
            await payouts.expire()
        except Exception:  # keep the loop alive; claimed rows come back when their lease ends
            log.exception("reward jobs pass failed")
        await asyncio.sleep(poll_s)
