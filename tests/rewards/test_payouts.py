"""Payouts: WeChat Pay transfers paid exactly once through timeouts, manual payouts at a hall."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from wechatpy.pay import WeChatPay

from hotline import settings as settings_mod
from models.citizen import Citizen
from models.reward import RewardAudit, RewardClaim, RewardMonthly, RewardPayout, RewardProgram
from rewards import jobs, payouts
from rewards.audit import verify_chain
from rewards.provider import Outcome, TransferRequest
from rewards.wechat_pay import WeChatPayProvider
from tests.conftest import bearer, login_staff
from tests.fakes.wechat_pay import FakeWeChatPay
from tests.rewards.support import (  # noqa: F401 (fixtures prog, staffs)
    Staffs,
    claim_of,
    handle,
    prog_fixture,
    program,
    reporter,
    sms_params,
    staffs_fixture,
    submit,
)

ADMIN = "/api/v1/admin/rewards"
APPID, MCH_ID, API_KEY = "wx-mini-pay", "1900000109", "k" * 32


@pytest.fixture
def fake_pay(monkeypatch):
    fake = FakeWeChatPay(appid=APPID, mch_id=MCH_ID, api_key=API_KEY).start()
    configured = settings_mod.current().model_copy(
        update={
            "wechat_pay_appid": APPID,
            "wechat_pay_mch_id": MCH_ID,
            "wechat_pay_api_key": API_KEY,
            "wechat_pay_api_base": fake.base_url,
            "wechat_pay_timeout_s": 0.5,
        }
    )
    monkeypatch.setattr(settings_mod, "_current", configured)
    yield fake
    fake.stop()


def later(minutes: int = 10) -> datetime:
    return datetime.now(UTC) + timedelta(minutes=minutes)


async def approved(client, staffs, phone: str, amount: int = 200, openid: str | None = None):
    token = await reporter(client, phone)
    no = await submit(client, token)
    claim = await claim_of(no)
    if openid:
        await Citizen.filter(id=claim.citizen_id).update(openid_mini=openid)  # type: ignore[attr-defined]
    await handle(client, staffs, no)
    r = await client.post(
        f"{ADMIN}/claims/{claim.id}/approve",
        json={"amount": amount},
        headers=bearer(await staffs("reward_admin")),
    )
    assert r.status_code == 200, r.text
    return await RewardClaim.get(id=claim.id)


async def test_a_timed_out_transfer_is_queried_and_paid_exactly_once(
    client, prog, staffs, fake_pay
):
    claim = await approved(client, staffs, "13500000001", openid="o-citizen-1")
    [payout] = await RewardPayout.filter(claim_id=claim.id)
    assert payout.provider == "wechat" and payout.status == "pending"
    assert await sms_params("13500000001", "reward_approved")
    trade_no = payouts.payout_trade_no(payout)

    fake_pay.timeout_next("transfers", 3.0)  # pays, but answers after the client gave up
    assert await jobs.run_once() == 1
    payout = await RewardPayout.get(id=payout.id)
    assert payout.status == "unknown" and payout.attempts == 1
    assert fake_pay.moves == [trade_no]  # the money did move
    assert await jobs.run_once() == 0  # not due again before its backoff

    assert await jobs.run_once(now=later()) == 1
    payout = await RewardPayout.get(id=payout.id)
    assert payout.status == "paid"
    assert payout.provider_ref == fake_pay.transfers[trade_no].payment_no
    assert fake_pay.moves == [trade_no]  # queried first: not paid twice
    assert len(fake_pay.calls_to("transfers")) == 1
    assert len(fake_pay.calls_to("gettransferinfo")) == 1
    assert all(c.signature_ok for c in fake_pay.calls)
    sent = fake_pay.calls_to("transfers")[0].params
    assert sent["partner_trade_no"] == trade_no and sent["amount"] == "20000"
    assert sent["openid"] == "o-citizen-1" and sent["check_name"] == "FORCE_CHECK"
    assert sent["re_user_name"] == "王小明"

    claim = await RewardClaim.get(id=claim.id)
    assert claim.status == "paid"
    assert (await RewardProgram.get(id=prog.id)).paid_fen == 20_000
    assert await sms_params("13500000001", "reward_paid")
    events = await RewardAudit.filter(claim_id=claim.id).order_by("seq")
    assert [e.action for e in events][-3:] == ["payout_created", "payout_attempt", "paid"]
    assert verify_chain(claim, events)
    assert await jobs.run_once(now=later(120)) == 0


async def test_a_transfer_lost_before_paying_is_sent_again_with_the_same_number(
    client, prog, staffs, fake_pay
):
    claim = await approved(client, staffs, "13500000002", openid="o-citizen-2")
    fake_pay.timeout_next("transfers", 3.0, process=False)
    await jobs.run_once()
    assert fake_pay.moves == []
    await jobs.run_once(now=later())
    [payout] = await RewardPayout.filter(claim_id=claim.id)
    assert payout.status == "paid" and payout.attempts == 2
    transfers = fake_pay.calls_to("transfers")
    assert len(transfers) == 2 and len(fake_pay.moves) == 1
    assert {c.params["partner_trade_no"] for c in transfers} == {payouts.payout_trade_no(payout)}


async def test_a_refused_transfer_falls_back_to_a_manual_payout(client, prog, staffs, fake_pay):
    claim = await approved(client, staffs, "13500000003", openid="o-citizen-3")
    fake_pay.fail_next("transfers", "V2_ACCOUNT_SIMPLE_BAN")
    await jobs.run_once()
    wechat, manual = await RewardPayout.filter(claim_id=claim.id).order_by("id")
    assert wechat.status == "failed" and "V2_ACCOUNT_SIMPLE_BAN" in (wechat.last_error or "")
    assert manual.provider == "manual" and manual.status == "awaiting_pickup"
    assert (await RewardClaim.get(id=claim.id)).status == "approved"
    assert (await RewardProgram.get(id=prog.id)).committed_fen == 20_000  # still held
    [sms] = await sms_params("13500000003", "reward_pickup")
    assert sms["amount"] == "200.00"


async def test_a_busy_merchant_account_is_retried(client, prog, staffs, fake_pay):
    claim = await approved(client, staffs, "13500000004", openid="o-citizen-4")
    fake_pay.fail_next("transfers", "NOTENOUGH")
    await jobs.run_once()
    [payout] = await RewardPayout.filter(claim_id=claim.id)
    assert payout.status == "pending" and "NOTENOUGH" in (payout.last_error or "")
    await jobs.run_once(now=later())
    assert (await RewardPayout.get(id=payout.id)).status == "paid"
    assert len(fake_pay.moves) == 1


async def test_the_fake_checks_signatures(fake_pay):
    wrong = WeChatPayProvider(
        settings_mod.current().model_copy(update={"wechat_pay_api_key": "x" * 32})
    )
    request = TransferRequest("HL000000000099", "o-x", 100, "test", None)
    result = wrong.transfer(request)
    assert result.outcome == Outcome.unknown and fake_pay.moves == []
    assert fake_pay.calls[-1].signature_ok is False
    right = WeChatPayProvider(settings_mod.current())
    assert right.transfer(request).outcome == Outcome.paid
    assert right.query("HL000000000099").outcome == Outcome.paid
    assert right.query("HL000000000098").outcome == Outcome.not_found
    # HMAC-SHA256 signatures are verified too
    pay = WeChatPay(appid=APPID, api_key=API_KEY, mch_id=MCH_ID, timeout=2)
    pay.API_BASE_URL = fake_pay.base_url
    data = pay.post(
        "mmpaymkttransfers/gettransferinfo",
        data={"appid": APPID, "partner_trade_no": "HL000000000099", "sign_type": "HMAC-SHA256"},
    )
    assert data["status"] == "SUCCESS" and fake_pay.calls[-1].signature_ok


async def test_manual_payout_is_redeemed_once_at_a_hall(client, prog, staffs):
    claim = await approved(client, staffs, "13500000005")
    [sms] = await sms_params("13500000005", "reward_pickup")
    admin = bearer(await staffs("reward_admin"))
    r = await client.post(f"{ADMIN}/payouts/redeem", json={"code": "0000000000"}, headers=admin)
    assert r.status_code == 404
    r = await client.post(f"{ADMIN}/payouts/redeem", json={"code": sms["code"]}, headers=admin)
    assert r.status_code == 200, r.text
    assert r.json()["amount"] == "200.00" and r.json()["payee_name"] == "王小明"
    r = await client.post(f"{ADMIN}/payouts/redeem", json={"code": sms["code"]}, headers=admin)
    assert r.status_code == 404
    assert (await RewardClaim.get(id=claim.id)).status == "paid"
    assert await sms_params("13500000005", "reward_paid")
    listing = await client.get(f"{ADMIN}/payouts?status=paid", headers=admin)
    assert [p["claim_id"] for p in listing.json()["items"]] == [claim.id]
    handler = bearer(await login_staff(client, "handler"))
    r = await client.post(f"{ADMIN}/payouts/redeem", json={"code": sms["code"]}, headers=handler)
    assert r.status_code == 403


async def test_uncollected_manual_payouts_expire_and_release_the_budget(client, prog, staffs):
    claim = await approved(client, staffs, "13500000006", amount=150)
    [sms] = await sms_params("13500000006", "reward_pickup")
    [payout] = await RewardPayout.filter(claim_id=claim.id)
    assert (await RewardProgram.get(id=prog.id)).committed_fen == 15_000
    assert payout.expires_at is not None
    assert payout.expires_at - datetime.now(UTC) > timedelta(days=59)  # the claim deadline
    after = payout.expires_at + timedelta(seconds=1)
    admin = bearer(await staffs("reward_admin"))
    assert await payouts.expire(now=payout.expires_at - timedelta(seconds=1)) == 0

    await RewardPayout.filter(id=payout.id).update(expires_at=datetime.now(UTC) - timedelta(1))
    r = await client.post(f"{ADMIN}/payouts/redeem", json={"code": sms["code"]}, headers=admin)
    assert r.status_code == 409 and r.json()["code"] == "claim_code_expired"
    assert await payouts.expire(now=after) == 1
    assert (await RewardPayout.get(id=payout.id)).status == "expired"
    assert (await RewardProgram.get(id=prog.id)).committed_fen == 0
    row = await RewardMonthly.get(citizen_id=claim.citizen_id)  # type: ignore[attr-defined]
    assert (row.count, row.amount_fen) == (0, 0)
    claim = await RewardClaim.get(id=claim.id)
    assert claim.status == "expired"
    r = await client.post(f"{ADMIN}/payouts/redeem", json={"code": sms["code"]}, headers=admin)
    assert r.status_code == 404


async def test_a_worker_that_died_mid_call_is_taken_over_with_a_query(
    client, prog, staffs, fake_pay
):
    claim = await approved(client, staffs, "13500000007", openid="o-citizen-7")
    [row] = await jobs._claim_due(datetime.now(UTC), 10)  # claimed, then the worker died
    assert (await RewardPayout.get(id=row.id)).status == "sending"
    assert await jobs.run_once() == 0  # its lease still runs
    assert await jobs.run_once(now=later(30)) == 1
    payout = await RewardPayout.get(id=row.id)
    assert payout.status == "paid" and payout.attempts == 2
    assert len(fake_pay.calls_to("gettransferinfo")) == 1  # asked before paying
    assert len(fake_pay.moves) == 1
    assert (await RewardClaim.get(id=claim.id)).status == "paid"
