"""The kiosk in Chromium at 1080×1920: pairing, filing with the phone proven by SMS code (a
double tap files once), the receipt whose QR code decodes to the tracking page, tracking with
the on-screen keypad, the idle reset that clears a half-filled form, and the optional real-name
by the ID-card reader (its agent typing into the focused field) of which only the masked name
and number are shown and nothing survives the idle reset."""

from __future__ import annotations

import io
from typing import Any

from models.case import Case
from tests.conftest import last_sms_text
from tests.portal.browser.conftest import server_log, shot
from tests.portal.helpers import PHONE, kiosk_key


async def pair(page: Any) -> str:
    key = await kiosk_key()
    await page.goto("/kiosk/pair")
    await page.get_by_label("设备密钥").fill(key)
    await page.get_by_role("button", name="配对").click()
    await page.wait_for_url("**/kiosk/")
    assert key not in await page.content()
    return key


async def keypad(page: Any, text: str) -> None:
    for ch in text:
        await page.locator(f'.key[data-key="{ch}"]').tap()


def decode_qr(png: bytes) -> str:
    import zxingcpp
    from PIL import Image

    found = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))
    assert found, "no QR code found on the receipt"
    return str(found[0].text)


async def test_pair_file_print_and_track(new_page: Any, live_server: str, settings: Any) -> None:
    page = await new_page("kiosk")
    key = await pair(page)
    await shot(page, "kiosk-start.png")
    await page.get_by_role("link", name="我要反映问题").tap()
    await page.get_by_text("投诉", exact=True).tap()
    await page.get_by_role("button", name="下一步").tap()
    await page.get_by_text("噪声污染").tap()
    await page.get_by_role("button", name="下一步").tap()
    await page.get_by_label("问题描述").fill("小区旁边工地夜间施工噪音很大，影响休息。")
    await page.get_by_label("地点（可不填）").fill("西湖区文三路 100 号")
    await shot(page, "kiosk-file.png")
    await page.get_by_role("button", name="下一步").tap()
    await keypad(page, PHONE)
    await page.get_by_role("button", name="获取验证码").tap()
    await page.get_by_text("验证码已发送").wait_for()
    code = (await last_sms_text(PHONE))["code"]
    await page.get_by_label("短信验证码").focus()
    await keypad(page, code)
    await page.get_by_role("button", name="验证", exact=True).tap()
    await page.get_by_text("已验证").wait_for()
    await page.get_by_role("button", name="下一步").tap()
    await page.get_by_text("刷身份证实名").wait_for()  # optional: skipped here
    await page.get_by_role("button", name="下一步").tap()
    # a double tap on 提交 files once
    await page.get_by_role("button", name="提交").dblclick()
    await page.get_by_text("提交成功").wait_for()
    no = await page.locator("#r-no").inner_text()
    query_code = await page.locator("#r-code").inner_text()
    assert await Case.filter(channel="kiosk").count() == 1
    await shot(page, "kiosk-receipt.png")
    assert decode_qr(await page.locator("#r-qr svg").screenshot()) == (
        f"{live_server}/h5/track/{no}"
    )
    # the print stylesheet: the receipt alone
    await page.emulate_media(media="print")
    assert not await page.locator(".kbar").is_visible()
    assert await page.locator(".receipt").is_visible()
    await page.emulate_media(media="screen")
    # tracking with the on-screen keypad
    await page.get_by_role("link", name="完成，返回首页").tap()
    await page.get_by_role("link", name="查询办理进度").tap()
    await page.get_by_label("诉求编号").focus()
    await keypad(page, no)
    await page.get_by_label("查询码").focus()
    await keypad(page, query_code)
    await page.get_by_role("button", name="查询").tap()
    await page.get_by_text("办理经过").wait_for()
    assert no in await page.locator("#progress").inner_text()
    await shot(page, "kiosk-track.png")
    assert key not in server_log(settings)


async def test_idle_reset_clears_a_half_filled_form(new_page: Any) -> None:
    page = await new_page("kiosk")
    await pair(page)
    await page.goto("/kiosk/file")
    await page.get_by_text("求助", exact=True).tap()
    await page.get_by_role("button", name="下一步").tap()
    await page.get_by_role("button", name="上一步").tap()
    assert await page.locator("input[name=kind][value=help]").is_checked()
    await page.get_by_text("还在吗？").wait_for(timeout=15_000)
    await page.wait_for_url("**/kiosk/", timeout=15_000)
    await page.get_by_role("link", name="我要反映问题").tap()
    assert not await page.locator("input[name=kind]:checked").count()
    assert await page.locator("#content").input_value() == ""
    # a touch while asked keeps the form
    await page.get_by_text("咨询", exact=True).tap()
    await page.get_by_text("还在吗？").wait_for(timeout=15_000)
    await page.get_by_role("button", name="我还在，继续").tap()
    assert await page.locator("input[name=kind][value=consultation]").is_checked()
    assert "/kiosk/file" in page.url


async def test_real_name_by_the_card_reader_shows_it_masked_and_forgets_it(
    new_page: Any, settings: Any
) -> None:
    from models.citizen import Citizen
    from tests.identity.ids import id_number

    name, number, phone = "李建国", id_number("330106", "19620815", "057"), "13800138051"
    page = await new_page("kiosk")
    await pair(page)
    await page.goto("/kiosk/file")
    await page.get_by_text("投诉", exact=True).tap()
    await page.get_by_role("button", name="下一步").tap()
    await page.get_by_text("噪声污染").tap()
    await page.get_by_role("button", name="下一步").tap()
    await page.get_by_label("问题描述").fill("楼下饭店油烟直排，晚上噪音也很大。")
    await page.get_by_role("button", name="下一步").tap()
    await keypad(page, phone)
    await page.get_by_role("button", name="获取验证码").tap()
    await page.get_by_text("验证码已发送").wait_for()
    await page.get_by_label("短信验证码").focus()
    await keypad(page, (await last_sms_text(phone))["code"])
    await page.get_by_role("button", name="验证", exact=True).tap()
    await page.get_by_text("已验证").wait_for()
    await page.get_by_role("button", name="下一步").tap()
    await page.get_by_text("请将身份证平放在下方读卡区").wait_for()
    assert await page.evaluate("document.activeElement.id") == "card"
    await shot(page, "kiosk-real-name.png")
    # the reader's agent, in keyboard mode, types the card into the focused field
    await page.keyboard.type(f"{name}\t{number}\n", delay=5)
    await page.get_by_text("已实名认证").wait_for()
    assert await page.locator("#card-name").inner_text() == "李*国"
    assert await page.locator("#card-id").inner_text() == f"330106********{number[-4:]}"
    html = await page.content()
    assert name not in html and number not in html
    assert await page.locator("#card").input_value() == ""
    citizen = await Citizen.get(real_name_verified=True)
    assert citizen.real_name_method == "kiosk"
    await shot(page, "kiosk-real-name-done.png")
    # the citizen walks away: the idle reset returns to the start, and nothing is left
    await page.wait_for_url("**/kiosk/", timeout=15_000)
    await page.get_by_role("link", name="我要反映问题").tap()
    assert await page.locator("#card-name").inner_text() == ""
    assert await page.locator("#proof").input_value() == ""
    assert await page.evaluate("sessionStorage.length + localStorage.length") == 0
    navigation = "performance.getEntriesByType('navigation')[0].type"
    assert await page.evaluate(navigation) != "back_forward"  # a fresh page, not a cached one
    log = server_log(settings)
    assert name not in log and number not in log
