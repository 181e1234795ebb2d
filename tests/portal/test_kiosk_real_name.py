"""The kiosk's optional real-name step: after the phone is proven by its SMS code, the card as
the ID-card reader typed it binds a verified identity (method ``kiosk``, this device); the
reply carries the masked name and number only, nothing of them is logged, and without a
reader (the default) there is no such step."""

from __future__ import annotations

import logging

import pytest

from hotline import settings as settings_mod
from models.citizen import Citizen, RealNameVerification
from models.org import Device
from tests.identity.ids import id_number
from tests.portal.helpers import ORIGIN, PHONE, paired, proven_phone

NAME, NUMBER = "王小明", id_number("330106", "19800512", "031")


@pytest.fixture
def reader():
    s = settings_mod.current()
    s.kiosk_id_reader = "keyboard"
    yield s
    s.kiosk_id_reader = "off"


async def test_without_a_reader_there_is_no_step(client) -> None:
    await paired(client)
    page = await client.get("/kiosk/file")
    assert "刷身份证实名" not in page.text and "共 5 步" in page.text
    r = await client.post("/kiosk/real-name", json={"proof": "x", "name": NAME,
                                                    "id_number": NUMBER}, headers=ORIGIN)
    assert r.status_code == 404


async def test_the_card_binds_the_proven_phone_and_shows_masked(client, reader, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    key = await paired(client)
    page = await client.get("/kiosk/file")
    assert "刷身份证实名" in page.text and "共 6 步" in page.text
    proof = await proven_phone(client)
    r = await client.post("/kiosk/real-name", json={"proof": proof, "name": NAME,
                                                    "id_number": NUMBER}, headers=ORIGIN)
    assert r.status_code == 200, r.text
    assert r.json() == {"name_masked": "王*明", "id_number_masked": "330106********" + NUMBER[-4:]}
    citizen = await Citizen.get(id=(await Citizen.all().order_by("-id").first()).id)
    assert citizen.real_name_verified and citizen.real_name_method == "kiosk"
    [check] = await RealNameVerification.filter(citizen_id=citizen.id)
    device = await Device.get(id=check.device_id)
    assert check.method == "kiosk" and device.name.startswith("西湖区")
    logged = "\n".join(rec.getMessage() + str(vars(rec)) for rec in caplog.records)
    for secret in (NAME, NUMBER, key):
        assert secret not in logged


async def test_a_misread_card_or_a_stale_proof_is_refused(client, reader) -> None:
    await paired(client)
    proof = await proven_phone(client, "13800138041")
    misread = await client.post("/kiosk/real-name", json={
        "proof": proof, "name": NAME, "id_number": NUMBER[:-1] + "0" if NUMBER[-1] != "0"
        else NUMBER[:-1] + "1"}, headers=ORIGIN)
    assert misread.status_code == 422 and "请重新放置身份证" in misread.json()["message"]
    stale = await client.post("/kiosk/real-name", json={
        "proof": proof[:-2] + "xx", "name": NAME, "id_number": NUMBER}, headers=ORIGIN)
    assert stale.status_code == 401 and "重新获取验证码" in stale.json()["message"]
    cross = await client.post("/kiosk/real-name", json={
        "proof": proof, "name": NAME, "id_number": NUMBER},
        headers={"Origin": "https://elsewhere.example"})
    assert cross.status_code == 403
    assert not await Citizen.filter(real_name_verified=True).exists()


async def test_a_number_bound_to_another_account_is_refused(client, reader) -> None:
    await paired(client)
    first = await proven_phone(client, PHONE)
    r = await client.post("/kiosk/real-name", json={"proof": first, "name": NAME,
                                                    "id_number": NUMBER}, headers=ORIGIN)
    assert r.status_code == 200
    other = await proven_phone(client, "13800138042")
    r = await client.post("/kiosk/real-name", json={"proof": other, "name": NAME,
                                                    "id_number": NUMBER}, headers=ORIGIN)
    assert r.status_code == 409 and r.json()["message"] == "该身份证号码已绑定其他账号"
