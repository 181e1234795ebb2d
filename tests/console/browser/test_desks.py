"""The supervisor, reward and administration desks in Chromium: a supervisor sees the red light
move and supervises; two reward administrators in two browser contexts approve a claim above
the four-eyes threshold; a pickup code is redeemed at the hall desk; an administrator
deactivates a handler whose open tab is then logged out. Screenshots at 1366×768."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from audit.log import Actor
from identity import staff_admin
from launch.seed import DEMO_PASSWORD
from models.case import Case, CaseEvent
from models.org import Staff, Unit
from models.reward import RewardClaim
from tests.casework.test_queues import assign, new_case
from tests.casework.test_queues import lights as light_fields
from tests.console.browser.conftest import login, screenshot
from tests.media import fixtures as fx
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

SUP = "/console/supervisor"


def _months_ago(n: int, day: int = 10) -> datetime:
    now = datetime.now(UTC)
    index = now.year * 12 + now.month - 1 - n
    return datetime(index // 12, index % 12 + 1, day, 2, 0, tzinfo=UTC)


async def _history(client: httpx.AsyncClient, token: str) -> None:
    """Cases of the last months (replied on time or late, rated) and open cases with lights,
    so that the dashboard has something to draw."""
    units = ["HZ-STHJJ", "HZ-CGJ", "NB-STHJJ", "HZ-XH-STHJ"]
    channels = ["app", "phone", "wechat_mini", "kiosk", "letter"]
    for n in range(1, 7):
        for i in range(3):
            at = _months_ago(n, 3 + i * 7)
            await new_case(client, token, **await assign(
                units[(n + i) % 4], status="rated" if i else "closed", channel=channels[i + n % 3],
                created_at=at, replied_at=at + timedelta(days=4 + i * 6),
                completed_on_time=(n + i) % 4 != 0, rating=5 - ((n + i) % 5)))
    f = light_fields(datetime.now(UTC))
    for unit, light, channel in (("HZ-STHJJ", "green", "phone"), ("HZ-CGJ", "yellow", "app"),
                                 ("NB-STHJJ", "green", "kiosk"), ("NB-STHJJ", "red", "phone"),
                                 ("HZ-XH-STHJ", "green", "wechat_mini")):
        await new_case(client, token, **await assign(unit, channel=channel, **f[light]))


def _due(at: datetime) -> dict[str, Any]:
    """A completion due at ``at`` (its yellow light from a day before), as the schedule keeps
    it: the due time, how it was computed, and the next due derived from it."""
    warn = at - timedelta(days=1)
    meta = {"rule": "days", "from": (at - timedelta(days=7)).isoformat(), "n": 7,
            "warn": warn.isoformat()}
    return {"due_complete": at, "due_meta": {"complete": meta}, "met": ["dispatch", "sign"],
            "next_due_kind": "complete", "next_due_at": at, "warn_at": warn}


async def test_a_supervisor_sees_the_red_light_move_and_supervises(
    new_page: Any, client: httpx.AsyncClient, citizen_token: str
) -> None:
    await _history(client, citizen_token)
    no = await new_case(client, citizen_token, **await assign(
        "HZ-STHJJ", **_due(datetime.now(UTC) + timedelta(hours=5))))
    page = await new_page()
    await login(page, "supervisor")
    await page.goto(SUP)
    assert "督办看板" in await page.title(), (page.url, await page.content())
    red = page.locator(".figure-red .figure-value")
    assert await red.inner_text() == "1"
    assert await page.locator(".figure-yellow .figure-value").inner_text() == "2"
    assert await page.locator(".chart-svg svg").count() == 4
    await screenshot(page, "console-supervisor.png")
    # the due time passes (the clock the data uses: the case's stored due time)
    await Case.filter(tracking_no=no).update(
        **_due(datetime.now(UTC) - timedelta(minutes=5)))
    # without a reload: the row of numbers is polled
    await page.locator(".figure-red .figure-value", has_text="2").wait_for()
    await page.locator(".figure-red").click()
    await page.wait_for_url(f"**{SUP}/cases?light=red")
    row = page.locator(f"#case-{no}")
    assert "已超期" in await row.inner_text()
    await row.get_by_label(f"{no} 的督办意见").fill("请今日内办结并报督办科")
    await row.get_by_role("button", name="督办").click()
    await page.wait_for_url("**done=supervise")
    assert await page.get_by_text("已督办，承办单位将收到督办通知。").is_visible()
    case = await Case.get(tracking_no=no)
    assert await CaseEvent.filter(case_id=case.id, action="supervise").count() == 1
    assert "已超期" in await page.locator(f"#case-{no}").inner_text()
    await screenshot(page, "console-supervisor-cases.png")


async def _compared_claims(client: httpx.AsyncClient, staffs: Any) -> RewardClaim:
    """A critical report (above the four-eyes threshold) and a later report of the same
    problem, with near-identical photos, 120 m away: the later one is its duplicate."""
    one, two = await reporter(client, "13500000301", "陈一鸣"), await reporter(
        client, "13500000302", "赵二")
    scene = fx.make_scene(640, 480, seed=5)
    ids = []
    for token, quality in ((one, 92), (two, 60)):
        r = await client.post("/api/v1/photos", headers={"Authorization": f"Bearer {token}"},
                              files={"file": ("p.jpg", fx.encode_jpeg(scene, quality=quality),
                                              "image/jpeg")})
        assert r.status_code == 201, r.text
        ids.append(r.json()["id"])
    first = await file_report(client, one, WATER | {"photo_ids": [ids[0]]})
    second = await file_report(client, two, moved(WATER, 120, photo_ids=[ids[1]]))
    await handle(client, staffs, first, severity="critical")
    await handle(client, staffs, second, severity="critical")
    claim = await claim_of(first)
    assert claim.status == "eligible" and (await claim_of(second)).status == "duplicate"
    return claim


async def test_two_reward_administrators_approve_above_the_threshold(
    new_page: Any, client: httpx.AsyncClient, prog: Any, staffs: Any
) -> None:
    claim = await _compared_claims(client, staffs)
    await second_reward_admin()
    first, second = await new_page(), await new_page()
    await login(first, "reward_admin")
    await login(second, "reward_admin2")
    await first.goto("/console/rewards")
    await screenshot(first, "console-rewards-claims.png")
    await first.get_by_role("link", name=f"#{claim.id}").click()
    await first.wait_for_url(f"**/console/rewards/claims/{claim.id}")
    assert await first.locator(".evidence img").count() == 2  # both reports' photos
    await first.get_by_label("奖励金额（元）").fill("1500")
    await first.get_by_role("button", name="批准").click()
    await first.wait_for_url("**done=approve_first")
    assert await first.get_by_text("待第二人复核", exact=False).first.is_visible()
    assert await first.get_by_role("button", name="复核通过").count() == 0
    await screenshot(first, "console-rewards.png")
    await second.goto(f"/console/rewards/claims/{claim.id}")
    assert await second.get_by_text("待第二人复核", exact=False).first.is_visible()
    await second.get_by_role("button", name="复核通过").click()
    await second.wait_for_url("**done=approve")
    assert await second.get_by_text("已批准，奖励进入发放。").is_visible()
    assert (await RewardClaim.get(id=claim.id)).status == "approved"


async def test_a_pickup_code_is_redeemed_at_the_hall_desk(
    new_page: Any, client: httpx.AsyncClient, prog: Any, staffs: Any
) -> None:
    no = await file_report(client, await reporter(client, "13500000303", "孙三"))
    await handle(client, staffs, no, severity="moderate")
    claim = await claim_of(no)
    page = await new_page()
    await login(page, "reward_admin")
    await page.goto("/console/rewards?status=eligible")
    await page.get_by_role("link", name=f"#{claim.id}").click()
    await page.get_by_role("button", name="批准").click()
    await page.wait_for_url("**done=approve")
    [sms] = await sms_params("13500000303", "reward_pickup")
    await page.get_by_role("link", name="大厅兑付").click()
    await page.get_by_label("领奖码").fill(sms["code"])
    await page.get_by_role("button", name="兑付").click()
    await page.get_by_text("兑付成功：300.00 元").wait_for()
    assert await page.get_by_text("孙三").is_visible()
    assert (await RewardClaim.get(id=claim.id)).status == "paid"
    await screenshot(page, "console-rewards-redeem.png")


async def test_an_admin_deactivates_a_handler_whose_open_tab_is_logged_out(
    new_page: Any, fresh_org: None
) -> None:
    unit = await Unit.get(code="HZ-STHJJ")
    await staff_admin.create_staff(Actor("test"), username="handler_tab", password=DEMO_PASSWORD,
                                   roles=["handler"], unit_id=unit.id, phone="13900001234",
                                   display_name="周六")
    handler, admin = await new_page(), await new_page()
    await login(handler, "handler_tab")
    tab = handler.url
    await login(admin, "admin")
    await admin.goto("/console/admin/staff?q=handler_tab")
    row = admin.locator("#staff-handler_tab")
    assert "139****1234" in await row.inner_text()
    await row.get_by_role("button", name="停用").click()
    await admin.wait_for_url("**done=staff_off")
    assert not (await Staff.get(username="handler_tab")).active
    assert await admin.get_by_text("账号已停用，其所有登录（含工作台）已立即失效。").is_visible()
    await screenshot(admin, "console-admin.png")
    await admin.get_by_role("link", name="审计日志").click()
    await admin.get_by_label("操作（以“.”结尾为前缀）").fill("staff.")
    await admin.get_by_role("button", name="筛选").click()
    await admin.wait_for_url("**action=staff.**")
    assert await admin.get_by_text("staff.update").first.is_visible()
    await screenshot(admin, "console-admin-audit.png")
    # the open tab's next request (its own polling, or a click) lands on the login page
    await handler.wait_for_url("**/console/login**", timeout=15_000)
    assert "登录已失效" in await handler.content()
    await handler.goto(tab)
    await handler.wait_for_url("**/console/login**")
