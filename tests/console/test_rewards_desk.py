"""The reward desk in-process: claims queue, the claim page (identity for this role only,
evidence beside the compared reports, rules, four-eyes), decisions, redeem, export, roles."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from models.reward import RewardClaim
from tests.console.helpers import ORIGIN, signed_in
from tests.rewards.support import (  # noqa: F401 (fixtures prog, staffs)
    WATER,
    claim_of,
    handle,
    moved,
    prog_fixture,
    reporter,
    second_reward_admin,
    sms_params,
    staffs_fixture,
)
from tests.rewards.support import submit as file_report

DESK = "/console/rewards"


@pytest.fixture
async def other_client(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, client=("203.0.113.8", 50001))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c


async def _eligible(client: httpx.AsyncClient, staffs: Any, phone: str,
                    severity: str = "critical", body: dict[str, Any] = WATER) -> RewardClaim:
    no = await file_report(client, await reporter(client, phone, name="李四海"), body)
    await handle(client, staffs, no, severity=severity)
    claim = await claim_of(no)
    assert claim.status == "eligible"
    return claim


async def test_the_claim_page_shows_identity_evidence_rules_then_decisions(
    client: httpx.AsyncClient, prog: Any, staffs: Any
) -> None:
    first = await _eligible(client, staffs, "13900000201", severity="moderate")
    claim = await _eligible(client, staffs, "13900000202", body=moved(WATER, 900))
    await signed_in(client, "reward_admin")
    queue = await client.get(DESK)
    assert queue.status_code == 200
    assert f"/console/rewards/claims/{claim.id}" in queue.text
    assert f"/console/rewards/claims/{first.id}" in queue.text
    page = await client.get(f"{DESK}/claims/{claim.id}")
    assert page.status_code == 200, page.text
    html = page.text
    assert "李四海" in html and "13900000202" in html  # the reporter, for this role only
    assert "证据比对" in html and "最高可奖" in html and "双人复核" in html
    assert "超过 500.00 元" in html
    # the decision buttons come last, after the evidence and the rules
    assert html.index("证据比对") < html.index("最高可奖") < html.index('id="decide-h"')
    assert html.index('id="decide-h"') < html.index(">批准<")


async def test_two_admins_approve_above_the_four_eyes_threshold(
    client: httpx.AsyncClient, other_client: httpx.AsyncClient, prog: Any, staffs: Any
) -> None:
    claim = await _eligible(client, staffs, "13900000203")
    await second_reward_admin()
    one = await signed_in(client, "reward_admin")
    two = await signed_in(other_client, "reward_admin2")
    url = f"{DESK}/claims/{claim.id}/approve"
    r = await client.post(url, headers=ORIGIN, data={"amount": "1500", "csrf_token": one})
    assert r.status_code == 303 and r.headers["location"].endswith("done=approve_first")
    page = await client.get(r.headers["location"])
    assert "待第二人复核" in page.text and "已初审通过" in page.text
    assert ">复核通过<" not in page.text  # the first approver is not offered the second step
    r = await client.post(url, headers=ORIGIN, data={"amount": "1500", "csrf_token": one})
    assert r.status_code == 403 and "另一名奖励管理员" in r.text
    seen = await other_client.get(f"{DESK}/claims/{claim.id}")
    assert ">复核通过<" in seen.text
    r = await other_client.post(url, headers=ORIGIN, data={"amount": "1500", "csrf_token": two})
    assert r.status_code == 303 and r.headers["location"].endswith("done=approve")
    assert (await RewardClaim.get(id=claim.id)).status == "approved"


async def test_deny_with_a_reason(client: httpx.AsyncClient, prog: Any, staffs: Any) -> None:
    claim = await _eligible(client, staffs, "13900000204", severity="moderate")
    token = await signed_in(client, "reward_admin")
    r = await client.post(f"{DESK}/claims/{claim.id}/deny", headers=ORIGIN,
                          data={"reason": "照片非现场拍摄", "csrf_token": token})
    assert r.status_code == 303
    denied = await RewardClaim.get(id=claim.id)
    assert denied.status == "denied" and denied.reason == "照片非现场拍摄"


async def test_redeem_at_the_hall_and_export(
    client: httpx.AsyncClient, prog: Any, staffs: Any
) -> None:
    claim = await _eligible(client, staffs, "13900000205", severity="moderate")
    token = await signed_in(client, "reward_admin")
    r = await client.post(f"{DESK}/claims/{claim.id}/approve", headers=ORIGIN,
                          data={"amount": "300", "csrf_token": token})
    assert r.status_code == 303
    [sms] = await sms_params("13900000205", "reward_pickup")
    r = await client.post(f"{DESK}/redeem", headers=ORIGIN,
                          data={"code": "0000000000", "csrf_token": token})
    assert r.status_code == 404 and "领取码无效" in r.text
    r = await client.post(f"{DESK}/redeem", headers=ORIGIN,
                          data={"code": sms["code"], "csrf_token": token})
    assert r.status_code == 200 and "兑付成功：300.00 元" in r.text and "李四海" in r.text
    assert (await RewardClaim.get(id=claim.id)).status == "paid"
    payouts = await client.get(f"{DESK}/payouts", params={"status": "paid"})
    assert f"/console/rewards/claims/{claim.id}" in payouts.text
    csv = await client.get(f"{DESK}/export.csv")
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    assert csv.headers["cache-control"] == "no-store"
    assert re.search(rf"^{claim.id},", csv.text.lstrip("\ufeff"), re.M)


@pytest.mark.parametrize("username", ["handler", "admin", "supervisor"])
async def test_only_reward_administrators_open_the_reward_desk(
    client: httpx.AsyncClient, username: str
) -> None:
    await signed_in(client, username)
    for path in (DESK, f"{DESK}/claims/1", f"{DESK}/export.csv", f"{DESK}/redeem"):
        r = await client.get(path)
        assert r.status_code == 403 and "无权" in r.text, path


async def test_decisions_need_the_form_token(
    client: httpx.AsyncClient, prog: Any, staffs: Any
) -> None:
    claim = await _eligible(client, staffs, "13900000206", severity="moderate")
    await signed_in(client, "reward_admin")
    r = await client.post(f"{DESK}/claims/{claim.id}/approve", headers=ORIGIN,
                          data={"amount": "300", "csrf_token": "forged"})
    assert r.status_code == 403 and "安全校验" in r.text
    r = await client.post(f"{DESK}/redeem", data={"code": "1234567890"})
    assert r.status_code == 403
    assert (await RewardClaim.get(id=claim.id)).status == "eligible"
