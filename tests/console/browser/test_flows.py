"""The console's flows in Chromium: a call recorded, dispatched with one key, appearing on the
unit's workbench without a reload, signed and replied; citizen text stays text; a deactivated
handler's open tab is logged out. Screenshots of each desk at 1366×768 go to docs/screens/."""

from __future__ import annotations

import asyncio
import re
from typing import Any

from audit.log import Actor
from identity import staff_admin
from models.case import Case
from models.org import Staff
from tests.console.browser.conftest import POLL_S, login, screenshot

WAIT_MS = (POLL_S * 4 + 5) * 1000


async def record_call(page: Any, content: str) -> str:
    await page.goto("/console/operator")
    await page.get_by_label("来电人姓名").fill("王小明")
    await page.get_by_label("来电号码").fill("13800138000")
    await page.get_by_label("诉求类型").select_option("complaint")
    await page.get_by_label("类别").select_option("ENV-WATER-SEWAGE")
    await page.get_by_label("诉求内容").fill(content)
    await page.get_by_label("所属区县").select_option("330100")
    await page.get_by_label("地址").fill("杭州市西湖区文三路 88 号旁河道")
    await page.get_by_label("纬度").fill("30.2741")
    await page.get_by_label("经度").fill("120.1551")
    await page.get_by_role("button", name="登记").click()
    recorded = page.locator("#recorded")
    await recorded.wait_for()
    text = await recorded.inner_text()
    found = re.search(r"\d{8}-\d{6}", text)
    assert found and "查询码" in text
    return found.group(0)


async def test_operator_dispatcher_handler(new_page: Any) -> None:
    operator, dispatcher, handler = await new_page(), await new_page(), await new_page()
    await login(handler, "handler")
    await handler.goto("/console/workbench")
    await login(operator, "operator")
    no = await record_call(operator, "小区旁边的河道有污水直排，晚上气味很大，请尽快处理。")
    await screenshot(operator, "console-operator.png")

    await login(dispatcher, "dispatcher")
    await dispatcher.goto("/console/dispatch")
    await dispatcher.get_by_role("link", name=no).wait_for()
    await screenshot(dispatcher, "console-dispatcher.png")
    await dispatcher.get_by_role("link", name=no).click()
    dispatch = dispatcher.get_by_role("button", name="派单（Enter）")
    assert await dispatch.evaluate("b => b === document.activeElement")  # one key dispatches
    await dispatcher.keyboard.press("Enter")
    await dispatcher.get_by_text("已转办").first.wait_for()
    assert (await Case.get(tracking_no=no)).status == "dispatched"

    # the handler's open workbench shows the new case without a reload
    await handler.get_by_role("link", name=no).wait_for(timeout=WAIT_MS)
    assert await handler.locator('[data-tab="to_sign"]').inner_text() == "1"
    await screenshot(handler, "console-workbench.png")
    await handler.get_by_role("link", name=no).click()
    await handler.get_by_role("button", name="签收").click()
    await handler.get_by_text("已签收。").wait_for()
    assert await handler.get_by_role("button", name="签收").count() == 0
    await handler.get_by_label("答复办理结果").fill("经查，该排口已封堵，河道已清理。")
    await screenshot(handler, "console-case.png")
    await handler.get_by_role("button", name="提交答复").click()
    await handler.get_by_text("已答复。").wait_for()
    assert (await Case.get(tracking_no=no)).status == "replied"


async def test_script_in_content_stays_text(new_page: Any) -> None:
    page = await new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda d: dialogs.append(d.message))
    await login(page, "operator")
    evil = "<script>alert('xss')</script><img src=x onerror=alert(1)> 河道污水"
    no = await record_call(page, evil)
    await page.goto(f"/console/cases/{no}")
    content = page.locator(".content-text").first
    assert "<script>alert('xss')</script>" in await content.inner_text()
    assert await page.locator("main script").count() == 0
    assert dialogs == []


async def test_deactivated_handler_tab_is_logged_out(new_page: Any, fresh_org: None) -> None:
    page = await new_page()
    await login(page, "handler")
    await page.goto("/console/workbench")
    staff = await Staff.get(username="handler")
    await staff_admin.update_staff(Actor("admin"), staff.id, {"active": False})
    for _ in range(WAIT_MS // 200):  # two polls may both send it there: no wait_for_url
        if "/console/login" in page.url:
            break
        await asyncio.sleep(0.2)
    await page.wait_for_load_state()
    assert "/console/login?next=%2Fconsole%2Fworkbench" in page.url
    assert "登录已失效" in await page.content()
