"""Decisions: amounts within the rules, four eyes, budget under concurrency, monthly limits."""

from __future__ import annotations

import asyncio
import csv
import io
from datetime import UTC, datetime

import pytest

from models.reward import RewardAudit, RewardClaim, RewardMonthly, RewardPayout, RewardProgram
from rewards.audit import verify_chain
from tests.conftest import bearer, login_staff
from tests.rewards.support import (  # noqa: F401 (fixtures prog, staffs)
    Staffs,
    bulk_claims,
    claim_of,
    handle,
    prog_fixture,
    program,
    reporter,
    second_reward_admin,
    sms_params,
    staffs_fixture,
    submit,
)

ADMIN = "/api/v1/admin/rewards"


@pytest.fixture
async def admins(client):
    await second_reward_admin()
    return await login_staff(client, "reward_admin"), await login_staff(client, "reward_admin2")


async def approve(client, token, claim_id, amount, status=200):
    r = await client.post(
        f"{ADMIN}/claims/{claim_id}/approve", json={"amount": amount}, headers=bearer(token)
    )
    assert r.status_code == status, r.text
    return r.json()


async def eligible(client, staffs, phone, **facts) -> RewardClaim:
    no = await submit(client, await reporter(client, phone))
    await handle(client, staffs, no, **facts)
    claim = await claim_of(no)
    assert claim.status == "eligible"
    return claim


async def test_approve_within_the_rules_and_the_citizen_is_told(client, prog, staffs, admins):
    claim = await eligible(client, staffs, "13600000001", severity="moderate")
    r = await approve(client, admins[0], claim.id, 300.01, status=422)
    assert r["code"] == "amount_out_of_range" and r["max_amount"] == "300.00"
    await approve(client, admins[0], claim.id, 0, status=422)
    await approve(client, admins[0], claim.id, "12.345", status=422)
    body = await approve(client, admins[0], claim.id, "250.50")
    assert body["status"] == "approved" and body["amount"] == "250.50"
    assert (await RewardProgram.get(id=prog.id)).committed_fen == 25_050
    [payout] = await RewardPayout.filter(claim_id=claim.id)
    assert payout.provider == "manual" and payout.status == "awaiting_pickup"
    [sms] = await sms_params("13600000001", "reward_pickup")
    assert sms["amount"] == "250.50" and len(sms["code"]) == 10
    assert payout.code_hash and sms["code"] not in payout.code_hash  # only a hash is stored
    # decided once: a second decision is refused
    r = await approve(client, admins[1], claim.id, 100, status=409)
    assert r["code"] == "invalid_claim_state"


async def test_deny_with_a_reason(client, prog, staffs, admins):
    claim = await eligible(client, staffs, "13600000002")
    r = await client.post(f"{ADMIN}/claims/{claim.id}/deny", json={}, headers=bearer(admins[0]))
    assert r.status_code == 422
    r = await client.post(
        f"{ADMIN}/claims/{claim.id}/deny",
        json={"reason": "照片系网络下载，非本人拍摄"},
        headers=bearer(admins[0]),
    )
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "denied"
    [sms] = await sms_params("13600000002", "reward_denied")
    assert sms["reason"] == "照片系网络下载，非本人拍摄"


async def test_four_eyes_above_the_threshold(client, prog, staffs, admins):
    claim = await eligible(client, staffs, "13600000003", severity="critical")
    first = await approve(client, admins[0], claim.id, 1500)
    assert first["status"] == "second_approval" and first["amount"] == "1500.00"
    assert (await RewardProgram.get(id=prog.id)).committed_fen == 0  # nothing committed yet
    r = await approve(client, admins[0], claim.id, 1500, status=403)
    assert r["code"] == "four_eyes"
    r = await approve(client, admins[1], claim.id, 1400, status=422)
    assert r["code"] == "amount_mismatch"
    done = await approve(client, admins[1], claim.id, 1500)
    assert done["status"] == "approved" and done["first_approver_id"] != done["decided_by"]
    assert (await RewardProgram.get(id=prog.id)).committed_fen == 150_000
    actions = await RewardAudit.filter(claim_id=claim.id).order_by("seq").values_list(
        "action", flat=True
    )
    assert actions == ["open", "eligible", "approve_first", "approve", "payout_created"]


async def test_below_the_threshold_one_admin_suffices(client, prog, staffs, admins):
    claim = await eligible(client, staffs, "13600000004", severity="moderate")
    assert (await approve(client, admins[0], claim.id, 300))["status"] == "approved"


