"""Signing in and out in Chromium; a cross-site form post is refused."""

from __future__ import annotations

from typing import Any

from tests.console.browser.conftest import login, screenshot


async def test_sign_in_and_out(new_page: Any) -> None:
    page = await new_page()
    await page.goto("/console/")
    await page.wait_for_url("**/console/login**")
    await screenshot(page, "console-login.png")
    await login(page, "handler")
    assert await page.get_by_text("杭州市生态环境局").first.is_visible()
    await page.get_by_role("button", name="退出").click()
    await page.wait_for_url("**/console/login")
    await page.goto("/console/")
    await page.wait_for_url("**/console/login**")


async def test_a_cross_site_form_post_is_refused(new_page: Any, live_server: str) -> None:
    page = await new_page()
    await login(page, "handler")
    # a page of another site (another origin: localhost, not 127.0.0.1) posts to the console
    evil = live_server.replace("127.0.0.1", "localhost")
    await page.goto(evil + "/healthz")
    await page.set_content(
        f'<form method="post" action="{live_server}/console/logout">'
        '<input name="csrf_token" value="guess"><button>go</button></form>'
    )
    await page.click("button")
    await page.wait_for_load_state()
    assert "安全校验" in await page.content()
    await page.goto(live_server + "/console/")
    assert "/console/login" not in page.url  # still signed in
