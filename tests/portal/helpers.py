"""A case answered and waiting for its rating, and the link its reply message carries."""

from __future__ import annotations

from urllib.parse import urlsplit

import httpx

from tests.conftest import COMPLAINT, bearer, last_sms_text, login_citizen, login_staff

PHONE = "13800138000"


async def answered_case(client: httpx.AsyncClient, phone: str = PHONE,
                        reply: str = "经核实，工地已停止夜间施工。") -> tuple[str, str]:
    """A citizen files, the centre answers; returns the tracking number and the rating link
    (path and fragment) from the SMS the citizen was sent."""
    token = (await login_citizen(client, phone))["access_token"]
    r = await client.post("/api/v1/cases", json=COMPLAINT, headers=bearer(token))
    assert r.status_code == 201, r.text
    no = r.json()["tracking_no"]
    operator = await login_staff(client, "operator")
    r = await client.post(f"/api/v1/staff/cases/{no}/answer", json={"content": reply},
                          headers=bearer(operator))
    assert r.status_code == 200, r.text
    sms = await last_sms_text(phone)
    assert sms["template"] == "case_answered"
    parts = urlsplit(sms["rating_url"])
    return no, f"{parts.path}#{parts.fragment}"


def token_of(link: str) -> str:
    return link.split("#t=", 1)[1]


ORIGIN = {"Origin": "http://testserver"}


async def kiosk_key() -> str:
    """A new kiosk in 西湖区 (its device key)."""
    from identity.staff import create_device
    from models.org import Unit

    _, key = await create_device("西湖区行政服务中心 1 号机", await Unit.get(code="HZ-XH"))
    return key


async def paired(client: httpx.AsyncClient) -> str:
    key = await kiosk_key()
    r = await client.post("/kiosk/pair", data={"key": key}, headers=ORIGIN)
    assert r.status_code == 303, r.text
    return key


async def proven_phone(client: httpx.AsyncClient, phone: str = PHONE) -> str:
    """The kiosk's proof of ``phone`` (an SMS code sent and checked)."""
    r = await client.post("/kiosk/sms-code", json={"phone": phone}, headers=ORIGIN)
    assert r.status_code == 202, r.text
    code = (await last_sms_text(phone))["code"]
    r = await client.post("/kiosk/verify-phone", json={"phone": phone, "code": code},
                          headers=ORIGIN)
    assert r.status_code == 200, r.text
    return str(r.json()["proof"])


async def h5_login(client: httpx.AsyncClient, phone: str = PHONE) -> str:
    """Sign in on /h5/ by SMS code; returns the session's form token (read from home)."""
    import re

    r = await client.post("/h5/login/code", json={"phone": phone}, headers=ORIGIN)
    assert r.status_code == 202, r.text
    code = (await last_sms_text(phone))["code"]
    r = await client.post("/h5/login", data={"phone": phone, "code": code, "next": "/h5/"},
                          headers=ORIGIN)
    assert r.status_code == 303, r.text
    home = await client.get("/h5/")
    assert home.status_code == 200, home.text
    found = re.search(r'data-csrf="([^"]+)"', home.text)
    assert found
    return found.group(1)
