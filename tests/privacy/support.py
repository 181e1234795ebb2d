"""A citizen with everything the platform can hold about a person, built over HTTP.

The real name is recorded at the counter (``POST /staff/citizens/real-name``) as an operator
does it. ``bind_wechat_for_test`` stands for a mini-program sign-in binding the account.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import httpx

from hotline.crypto import encrypt
from models.citizen import Citizen
from models.org import Unit
from notify.worker import Worker
from tests.conftest import COMPLAINT, bearer, login_citizen, login_staff
from tests.media.test_photos_api import gps_jpeg, uploaded
from tests.notify.support import quiet_off
from tests.rewards.support import WATER, Staffs, act, claim_of, handle, moved, sms_params

ADMIN = "/api/v1/admin/rewards"


async def give_real_name(client: httpx.AsyncClient, phone: str, name: str, id_number: str) -> None:
    """An operator records the citizen's ID card at the counter."""
    token = await login_staff(client, "operator")
    body = {"phone": phone, "name": name, "id_number": id_number}
    r = await client.post(
        "/api/v1/staff/citizens/real-name", json=body, headers=bearer(token)
    )
    assert r.status_code == 200, r.text


async def bind_wechat_for_test(citizen_id: int, openid: str, unionid: str) -> None:
    """Test-only stand-in for a mini-program sign-in that binds the account."""
    await Citizen.filter(id=citizen_id).update(
        openid_mini=openid, unionid=unionid, session_key_enc=encrypt(f"sk-{openid}")
    )


@dataclass
class Person:
    phone: str
    name: str
    id_number: str
    openid: str
    unionid: str
    citizen_id: int = 0
    access: str = ""
    refresh: str = ""
    open_no: str = ""  # a water report whose claim is still open
    paid_no: str = ""  # a water report whose reward was paid (and which was rated)
    complaint_no: str = ""  # a complaint with an explicit contact phone
    attached_photo: int = 0
    loose_photo: int = 0
    extra: dict[str, Any] = field(default_factory=dict)


async def deliver_all(settings: Any) -> None:
    """Send what the outbox holds (console sink), so some messages are 'sent'."""
    worker = Worker(quiet_off(settings))
    try:
        await worker.drain()
    finally:
        await worker.close()


async def person_with_history(
    client: httpx.AsyncClient, staffs: Staffs, settings: Any, *, phone: str = "13912340077",
    name: str = "欧阳静雯", id_number: str = "33010619900101123X",
) -> Person:
    """A real-name citizen with a photo report still open, a paid and rated report, a
    complaint, an unattached photo, messages (sent and pending) and a WeChat binding."""
    p = Person(phone, name, id_number, openid="o-erase-me-0001", unionid="u-erase-me-0001")
    login = await login_citizen(client, phone)
    p.citizen_id, p.access, p.refresh = (
        login["citizen"]["id"], login["access_token"], login["refresh_token"]
    )
    await give_real_name(client, phone, name, id_number)
    await bind_wechat_for_test(p.citizen_id, p.openid, p.unionid)
    auth = bearer(p.access)

    photo = await uploaded(client, auth, gps_jpeg(seed=71))
    p.attached_photo = photo["id"]
    p.loose_photo = (await uploaded(client, auth, gps_jpeg(seed=72)))["id"]
    r = await client.post("/api/v1/cases", json=WATER | {"photo_ids": [photo["id"]]}, headers=auth)
    assert r.status_code == 201, r.text
    p.open_no = r.json()["tracking_no"]

    r = await client.post("/api/v1/cases", json=moved(WATER, north_m=6000), headers=auth)
    assert r.status_code == 201, r.text
    p.paid_no = r.json()["tracking_no"]
    await handle(client, staffs, p.paid_no)
    claim = await claim_of(p.paid_no)
    r = await client.post(
        f"{ADMIN}/claims/{claim.id}/approve", json={"amount": 200},
        headers=bearer(await staffs("reward_admin")),
    )
    assert r.status_code == 200, r.text
    [pickup] = await sms_params(phone, "reward_pickup")
    r = await client.post(
        f"{ADMIN}/payouts/redeem", json={"code": pickup["code"]},
        headers=bearer(await staffs("reward_admin")),
    )
    assert r.status_code == 200, r.text
    r = await client.post(
        f"/api/v1/cases/{p.paid_no}/rating", json={"score": 5, "comment": "处理及时，河水变清了"},
        headers=auth,
    )
    assert r.status_code == 201, r.text

    await deliver_all(settings)  # everything so far is sent; what follows stays pending

    r = await client.post(
        "/api/v1/cases", json=COMPLAINT | {"contact_phone": phone}, headers=auth
    )
    assert r.status_code == 201, r.text
    p.complaint_no = r.json()["tracking_no"]
    unit = await Unit.get(code="HZ-STHJJ")
    await act(client, await staffs("dispatcher"), p.complaint_no, "dispatch",
              {"unit_id": unit.id, "procedure": "simple"})
    return p
