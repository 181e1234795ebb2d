"""Inside WeChat, with the JS-SDK configured, the filing page carries a signed ``wx.config`` and
may load WeChat's script (its CSP allows that one file, then only); a photo sent by
``wx.uploadImage`` is fetched from WeChat. Outside WeChat, or when off: the browser's inputs."""

from __future__ import annotations

import hashlib
import io
import json
import re

from PIL import Image

from hotline import settings as settings_mod
from models.media import Photo
from portal.templating import CSP
from tests.fakes.wechat_api import FakeWeChat
from tests.portal.helpers import ORIGIN, h5_login
from tests.wechat.support import OA_APPID, wx_fixture  # noqa: F401
from wechat import jssdk

WECHAT = {"User-Agent": "Mozilla/5.0 (iPhone) MicroMessenger/8.0.50 NetType/WIFI"}


def a_photo() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (640, 480), (90, 120, 160)).save(out, "JPEG")
    return out.getvalue()


def wx_config(html: str) -> dict | None:
    found = re.search(r'<script type="application/json" id="wx-config">(.*?)</script>', html, re.S)
    return json.loads(found.group(1)) if found else None


async def test_in_wechat_the_form_is_signed_and_may_load_the_sdk(client, wx: FakeWeChat) -> None:
    s = settings_mod.current()
    await h5_login(client)
    s.wechat_jssdk = True
    try:
        page = await client.get("/h5/file", headers=WECHAT)
        outside = await client.get("/h5/file")
        home = await client.get("/h5/", headers=WECHAT)  # no page but the filing form
    finally:
        s.wechat_jssdk = False
    off = await client.get("/h5/file", headers=WECHAT)

    cfg = wx_config(page.text)
    assert cfg is not None and cfg["appId"] == OA_APPID
    plain = (f"jsapi_ticket={wx.jsapi_ticket(OA_APPID)}&noncestr={cfg['nonceStr']}"
             f"&timestamp={cfg['timestamp']}&url={s.public_base_url}/h5/file")
    assert cfg["signature"] == hashlib.sha1(plain.encode()).hexdigest()
    assert f'<script src="{jssdk.SCRIPT}" defer>' in page.text
    csp = page.headers["content-security-policy"]
    assert f"script-src 'self' {jssdk.SCRIPT};" in csp and "connect-src 'self';" in csp
    for other in (outside, off, home):  # outside WeChat, or off, or another page: nothing
        assert wx_config(other.text) is None and "res.wx.qq.com" not in other.text
        assert other.headers["content-security-policy"] == CSP


async def test_a_photo_from_wx_upload_image_is_fetched_from_wechat(client, wx: FakeWeChat) -> None:
    s = settings_mod.current()
    token = await h5_login(client)
    wx.add_media("MEDIA-OK", a_photo())
    headers = ORIGIN | WECHAT | {"X-CSRF-Token": token}
    s.wechat_jssdk = True
    try:
        r = await client.post("/h5/photos/wechat", json={"media_id": "MEDIA-OK"}, headers=headers)
        assert r.status_code == 201, r.text
        photo = await Photo.get(id=r.json()["id"])
        missing = await client.post("/h5/photos/wechat", json={"media_id": "GONE"},
                                    headers=headers)
        assert missing.status_code == 502 and missing.json()["message"] == "照片获取失败"
        forged = await client.post("/h5/photos/wechat", json={"media_id": "MEDIA-OK"},
                                   headers=ORIGIN | WECHAT)
        assert forged.status_code == 403  # no form token
        bad = await client.post("/h5/photos/wechat", json={"media_id": "../x"}, headers=headers)
        assert bad.status_code == 422
    finally:
        s.wechat_jssdk = False
    assert photo.owner_kind == "citizen"
    [got] = [c for c in wx.calls_to("cgi-bin/media/get") if c.query["media_id"] == "MEDIA-OK"]
    assert got.query["access_token"].startswith(f"ACCESS-{OA_APPID}-")
    off = await client.post("/h5/photos/wechat", json={"media_id": "MEDIA-OK"}, headers=headers)
    assert off.status_code == 404
