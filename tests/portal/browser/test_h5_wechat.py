"""Inside WeChat's browser, with the JS-SDK configured: the filing page loads WeChat's script
(the only outside request, allowed by its CSP only here), signs ``wx.config`` with the jsapi
ticket from the (fake) WeChat API, takes the location from ``wx.getLocation`` and the photo from
``wx.chooseImage``/``wx.uploadImage``, which the server fetches back from WeChat."""

from __future__ import annotations

import hashlib
from typing import Any

from models.case import Case
from tests.portal.browser.conftest import shot, sign_in_by_sms
from tests.portal.browser.test_h5 import a_photo
from tests.wechat.support import OA_APPID, fake_server
from wechat import tokens

PHONE = "13800138031"


async def test_in_wechat_location_and_photo_come_through_the_js_sdk(
    new_page: Any, live_server: str
) -> None:
    fake = fake_server()
    fake.add_media("MEDIA-BROWSER-1", a_photo())
    page = await new_page("wechat")
    await page.goto("/h5/login")
    await sign_in_by_sms(page, PHONE)
    await page.goto("/h5/file")
    await page.wait_for_selector("#file-form[data-wx=ready]")

    cfg = await page.evaluate("window.__wx.config")
    stored = await tokens.load(f"jsapi:{OA_APPID}")  # the live server's ticket, shared
    assert stored is not None and stored[0].startswith(f"TICKET-{OA_APPID}-")
    plain = (f"jsapi_ticket={stored[0]}&noncestr={cfg['nonceStr']}&timestamp={cfg['timestamp']}"
             f"&url={live_server}/h5/file")
    assert cfg["appId"] == OA_APPID and cfg["debug"] is False
    assert cfg["signature"] == hashlib.sha1(plain.encode()).hexdigest()

    await page.get_by_text("投诉", exact=True).tap()
    await page.get_by_label("2. 属于哪个方面").select_option("ENV-NOISE")
    await page.get_by_label("3. 发生了什么").fill("晚上十点后楼下商铺音响声音很大，影响休息。")
    await page.get_by_text("拍照或从相册选择").tap()
    await page.get_by_text("已上传").wait_for()
    await page.get_by_role("button", name="定位").tap()
    await page.get_by_text("已获取位置").wait_for()
    assert await page.evaluate("window.__wx.located") == "wgs84"
    assert await page.evaluate("window.__wx.uploaded") == ["wxLocalResource://1"]
    await shot(page, "h5-file-wechat.png", full=True)
    await page.get_by_role("button", name="提交").tap()
    await page.get_by_text("提交成功").wait_for()
    case = await Case.get(tracking_no=await page.locator("#filed-no").inner_text())
    assert case.channel == "wechat_oa"
    assert case.lat is not None and abs(case.lat - 30.28) < 1e-4 and abs(case.lng - 120.16) < 1e-4
    assert case.photo_ids and len(case.photo_ids) == 1
    [got] = [c for c in fake.calls_to("cgi-bin/media/get")
             if c.query.get("media_id") == "MEDIA-BROWSER-1"]
    assert got.query["access_token"].startswith(f"ACCESS-{OA_APPID}-")
