"""An immediate answer may cite a published knowledge item: validated, on the timeline, and
linked in the citizen's message."""

from __future__ import annotations

import json

import httpx

from hotline.crypto import decrypt
from models.case import Case, CaseEvent
from models.knowledge import KbItem
from models.outbox import OutboxMessage
from tests.conftest import bearer, login_citizen, login_staff

API = "/api/v1"
QUESTION = {
    "kind": "consultation",
    "category_code": "GENERAL-POLICY",
    "content": "孩子在杭州上学，需要办居住证吗？",
}


async def file(client: httpx.AsyncClient) -> tuple[str, dict[str, str]]:
    citizen = bearer((await login_citizen(client, "13800138000"))["access_token"])
    r = await client.post(f"{API}/cases", json=QUESTION, headers=citizen)
    assert r.status_code == 201, r.text
    return r.json()["tracking_no"], citizen


async def answer(client: httpx.AsyncClient, no: str, body: dict) -> httpx.Response:
    operator = bearer(await login_staff(client, "operator"))
    return await client.post(f"{API}/staff/cases/{no}/answer", json=body, headers=operator)


async def test_an_answer_citing_an_item_shows_it_and_links_it(client) -> None:
    no, citizen = await file(client)
    editor = bearer(await login_staff(client, "kb_editor"))  # an item of its own
    r = await client.post(f"{API}/admin/kb/items", headers=editor,
                          json={"kind": "service", "title": "居住证申领（答复引用测试）"})
    assert r.status_code == 201, r.text
    item = await KbItem.get(id=r.json()["id"])
    r = await answer(client, no, {"content": "需要，请参阅居住证申领指南。", "kb_item_id": item.id})
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "answered"
    url = f"/kb/items/{item.id}"
    step = next(e for e in r.json()["timeline"] if e["action"] == "answer")
    assert step["kb_item"]["id"] == item.id and step["kb_item"]["title"] == item.title
    assert step["kb_item"]["url"].endswith(url)
    assert all(e["kb_item"] is None for e in r.json()["timeline"] if e["action"] != "answer")
    # the citizen sees it too
    mine = (await client.get(f"{API}/cases/{no}", headers=citizen)).json()
    assert next(e for e in mine["timeline"] if e["action"] == "answer")["kb_item"]["id"] == item.id
    case = await Case.get(tracking_no=no)
    event = await CaseEvent.get(case_id=case.id, action="answer")
    assert event.data == {"kb_item_id": item.id, "kb_item_title": item.title}
    msg = await OutboxMessage.get(case_id=case.id, template="case_answered_kb")
    params = json.loads(decrypt(msg.params_enc) or "{}")
    assert params["kb_url"].endswith(url) and params["kb_title"] == item.title
    assert not await OutboxMessage.exists(case_id=case.id, template="case_answered")


async def test_an_answer_without_an_item_is_as_before(client) -> None:
    no, _ = await file(client)
    r = await answer(client, no, {"content": "需要，请到居住地派出所办理。"})
    assert r.status_code == 200, r.text
    case = await Case.get(tracking_no=no)
    assert await OutboxMessage.exists(case_id=case.id, template="case_answered")
    assert (await CaseEvent.get(case_id=case.id, action="answer")).data == {}


async def test_an_unknown_or_unpublished_item_is_422_and_changes_nothing(client) -> None:
    no, _ = await file(client)
    editor = bearer(await login_staff(client, "kb_editor"))
    r = await client.post(f"{API}/admin/kb/items", headers=editor,
                          json={"kind": "faq", "title": "尚未发布的问答", "draft": True})
    draft_id = r.json()["id"]
    for item_id, code in ((2_000_000_000, "unknown_kb_item"), (draft_id, "kb_item_not_published")):
        r = await answer(client, no, {"content": "请参阅指南。", "kb_item_id": item_id})
        assert r.status_code == 422, r.text
        assert r.headers["content-type"] == "application/problem+json"
        assert r.json()["code"] == code
        assert r.json()["errors"][0]["loc"] == ["body", "kb_item_id"]
    for bad in ("12", 0, -1, 1.5):
        r = await answer(client, no, {"content": "请参阅指南。", "kb_item_id": bad})
        assert r.status_code == 422, r.text
    assert (await Case.get(tracking_no=no)).status == "submitted"
