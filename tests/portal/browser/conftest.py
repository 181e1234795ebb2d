"""Browser tests of the citizen pages and the kiosk, on the console's harness (one copy:
tests/console/browser/conftest.py: uvicorn on the test database, Debian's Chromium).
/h5/ runs in a 390×844 phone viewport with touch, /kiosk/ in a 1080×1920 portrait one."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from tests.console.browser.conftest import (  # noqa: F401  (fixtures used here)
    LIVE_ENV,
    SCREENS,
    _missing,
    browser,
    live_server,
    screenshot,
)
from tests.wechat.support import OA_APPID, OA_SECRET, fake_server
from wechat import jssdk

# the kiosk's idle timeout in these tests (60 s + 10 s by default), read by the live server
os.environ.setdefault("HOTLINE_KIOSK_IDLE_S", "4")
os.environ.setdefault("HOTLINE_KIOSK_CONFIRM_S", "2")

# the live server's official account is the fake WeChat API's, with the JS-SDK on (used only
# by a browser whose user agent is WeChat's; the pages' script from WeChat is a stub, WECHAT_JS)
LIVE_ENV.update({
    "HOTLINE_WECHAT_API_BASE": fake_server().base_url,
    "HOTLINE_WECHAT_OA_APPID": OA_APPID,
    "HOTLINE_WECHAT_OA_SECRET": OA_SECRET,
    "HOTLINE_WECHAT_JSSDK": "true",
    "HOTLINE_KIOSK_ID_READER": "keyboard",  # the kiosk's optional real-name step
})
WECHAT_UA = ("Mozilla/5.0 (Linux; Android 14; Pixel 7) AppleWebKit/537.36 (KHTML, like Gecko) "
             "Chrome/116.0 Mobile Safari/537.36 XWEB/1160065 MicroMessenger/8.0.50.2701 "
             "WeChat/arm64 NetType/WIFI Language/zh_CN")
# WeChat's jweixin as far as the pages use it: config/ready/error, getLocation, chooseImage,
# uploadImage (the media id is one the test gave the fake WeChat API); what the page asked is
# kept in window.__wx for the test to read
WECHAT_JS = """
window.wx = (function () {
  var s = window.__wx = {config: null, ready: false, uploaded: [], located: null}, fns = [];
  return {
    config: function (c) { s.config = c; setTimeout(function () { s.ready = true;
      fns.forEach(function (f) { f(); }); }, 30); },
    ready: function (f) { if (s.ready) { f(); } else { fns.push(f); } },
    error: function (f) { s.onError = f; },
    getLocation: function (o) { s.located = o.type;
      o.success({latitude: 30.2800, longitude: 120.1600, accuracy: 30}); },
    chooseImage: function (o) { s.chose = o.count;
      o.success({localIds: ["wxLocalResource://1"]}); },
    uploadImage: function (o) { s.uploaded.push(o.localId);
      o.success({serverId: "MEDIA-BROWSER-1"}); }
  };
})();
"""
PHONE = {"width": 390, "height": 844}
KIOSK = {"width": 1080, "height": 1920}


def pytest_collection_modifyitems(config: Any, items: list[Any]) -> None:
    reason = _missing()
    if reason is None:
        return
    here = str(Path(__file__).parent)
    for item in items:
        if str(item.fspath).startswith(here):
            item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture
async def new_page(browser: Any, live_server: str) -> AsyncIterator[Any]:  # noqa: F811
    """A factory of pages (``kind``: "phone" or "kiosk"), each in its own browser context."""
    contexts: list[Any] = []
    asked: list[str] = []

    async def make(kind: str = "phone") -> Any:
        options: dict[str, Any] = {
            "viewport": PHONE, "has_touch": True, "is_mobile": True, "device_scale_factor": 2,
            "geolocation": {"latitude": 30.2741, "longitude": 120.1551},
            "permissions": ["geolocation"],
        }
        if kind == "wechat":  # WeChat's browser: no geolocation permission, the JS-SDK instead
            options = options | {"user_agent": WECHAT_UA, "permissions": []}
        elif kind == "kiosk":
            options = {"viewport": KIOSK, "has_touch": True}
        elif kind == "desktop":  # the staff console
            options = {"viewport": {"width": 1366, "height": 768}}
        context = await browser.new_context(
            base_url=live_server, locale="zh-CN", timezone_id="Asia/Shanghai", **options
        )
        context.set_default_timeout(10_000)
        contexts.append(context)
        if kind == "wechat":
            await context.route(jssdk.SCRIPT, lambda route: route.fulfill(
                body=WECHAT_JS, content_type="application/javascript"))
        page = await context.new_page()
        page.on("request", lambda req: asked.append(req.url)
                if not (kind == "wechat" and req.url == jssdk.SCRIPT) else None)
        return page

    yield make
    for context in contexts:
        await context.close()
    # no page asked anything of another host
    outside = [u for u in asked if not u.startswith((live_server, "data:", "blob:"))]
    assert not outside, outside


def server_log(settings: Any) -> str:
    """What the live server logged so far (uvicorn's access lines included at info level)."""
    return (Path(settings.var_dir) / "live-server.log").read_text(errors="replace")


async def shot(page: Any, name: str, *, full: bool = False) -> None:
    SCREENS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(SCREENS / name), full_page=full)


async def sign_in_by_sms(page: Any, phone: str) -> None:
    """On /h5/login: the phone, the code the SMS brought, 登录; back on /h5/."""
    from tests.conftest import last_sms_text

    await page.get_by_label("手机号").fill(phone)
    await page.get_by_role("button", name="获取验证码").tap()
    await page.get_by_text("验证码已发送").wait_for()
    await page.get_by_label("短信验证码").fill((await last_sms_text(phone))["code"])
    await page.get_by_role("button", name="登录").tap()
    await page.wait_for_url("**/h5/")
