"""The administrator's desk in-process: staff (deactivation ends console sessions at once,
phones masked, CSV), units, kiosks, categories (root only), rules, calendar, knowledge items,
the audit log; a handler gets the 403 page."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from models.knowledge import KbItem
from models.org import Staff, Unit
from tests.console.helpers import ORIGIN, signed_in

DESK = "/console/admin"


@pytest.fixture
async def other_client(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, client=("203.0.113.9", 50002))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c


async def test_deactivating_a_handler_ends_its_console_session(
    client: httpx.AsyncClient, other_client: httpx.AsyncClient, fresh_org: None
) -> None:
    await signed_in(other_client, "handler")
    token = await signed_in(client, "admin")
    handler = await Staff.get(username="handler")
    forged = await client.post(f"{DESK}/staff/{handler.id}/active", headers=ORIGIN,
                               data={"active": "0", "csrf_token": token[::-1]})
    assert forged.status_code == 403 and (await Staff.get(id=handler.id)).active
    page = await client.get(f"{DESK}/staff", params={"q": "handler"})
    assert 'id="staff-handler"' in page.text
    r = await client.post(f"{DESK}/staff/{handler.id}/active", headers=ORIGIN, data={
        "active": "0", "csrf_token": token, "back": f"{DESK}/staff?q=handler"})
    assert r.status_code == 303
    assert r.headers["location"] == f"{DESK}/staff?q=handler&done=staff_off"
    after = await other_client.get("/console/", follow_redirects=False)
    assert after.status_code == 303 and "login" in after.headers["location"]
    assert not (await Staff.get(id=handler.id)).active
    # back to its list, never to another site
    r = await client.post(f"{DESK}/staff/{handler.id}/active", headers=ORIGIN, data={
        "active": "1", "csrf_token": token, "back": "//evil.example/console/admin/"})
    assert r.headers["location"] == f"{DESK}/staff?done=staff_updated"


async def test_create_staff_masked_phone_and_csv(
    client: httpx.AsyncClient, fresh_org: None
) -> None:
    token = await signed_in(client, "admin")
    unit = await Unit.get(code="HZ-STHJJ")
    r = await client.post(f"{DESK}/staff", headers=ORIGIN, data={
        "username": "clerk_w", "display_name": "王五", "password": "Str0ng-pass-2026",
        "roles": ["handler", "operator"], "unit_id": str(unit.id), "phone": "13912345678",
        "csrf_token": token})
    assert r.status_code == 303, r.text
    page = await client.get(f"{DESK}/staff", params={"q": "clerk_w"})
    assert "139****5678" in page.text and "13912345678" not in page.text
    csv = await client.get(f"{DESK}/staff.csv", params={"q": "clerk_w"})
    assert "clerk_w" in csv.text and "139****5678" in csv.text and "13912345678" not in csv.text
    weak = await client.post(f"{DESK}/staff", headers=ORIGIN, data={
        "username": "clerk_x", "password": "short", "roles": ["handler"],
        "unit_id": str(unit.id), "csrf_token": token})
    assert weak.status_code == 422 and "密码" in weak.text


async def test_units_kiosks_rules(client: httpx.AsyncClient, fresh_org: None) -> None:
    token = await signed_in(client, "admin")
    parent = await Unit.get(code="HZ-XH")
    r = await client.post(f"{DESK}/units", headers=ORIGIN, data={
        "code": "HZ-XH-TEST", "name": "西湖区测试局", "region_code": "330106",
        "parent_id": str(parent.id), "kind": "department", "csrf_token": token})
    assert r.status_code == 303, r.text
    unit = await Unit.get(code="HZ-XH-TEST")
    r = await client.post(f"{DESK}/kiosks", headers=ORIGIN, data={
        "name": "测试终端", "unit_id": str(unit.id), "csrf_token": token})
    assert r.status_code == 200 and "只显示这一次" in r.text
    assert (await client.get(f"{DESK}/kiosks")).text.count("只显示这一次") == 0
    r = await client.post(f"{DESK}/rules", headers=ORIGIN, data={
        "category_code": "ENV-AIR", "region_code": "330106", "unit_id": str(unit.id),
        "csrf_token": token})
    assert r.status_code == 303
    rules = await client.get(f"{DESK}/rules", params={"category_code": "ENV-AIR"})
    assert "西湖区测试局" in rules.text
    r = await client.post(f"{DESK}/rules", headers=ORIGIN, data={
        "category_code": "ENV-AIR", "region_code": "330106", "unit_id": str(unit.id),
        "csrf_token": token})
    assert r.status_code == 409


async def test_categories_and_the_calendar_are_the_root_admins(
    client: httpx.AsyncClient, other_client: httpx.AsyncClient, fresh_org: None
) -> None:
    token = await signed_in(client, "admin")
    r = await client.post(f"{DESK}/categories", headers=ORIGIN, data={
        "code": "ENV-SOIL", "name": "土壤污染", "kinds": ["report", "complaint"],
        "parent_code": "ENV", "csrf_token": token})
    assert r.status_code == 303, r.text
    r = await client.post(f"{DESK}/calendar/2031", headers=ORIGIN, data={
        "days": "2031-01-01 休 元旦\n2031-01-26 班 春节调休", "csrf_token": token})
    assert r.status_code == 200 and "已导入 2031 年" in r.text
    bad = await client.post(f"{DESK}/calendar/2031", headers=ORIGIN, data={
        "days": "2031-01-01 元旦", "csrf_token": token})
    assert bad.status_code == 422 and "第 1 行" in bad.text
    city = await signed_in(other_client, "admin_hz")
    r = await other_client.post(f"{DESK}/categories", headers=ORIGIN, data={
        "code": "ENV-X", "name": "x", "kinds": ["report"], "csrf_token": city})
    assert r.status_code == 403
    page = await other_client.get(f"{DESK}/categories")
    assert "仅省级平台的管理员可以修改" in page.text


async def test_knowledge_items_draft_publish_unpublish(client: httpx.AsyncClient) -> None:
    token = await signed_in(client, "admin")
    r = await client.post(f"{DESK}/kb", headers=ORIGIN, data={
        "kind": "faq", "title": "居住证如何办理<测试>", "body": "携带身份证到派出所。",
        "csrf_token": token})
    assert r.status_code == 303
    item = await KbItem.get(title="居住证如何办理<测试>")
    assert item.state == "draft"
    page = await client.get(f"{DESK}/kb", params={"q": "居住证如何办理"})
    assert "居住证如何办理&lt;测试&gt;" in page.text
    await client.post(f"{DESK}/kb/{item.id}/publish", headers=ORIGIN, data={"csrf_token": token})
    assert (await KbItem.get(id=item.id)).state == "published"
    await client.post(f"{DESK}/kb/{item.id}/unpublish", headers=ORIGIN,
                      data={"csrf_token": token})
    assert (await KbItem.get(id=item.id)).state == "draft"
    await item.delete()


async def test_the_audit_log_and_its_csv(client: httpx.AsyncClient) -> None:
    await signed_in(client, "admin")
    page = await client.get(f"{DESK}/audit", params={"action": "staff."})
    assert page.status_code == 200 and "staff.login" in page.text
    csv = await client.get(f"{DESK}/audit.csv", params={"action": "staff."})
    assert csv.status_code == 200 and "staff.login" in csv.text
    assert csv.headers["cache-control"] == "no-store"
    bad = await client.get(f"{DESK}/audit", params={"from": "2026-02-30"})
    assert bad.status_code == 422


@pytest.mark.parametrize("path", ["", "/staff", "/units", "/audit", "/calendar/2027"])
async def test_a_handler_cannot_open_the_admin_desk(client: httpx.AsyncClient, path: str) -> None:
    await signed_in(client, "handler")
    r = await client.get(f"{DESK}{path}")
    assert r.status_code == 403 and "无权" in r.text
