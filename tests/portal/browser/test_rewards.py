""""My rewards" in a phone's browser: a manual payout awaiting pickup shows its claim code, big,
to the citizen who owns it; another citizen's page does not."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from identity import citizens, web_sessions
from portal import h5_session
from tests.portal.browser.conftest import server_log, shot
from tests.portal.test_pickup_code import OTHER, OWNER, approved_manual, shown
from tests.rewards.support import prog_fixture, staffs_fixture  # noqa: F401


async def signed_in(new_page: Any, live_server: str, phone: str) -> Any:
    page = await new_page()
    citizen = await citizens.citizen_by_phone(phone)
    cookie = await web_sessions.start_for(f"citizen:{citizen.id}", 3600)
    await page.context.add_cookies([{"name": h5_session.COOKIE, "value": cookie,
                                     "domain": urlsplit(live_server).hostname, "path": "/h5"}])
    return page


async def test_my_rewards_shows_the_pickup_code_to_its_citizen_only(
    new_page: Any, live_server: str, client: Any, prog: Any, staffs: Any, settings: Any
) -> None:
    _, code, _ = await approved_manual(client, staffs, OWNER)
    page = await signed_in(new_page, live_server, OWNER)
    await page.goto("/h5/rewards")
    assert await page.locator("#pickup-code").inner_text() == shown(code)
    await shot(page, "h5-rewards.png", full=True)
    await page.set_viewport_size({"width": 360, "height": 740})
    assert await page.evaluate("document.documentElement.scrollWidth") <= 360
    other = await signed_in(new_page, live_server, OTHER)
    await other.goto("/h5/rewards")
    await other.get_by_text("您还没有奖励申请").wait_for()
    assert code not in await other.content()
    assert code not in server_log(settings)
