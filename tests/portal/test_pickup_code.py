""""My rewards" on /h5/ shows a manual payout's claim code to its own citizen while it awaits
pickup: sealed at rest, never to another citizen, never in an API reply or a log line."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from hotline.crypto import decrypt
from identity import citizens, web_sessions
from models.reward import RewardPayout
from portal import h5_session
from rewards import payouts
from rewards.manual import ManualProvider
from tests.conftest import bearer
from tests.rewards.support import (  # noqa: F401 (fixtures prog, staffs)
    claim_of,
    handle,
    prog_fixture,
    reporter,
    sms_params,
    staffs_fixture,
    submit,
)

ADMIN = "/api/v1/admin/rewards"
OWNER, OTHER = "13500000021", "13500000022"


async def signed_in(client, phone: str) -> None:
    """An /h5/ session for ``phone`` (the SMS login itself is tested in test_h5)."""
    citizen = await citizens.citizen_by_phone(phone)
    cookie = await web_sessions.start_for(f"citizen:{citizen.id}", 3600)
    client.cookies.clear()
    client.cookies.set(h5_session.COOKIE, cookie, path="/h5")


def shown(code: str) -> str:
    return f"{code[:5]} {code[5:]}"


async def approved_manual(client, staffs, phone: str) -> tuple[int, str, str]:
    token = await reporter(client, phone)
    no = await submit(client, token)
    claim = await claim_of(no)
    await handle(client, staffs, no)
    r = await client.post(f"{ADMIN}/claims/{claim.id}/approve", json={"amount": 200},
                          headers=bearer(await staffs("reward_admin")))
    assert r.status_code == 200, r.text
    [sms] = await sms_params(phone, "reward_pickup")
    return claim.id, sms["code"], token


async def test_the_code_is_sealed_and_shown_only_to_its_citizen(
    client, prog, staffs, caplog
) -> None:
    caplog.set_level(logging.DEBUG)
    claim_id, code, token = await approved_manual(client, staffs, OWNER)
    [payout] = await RewardPayout.filter(claim_id=claim_id)
    assert payout.code_enc and code not in payout.code_enc and decrypt(payout.code_enc) == code
    assert payout.code_hash == ManualProvider.code_hash(code)  # the hall still looks it up

    await signed_in(client, OWNER)
    page = (await client.get("/h5/rewards")).text
    assert shown(code) in page and "请携带本人身份证" in page
    mine = await client.get("/api/v1/rewards/claims/mine", headers=bearer(token))
    assert mine.status_code == 200 and code not in mine.text  # the API never carries it

    await signed_in(client, OTHER)
    other = (await client.get("/h5/rewards")).text
    assert code not in other and shown(code) not in other

    admin = bearer(await staffs("reward_admin"))
    for path in (f"{ADMIN}/claims", f"{ADMIN}/claims/{claim_id}", f"{ADMIN}/payouts"):
        r = await client.get(path, headers=admin)
        assert r.status_code == 200 and code not in r.text, path
    assert not [rec for rec in caplog.records if code in rec.getMessage()]


async def test_the_code_is_gone_once_collected(client, prog, staffs) -> None:
    claim_id, code, _ = await approved_manual(client, staffs, OWNER)
    r = await client.post(f"{ADMIN}/payouts/redeem", json={"code": code},
                          headers=bearer(await staffs("reward_admin")))
    assert r.status_code == 200, r.text
    [payout] = await RewardPayout.filter(claim_id=claim_id)
    assert payout.code_enc is None and payout.code_hash is None
    await signed_in(client, OWNER)
    page = (await client.get("/h5/rewards")).text
    assert "已发放" in page and shown(code) not in page


async def test_the_code_is_gone_once_the_pickup_deadline_passed(client, prog, staffs) -> None:
    claim_id, code, _ = await approved_manual(client, staffs, OWNER)
    await RewardPayout.filter(claim_id=claim_id).update(
        expires_at=datetime.now(UTC) - timedelta(minutes=1))
    await signed_in(client, OWNER)
    assert shown(code) not in (await client.get("/h5/rewards")).text  # before the job runs
    assert await payouts.expire() == 1
    [payout] = await RewardPayout.filter(claim_id=claim_id)
    assert payout.status == "expired" and payout.code_enc is None
