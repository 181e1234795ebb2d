"""Answers before filing: the knowledge base's items and similar cases for a draft
(``POST /cases/precheck``), deflections counted once (``POST /kb/deflections``), a filing
after a precheck, and the statistics that show them."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from identity.staff import create_device
from models.knowledge import KbItem, KbPrecheck
from models.org import Unit
from tests.conftest import COMPLAINT, bearer, login_citizen, login_staff

API = "/api/v1"
QUESTION = {
    "kind": "consultation",
    "category_code": "GENERAL-POLICY",
    "content": "我想问一下孩子上学需要办居住证吗，要带什么材料？",
}


@pytest.fixture
async def citizen(client: httpx.AsyncClient) -> dict[str, str]:
    return bearer((await login_citizen(client, "13800138000"))["access_token"])


@pytest.fixture
async def other(client: httpx.AsyncClient) -> dict[str, str]:
    return bearer((await login_citizen(client, "13700137000"))["access_token"])


@pytest.fixture
async def kiosk() -> dict[str, str]:
    _, key = await create_device("西湖区行政服务中心 2 号机", await Unit.get(code="HZ-XH"))
    return {"X-Device-Key": key}


async def precheck(client: httpx.AsyncClient, headers: dict[str, str],
                   body: dict[str, Any] = QUESTION) -> dict[str, Any]:
    r = await client.post(f"{API}/cases/precheck", json=body, headers=headers)
    assert r.status_code == 200, r.text
    return dict(r.json())


async def deflect(client: httpx.AsyncClient, headers: dict[str, str], precheck_id: str,
                  kb_item_id: int) -> httpx.Response:
    return await client.post(f"{API}/kb/deflections", headers=headers,
                             json={"precheck_id": precheck_id, "kb_item_id": kb_item_id})


async def knowledge_stats(client: httpx.AsyncClient, **params: Any) -> dict[str, Any]:
    token = await login_staff(client, "supervisor")
    r = await client.get(f"{API}/staff/stats", params=params, headers=bearer(token))
    assert r.status_code == 200, r.text
    return dict(r.json()["knowledge"])


async def test_a_consultation_gets_the_knowledge_base_first(client, citizen) -> None:
    # an item of its own: the knowledge base is not cleaned between tests
    w = "kb" + uuid.uuid4().hex[:10]
    editor = bearer(await login_staff(client, "kb_editor"))
    item = {"kind": "faq", "title": f"{w} 孩子上学要不要居住证",
            "body": f"{w} 随迁子女入学需要居住证。"}
    r = await client.post(f"{API}/admin/kb/items", headers=editor, json=item)
    assert r.status_code == 201, r.text
    permit = await KbItem.get(id=r.json()["id"])
    reply = await precheck(client, citizen, QUESTION | {"title": w})
    assert reply["kb"] and len(reply["kb"]) <= 3
    assert permit.id in [hit["id"] for hit in reply["kb"]]
    hit = next(h for h in reply["kb"] if h["id"] == permit.id)
    assert hit["title"] == permit.title and "<mark>" in hit["snippet"]
    assert hit["url"].endswith(f"/kb/items/{permit.id}")
    assert set(hit) == {"id", "kind", "title", "snippet", "score", "department", "url"}
    assert reply["similar"] == [] and len(reply["precheck_id"]) >= 16
    row = await KbPrecheck.get(token=reply["precheck_id"])
    assert permit.id in row.kb_item_ids and row.kind == "consultation"
    assert row.channel == "app" and row.case_id is None and row.deflected_at is None


async def test_other_kinds_get_similar_cases_but_no_knowledge_items(client, citizen, other):
    r = await client.post(f"{API}/cases", json=COMPLAINT, headers=citizen)
    assert r.status_code == 201, r.text
    draft = COMPLAINT | {"content": "文三路工地晚上施工噪音太大，吵得睡不着。"}
    reply = await precheck(client, other, draft)
    assert reply["kb"] == []
    assert [s["tracking_no"] for s in reply["similar"]] == [r.json()["tracking_no"]]
    assert "contact" not in reply["similar"][0]


async def test_a_deflection_counts_once_per_precheck(client, citizen, other) -> None:
    before = await knowledge_stats(client)
    reply = await precheck(client, citizen)
    first, second = reply["kb"][0]["id"], reply["kb"][-1]["id"]
    r = await deflect(client, citizen, reply["precheck_id"], first)
    assert r.status_code == 201, r.text
    assert r.json()["kb_item_id"] == first and r.json()["deflected"] is True
    again = await deflect(client, citizen, reply["precheck_id"], first)
    assert again.status_code == 201 and again.json() == r.json()
    later = await deflect(client, citizen, reply["precheck_id"], second)
    assert later.status_code == 201 and later.json()["kb_item_id"] == first
    # someone else's precheck is unknown to them, an unknown one too
    assert (await deflect(client, other, reply["precheck_id"], first)).status_code == 404
    missing = await deflect(client, citizen, "no-such-precheck", first)
    assert missing.status_code == 404 and missing.json()["code"] == "precheck_not_found"
    after = await knowledge_stats(client)
    assert after["prechecks"] == before["prechecks"] + 1
    assert after["deflected"] == before["deflected"] + 1
    assert after["offered"] == before["offered"] + 1
    assert after["deflection_rate"] == round(after["deflected"] / after["prechecks"], 4)


async def test_a_deflection_names_a_published_item(client, citizen) -> None:
    reply = await precheck(client, citizen)
    r = await deflect(client, citizen, reply["precheck_id"], 2_000_000_000)
    assert r.status_code == 422 and r.json()["code"] == "unknown_kb_item"
    assert r.json()["errors"][0]["loc"] == ["body", "kb_item_id"]
    r = await client.post(f"{API}/kb/deflections", headers=citizen,
                          json={"precheck_id": reply["precheck_id"], "kb_item_id": "x"})
    assert r.status_code == 422
    assert (await KbPrecheck.get(token=reply["precheck_id"])).deflected_at is None


async def test_filing_anyway_is_counted_and_ends_the_deflection(client, citizen) -> None:
    before = await knowledge_stats(client)
    reply = await precheck(client, citizen)
    body = QUESTION | {"precheck_id": reply["precheck_id"]}
    r = await client.post(f"{API}/cases", json=body, headers=citizen)
    assert r.status_code == 201, r.text
    row = await KbPrecheck.get(token=reply["precheck_id"])
    assert row.case_id == r.json()["id"] and row.filed_at is not None
    late = await deflect(client, citizen, reply["precheck_id"], reply["kb"][0]["id"])
    assert late.status_code == 409 and late.json()["code"] == "already_filed"
    # a deflection followed by a filing with the same precheck counts as filed, not deflected
    second = await precheck(client, citizen)
    r = await deflect(client, citizen, second["precheck_id"], second["kb"][0]["id"])
    assert r.status_code == 201
    r = await client.post(f"{API}/cases", json=QUESTION | {"precheck_id": second["precheck_id"]},
                          headers=citizen)
    assert r.status_code == 201, r.text
    after = await knowledge_stats(client)
    assert after["prechecks"] == before["prechecks"] + 2
    assert after["filed"] == before["filed"] + 2
    assert after["deflected"] == before["deflected"]


async def test_an_unknown_precheck_id_does_not_stop_a_filing(client, citizen, other) -> None:
    theirs = await precheck(client, other)
    for pid in ("never-issued", theirs["precheck_id"]):
        r = await client.post(f"{API}/cases", json=QUESTION | {"precheck_id": pid},
                              headers=citizen)
        assert r.status_code == 201, r.text
    assert (await KbPrecheck.get(token=theirs["precheck_id"])).case_id is None


async def test_the_precheck_link_is_not_part_of_an_idempotent_body(client, citizen) -> None:
    reply = await precheck(client, citizen)
    key = {"Idempotency-Key": "precheck-retry-1"}
    first = await client.post(f"{API}/cases", json=QUESTION, headers=citizen | key)
    again = await client.post(f"{API}/cases", json=QUESTION | {"precheck_id": reply["precheck_id"]},
                              headers=citizen | key)
    assert first.status_code == again.status_code == 201
    assert again.json()["tracking_no"] == first.json()["tracking_no"]


async def test_a_kiosk_prechecks_in_its_units_scope(client, kiosk) -> None:
    hz_xh = await Unit.get(code="HZ-XH")
    before = await knowledge_stats(client, unit_id=hz_xh.id)
    reply = await precheck(client, kiosk)
    assert reply["kb"]
    row = await KbPrecheck.get(token=reply["precheck_id"])
    assert row.channel == "kiosk" and row.unit_path == hz_xh.path
    r = await deflect(client, kiosk, reply["precheck_id"], reply["kb"][0]["id"])
    assert r.status_code == 201
    after = await knowledge_stats(client, unit_id=hz_xh.id)
    assert after["prechecks"] == before["prechecks"] + 1
    assert after["deflected"] == before["deflected"] + 1


async def test_a_citizens_precheck_is_outside_a_units_scope(client, citizen) -> None:
    hz = await Unit.get(code="HZ12345")
    before = await knowledge_stats(client, unit_id=hz.id)
    await precheck(client, citizen)
    assert await knowledge_stats(client, unit_id=hz.id) == before


async def test_who_may_precheck(client) -> None:
    r = await client.post(f"{API}/cases/precheck", json=QUESTION)
    assert r.status_code == 401
    staff = bearer(await login_staff(client, "operator"))
    r = await client.post(f"{API}/cases/precheck", json=QUESTION, headers=staff)
    assert r.status_code == 403 and r.headers["content-type"] == "application/problem+json"
    r = await client.post(f"{API}/kb/deflections", json={"precheck_id": "x", "kb_item_id": 1})
    assert r.status_code == 401


@pytest.mark.parametrize(("change", "code", "field"), [
    ({"category_code": "NO-SUCH"}, "unknown_category", "category_code"),
    ({"category_code": "GENERAL-PRAISE"}, "kind_not_accepted", "kind"),
    ({"kind": "gossip"}, "validation_error", "kind"),
    ({"content": ""}, "validation_error", "content"),
    ({"content": "a\x00b"}, "invalid_text", "content"),
    ({"location": {"lat": 95, "lng": 120}}, "validation_error", "location"),
])
async def test_bad_drafts_are_422(client, citizen, change, code, field) -> None:
    r = await client.post(f"{API}/cases/precheck", json=QUESTION | change, headers=citizen)
    assert r.status_code == 422, r.text
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["code"] == code
    assert r.json()["errors"][0]["loc"][1] == field


@pytest.mark.parametrize("content", ["？！。，", "证", "居往证怎么办", "办" * 5000])
async def test_whatever_people_type_is_answered(client, citizen, content) -> None:
    reply = await precheck(client, citizen, QUESTION | {"content": content})
    assert isinstance(reply["kb"], list) and isinstance(reply["similar"], list)
