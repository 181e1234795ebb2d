"""The kiosk's pages in-process: pairing keeps the key in an HttpOnly cookie and nowhere else;
filing needs a phone proven by SMS code and files once per key; the receipt; tracking; the
knowledge base; limits that fit a shared kiosk."""

from __future__ import annotations

import logging
import re

from models.case import Case
from tests.portal.helpers import ORIGIN, PHONE, kiosk_key, paired, proven_phone

FILING = {"kind": "complaint", "category_code": "ENV-NOISE",
          "content": "小区旁边工地夜间施工噪音很大<script>", "address": "文三路 100 号"}


async def test_an_unpaired_kiosk_is_sent_to_pairing(client) -> None:
    r = await client.get("/kiosk/")
    assert r.status_code == 303 and r.headers["location"] == "/kiosk/pair"
    r = await client.post("/kiosk/pair", data={"key": "kiosk_wrong"}, headers=ORIGIN)
    assert r.status_code == 401 and "设备密钥无效" in r.text


async def test_pairing_keeps_the_key_in_an_httponly_cookie_only(client, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    key = await kiosk_key()
    r = await client.post("/kiosk/pair", data={"key": key}, headers=ORIGIN)
    assert r.status_code == 303
    cookie = r.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/kiosk" in cookie
    for path in ("/kiosk/", "/kiosk/pair", "/kiosk/file", "/kiosk/track", "/kiosk/guide"):
        page = await client.get(path)
        assert page.status_code == 200, path
        assert key not in page.text, path
    start = await client.get("/kiosk/")
    assert "我要反映问题" in start.text and "西湖区" in start.text
    logged = "\n".join(r.getMessage() + str(vars(r)) for r in caplog.records)
    assert key not in logged


async def test_pairing_from_another_site_is_refused(client) -> None:
    key = await kiosk_key()
    r = await client.post("/kiosk/pair", data={"key": key},
                          headers={"Origin": "https://evil.example"})
    assert r.status_code == 403 and "set-cookie" not in r.headers


async def test_filing_prints_a_receipt_and_a_double_tap_files_once(client) -> None:
    await paired(client)
    proof = await proven_phone(client)
    form = FILING | {"proof": proof, "key": "k" * 32}
    first = await client.post("/kiosk/file", data=form, headers=ORIGIN)
    assert first.status_code == 200, first.text
    no = re.search(r'id="r-no">([^<]+)<', first.text).group(1)
    code = re.search(r'id="r-code">([^<]+)<', first.text).group(1)
    assert re.fullmatch(r"\d{6}", code)
    assert "<svg" in first.text and f"/h5/track/{no}" in first.text
    again = await client.post("/kiosk/file", data=form, headers=ORIGIN)
    assert again.status_code == 200 and no in again.text
    assert await Case.filter(channel="kiosk").count() == 1
    case = await Case.get(tracking_no=no)
    assert case.device_id is not None and "地点：文三路 100 号" in case.content
    assert "&lt;script&gt;" not in first.text or "<script>" not in first.text


async def test_filing_without_a_proven_phone_is_refused(client) -> None:
    await paired(client)
    r = await client.post("/kiosk/file", data=FILING | {"proof": f"{PHONE}.9999999999.x"},
                          headers=ORIGIN)
    assert r.status_code == 401 and "重新获取验证码" in r.text
    assert await Case.all().count() == 0


async def test_a_short_text_is_sent_back_with_what_to_fix(client) -> None:
    await paired(client)
    proof = await proven_phone(client)
    r = await client.post("/kiosk/file", data=FILING | {"content": "吵", "proof": proof},
                          headers=ORIGIN)
    assert r.status_code == 422 and "至少写 5 个字" in r.text
    assert proof in r.text  # the phone stays proven for the correction


async def test_tracking_by_number_and_code(client) -> None:
    await paired(client)
    form = FILING | {"proof": await proven_phone(client), "key": "t" * 32}
    page = (await client.post("/kiosk/file", data=form, headers=ORIGIN)).text
    no = re.search(r'id="r-no">([^<]+)<', page).group(1)
    code = re.search(r'id="r-code">([^<]+)<', page).group(1)
    r = await client.post("/kiosk/track", data={"tracking_no": no, "code": code}, headers=ORIGIN)
    assert r.status_code == 200 and "办理经过" in r.text and no in r.text
    assert "138" not in r.text  # no personal data on the public tracker
    wrong = "000000" if code != "000000" else "111111"
    r = await client.post("/kiosk/track", data={"tracking_no": no, "code": wrong},
                          headers=ORIGIN)
    assert r.status_code == 404 and "核对编号和查询码" in r.text


async def test_the_knowledge_base(client) -> None:
    await paired(client)
    r = await client.get("/kiosk/guide", params={"q": "居住证"})
    assert r.status_code == 200
    links = re.findall(r'href="(/kiosk/guide/\d+)"', r.text)
    assert links, r.text
    item = await client.get(links[0])
    assert item.status_code == 200 and "居住证" in item.text
    none = await client.get("/kiosk/guide", params={"q": "qqzzxx"})
    assert "没有找到" in none.text


async def test_a_kiosk_has_its_own_code_budget_not_one_ip_s(client, settings) -> None:
    # thirty codes an hour from one IP is the API's limit; a hall kiosk sends more
    await paired(client)
    for i in range(settings.sms_code_per_ip_hourly + 2):
        r = await client.post("/kiosk/sms-code", json={"phone": f"1390000{i:04d}"},
                              headers=ORIGIN)
        assert r.status_code == 202, (i, r.text)
