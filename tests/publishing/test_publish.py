"""Consent, review and publishing: who may publish what, and unpublishing at once."""

from __future__ import annotations

from typing import Any

from models.audit import AuditEntry
from publishing import queries
from tests.conftest import bearer, login_staff
from tests.publishing.helpers import ORIGINALS, file_case, publish


async def test_publisher_sees_original_beside_redacted_draft(client: Any, citizen_token: str):
    no = await file_case(client, citizen_token)
    token = await login_staff(client, "publisher")
    r = await client.get(f"/api/v1/staff/cases/{no}/publication", headers=bearer(token))
    assert r.status_code == 200, r.text
    body = r.json()
    assert "王小明" in body["original"]["content"]
    assert body["publishable"] and body["consent"]
    draft = body["draft"]
    for original in ORIGINALS:
        assert original not in draft["summary"] + draft["result"] + draft["place"], original
    assert "王某" in draft["summary"] and "李某" in draft["result"]
    assert draft["place"] == "杭州市西湖区文三路"
    assert (draft["lat"], draft["lng"]) == (30.274, 120.155)


async def test_publish_then_unpublish_takes_effect_at_once(client: Any, citizen_token: str):
    no = await file_case(client, citizen_token)
    token = await login_staff(client, "publisher")
    published = await publish(client, token, no)
    assert published["public_id"] not in no and len(published["public_id"]) == 12
    page = await queries.published_page()
    assert [p.public_id for p in page] == [published["public_id"]]
    assert page[0].status == "closed" and page[0].unit_name
    r = await client.post(f"/api/v1/staff/cases/{no}/unpublish", headers=bearer(token))
    assert r.status_code == 200 and r.json()["published"] is False
    assert await queries.published_page() == []
    assert await queries.published_one(published["public_id"]) is None
    actions = [e.action for e in await AuditEntry.filter(target=no).order_by("seq")]
    assert actions == ["case.publish", "case.unpublish"]


async def test_only_consenting_answered_cases_by_publishers(client: Any, citizen_token: str):
    token = await login_staff(client, "publisher")
    body = {"summary": "市民反映噪声问题。", "result": "已处理。"}
    refused = await file_case(client, citizen_token, public=False)
    r = await client.post(f"/api/v1/staff/cases/{refused}/publish", json=body,
                          headers=bearer(token))
    assert (r.status_code, r.json()["code"]) == (409, "not_publishable")
    open_case = await file_case(client, citizen_token, status="signed")
    r = await client.post(f"/api/v1/staff/cases/{open_case}/publish", json=body,
                          headers=bearer(token))
    assert (r.status_code, r.json()["code"]) == (409, "not_publishable")
    fine = await file_case(client, citizen_token)
    handler = await login_staff(client, "handler")
    r = await client.post(f"/api/v1/staff/cases/{fine}/publish", json=body,
                          headers=bearer(handler))
    assert r.status_code == 403
    supervisor = await login_staff(client, "supervisor")
    r = await client.post(f"/api/v1/staff/cases/{fine}/publish", json=body,
                          headers=bearer(supervisor))
    assert r.status_code == 200, r.text


async def test_texts_with_personal_data_are_refused(client: Any, citizen_token: str):
    no = await file_case(client, citizen_token)
    token = await login_staff(client, "publisher")
    body = {"summary": "王小明反映车辆占道，电话13912345678。", "result": "已处理。"}
    r = await client.post(f"/api/v1/staff/cases/{no}/publish", json=body, headers=bearer(token))
    assert (r.status_code, r.json()["code"]) == (422, "personal_data_in_text")
    assert await queries.published_page() == []


async def test_citizen_gives_consent_later_and_withdrawing_unpublishes(
    client: Any, citizen_token: str
):
    no = await file_case(client, citizen_token, public=False)
    r = await client.patch(f"/api/v1/cases/{no}", json={"public": True},
                           headers=bearer(citizen_token))
    assert r.status_code == 200 and r.json()["public"] is True
    token = await login_staff(client, "publisher")
    await publish(client, token, no)
    assert len(await queries.published_page()) == 1
    r = await client.patch(f"/api/v1/cases/{no}", json={"public": False},
                           headers=bearer(citizen_token))
    assert r.status_code == 200 and r.json()["public"] is False
    assert await queries.published_page() == []


async def test_an_administrator_assigns_the_publisher_role(
    client: Any, citizen_token: str, fresh_org: None
):
    from launch.seed import DEMO_PASSWORD
    from models.org import Unit

    admin = await login_staff(client, "admin")
    root = await Unit.get(parent_id=None)
    body = {"username": "pub2", "password": DEMO_PASSWORD, "roles": ["handler"],
            "unit_id": root.id}
    r = await client.post("/api/v1/admin/staff", json=body, headers=bearer(admin))
    assert r.status_code == 201, r.text
    no = await file_case(client, citizen_token)
    token = await login_staff(client, "pub2", fresh=True)
    path = f"/api/v1/staff/cases/{no}/publication"
    assert (await client.get(path, headers=bearer(token))).status_code == 403
    r = await client.patch(f"/api/v1/admin/staff/{r.json()['id']}",
                           json={"roles": ["handler", "publisher"]}, headers=bearer(admin))
    assert r.status_code == 200, r.text
    token = await login_staff(client, "pub2", fresh=True)
    assert (await client.get(path, headers=bearer(token))).status_code == 200
