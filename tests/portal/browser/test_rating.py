"""The reply message's rating link in a phone's browser: one tap rates, staff see the rating,
and the link opened again shows the rating already given."""

from __future__ import annotations

from typing import Any

import httpx

from models.case import Case
from tests.conftest import bearer, login_staff
from tests.console.browser.conftest import login
from tests.portal.browser.conftest import server_log, shot
from tests.portal.helpers import answered_case, token_of


async def test_one_tap_rates_and_a_reused_link_shows_it(
    new_page: Any, live_server: str, settings: Any
) -> None:
    async with httpx.AsyncClient(base_url=live_server) as client:
        no, link = await answered_case(client)
        page = await new_page()
        await page.goto(link)
        await page.get_by_text("请点选您对本次办理的满意程度").wait_for()
        assert "#t=" not in page.url  # the token left the address bar
        await page.get_by_label("您的意见（可不填）").fill("很快就处理了，谢谢")
        await shot(page, "h5-rate.png")
        await page.get_by_role("button", name="满意", exact=True).tap()
        await page.get_by_text("感谢您的评价").wait_for()
        assert await page.locator(".score").inner_text() == "满意"
        assert (await Case.get(tracking_no=no)).rating == 4
        # staff see it on the case: in the console, and through the API
        desk = await new_page("desktop")
        await login(desk, "dispatcher")
        await desk.goto(f"/console/cases/{no}")
        timeline = desk.locator(".timeline")
        await timeline.get_by_text("满意：很快就处理了，谢谢").wait_for()
        staff = await login_staff(client, "dispatcher")
        seen = (await client.get(f"/api/v1/cases/{no}", headers=bearer(staff))).json()
        assert any(e["action"] == "rate" and e["note"].startswith("满意") for e in seen["timeline"])
        # the same link again, in another browser
        again = await new_page()
        await again.goto(link)
        await again.get_by_text("本轮答复已评价").wait_for()
        assert await again.locator(".score").inner_text() == "满意"
        assert await again.locator("button[name=score]").count() == 0
        assert token_of(link) not in server_log(settings)