async def test_flagged_claims_always_need_two(client, prog, admins):
    [claim] = await bulk_claims(prog, 1, flags=["many_claims_phone"])
    assert (await approve(client, admins[0], claim.id, 10))["status"] == "second_approval"
    assert (await approve(client, admins[1], claim.id, 10))["status"] == "approved"
    listing = await client.get(f"{ADMIN}/claims?flagged=true", headers=bearer(admins[0]))
    assert [c["id"] for c in listing.json()["items"]] == [claim.id]


async def test_fifty_concurrent_approvals_against_a_budget_for_ten(client, prog, admins):
    await RewardProgram.filter(id=prog.id).update(budget_fen=10 * 20_000)
    claims = await bulk_claims(prog, 50)
    token = admins[0]

    async def one(claim_id: int) -> int:
        r = await client.post(
            f"{ADMIN}/claims/{claim_id}/approve", json={"amount": 200}, headers=bearer(token)
        )
        return r.status_code

    codes = await asyncio.gather(*(one(c.id) for c in claims))
    assert sorted(codes) == [200] * 10 + [409] * 40
    assert (await RewardProgram.get(id=prog.id)).committed_fen == 200_000
    assert await RewardClaim.filter(status="approved").count() == 10
    assert await RewardPayout.all().count() == 10
    assert await RewardClaim.filter(status="eligible").count() == 40


async def test_monthly_count_and_amount_limits(client, prog, admins):
    await RewardProgram.filter(id=prog.id).update(
        monthly_count_limit=2, monthly_amount_limit_fen=50_000
    )
    claims = await bulk_claims(prog, 4, citizens=1)
    await approve(client, admins[0], claims[0].id, 100)
    await approve(client, admins[0], claims[1].id, 100)
    r = await approve(client, admins[0], claims[2].id, 100, status=409)
    assert r["code"] == "monthly_limit"
    row = await RewardMonthly.get(citizen_id=claims[0].citizen_id)  # type: ignore[attr-defined]
    assert (row.count, row.amount_fen) == (2, 20_000)
    # a refused approval commits nothing
    assert (await RewardProgram.get(id=prog.id)).committed_fen == 20_000

    await RewardProgram.filter(id=prog.id).update(monthly_count_limit=10)
    await approve(client, admins[0], claims[2].id, 250)
    r = await approve(client, admins[0], claims[3].id, 100, status=409)  # 450 + 100 > 500
    assert r["code"] == "monthly_limit"


async def test_the_audit_chain_detects_tampering(client, prog, staffs, admins):
    claim = await eligible(client, staffs, "13600000005")
    await approve(client, admins[0], claim.id, 100)
    claim = await RewardClaim.get(id=claim.id)
    events = await RewardAudit.filter(claim_id=claim.id).order_by("seq")
    assert len(events) == 4 and verify_chain(claim, events)
    events[2].data = {**events[2].data, "amount_fen": 1}
    assert not verify_chain(claim, events)
    assert not verify_chain(claim, events[:-1])  # a removed tail is noticed too


async def test_csv_export_for_the_finance_office(client, prog, staffs, admins):
    claim = await eligible(client, staffs, "13600000006")
    await approve(client, admins[0], claim.id, 200)
    r = await client.get(f"{ADMIN}/export.csv", headers=bearer(admins[0]))
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    text = r.content.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    [row] = rows
    assert row["claim_id"] == str(claim.id) and row["approved_amount_yuan"] == "200.00"
    assert row["payee_name"] == "王小明" and row["payee_phone"] == "136****0006"
    assert row["payout_provider"] == "manual" and row["payout_status"] == "待领取"
    r = await client.get(f"{ADMIN}/export.csv", headers=bearer(await staffs("supervisor")))
    assert r.status_code == 403


async def test_csv_export_takes_whole_beijing_days(client, prog, staffs, admins):
    # decided at 04:00 on 2 December in Beijing, which is still 1 December in UTC
    claim = await eligible(client, staffs, "13600000007")
    await approve(client, admins[0], claim.id, 200)
    decided = datetime(2026, 12, 1, 20, 0, tzinfo=UTC)
    await RewardClaim.filter(id=claim.id).update(decided_at=decided)

    async def exported(day: str) -> list[dict[str, str]]:
        r = await client.get(
            f"{ADMIN}/export.csv", params={"from": day, "to": day}, headers=bearer(admins[0])
        )
        assert r.status_code == 200, r.text
        return list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"))))

    assert [row["claim_id"] for row in await exported("2026-12-02")] == [str(claim.id)]
    assert await exported("2026-12-01") == []
