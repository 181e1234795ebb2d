"""The knowledge base over HTTP: public search and reading, editing by admin and kb_editor."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from models.audit import AuditEntry
from tests.conftest import bearer, login_staff

API = "/api/v1"


def word() -> str:
    """A word no other item holds (the knowledge base is not cleaned between tests)."""
    return "kb" + uuid.uuid4().hex[:10]


async def editor(client: httpx.AsyncClient, username: str = "kb_editor") -> dict[str, str]:
    return bearer(await login_staff(client, username))


async def create(client: httpx.AsyncClient, headers: dict[str, str], **fields: Any) -> dict:
    body = {"kind": "service", "title": "测试条目", "body": "测试用的正文。"} | fields
    r = await client.post(f"{API}/admin/kb/items", json=body, headers=headers)
    assert r.status_code == 201, r.text
    return dict(r.json())


async def found(client: httpx.AsyncClient, q: str, **params: Any) -> list[int]:
    r = await client.get(f"{API}/kb/search", params={"q": q} | params)
    assert r.status_code == 200, r.text
    return [hit["id"] for hit in r.json()["items"]]


async def test_a_published_item_is_found_and_read_by_anyone(client: httpx.AsyncClient) -> None:
    w = word()
    item = await create(client, await editor(client), title=f"{w} 测试条目",
                        materials=["居民身份证"], fee="不收费")
    assert item["state"] == "published" and item["version"] == 1
    assert await found(client, w) == [item["id"]]
    r = await client.get(f"{API}/kb/items/{item['id']}")
    assert r.status_code == 200
    assert r.json()["materials"] == ["居民身份证"] and r.json()["fee"] == "不收费"
    entry = await AuditEntry.get(action="kb_item.create", target=f"kb_item:{item['id']}")
    assert entry.actor == "kb_editor" and entry.scope_path == "/1/"


async def test_drafts_are_neither_found_nor_public_until_published(
    client: httpx.AsyncClient,
) -> None:
    h, w = await editor(client), word()
    item = await create(client, h, title=w, draft=True)
    assert item["state"] == "draft"
    assert await found(client, w) == []
    assert (await client.get(f"{API}/kb/items/{item['id']}")).status_code == 404
    r = await client.post(f"{API}/admin/kb/items/{item['id']}/publish", headers=h)
    assert r.json()["state"] == "published"
    assert await found(client, w) == [item["id"]]
    r = await client.post(f"{API}/admin/kb/items/{item['id']}/unpublish", headers=h)
    assert r.json()["state"] == "draft"
    assert await found(client, w) == []
    assert (await client.get(f"{API}/kb/items/{item['id']}")).status_code == 404


async def test_an_edit_is_searchable_at_once_and_every_version_is_kept(
    client: httpx.AsyncClient,
) -> None:
    h, old, new = await editor(client), word(), word()
    item = await create(client, h, title=old)
    r = await client.patch(f"{API}/admin/kb/items/{item['id']}", json={"title": new}, headers=h)
    assert r.status_code == 200 and r.json()["version"] == 2
    assert await found(client, old) == []
    assert await found(client, new) == [item["id"]]
    r = await client.delete(f"{API}/admin/kb/items/{item['id']}", headers=h)
    assert r.status_code == 204
    assert await found(client, new) == []
    r = await client.get(f"{API}/admin/kb/items/{item['id']}/versions", headers=h)
    assert [(v["version"], v["action"], v["state"]) for v in r.json()["items"]] == [
        (3, "archive", "archived"), (2, "update", "published"), (1, "create", "published")]
    assert r.json()["items"][2]["data"]["title"] == old
    r = await client.get(f"{API}/admin/kb/items", params={"q": new, "state": "archived"},
                         headers=h)
    assert [i["id"] for i in r.json()["items"]] == [item["id"]]
    actions = await AuditEntry.filter(target=f"kb_item:{item['id']}").order_by("seq") \
        .values_list("action", flat=True)
    assert actions == ["kb_item.create", "kb_item.update", "kb_item.archive"]


@pytest.mark.parametrize("username", ["operator", "handler", "supervisor", "reward_admin"])
async def test_only_admin_and_kb_editor_edit(client: httpx.AsyncClient, username: str) -> None:
    h = await editor(client, username)
    r = await client.post(f"{API}/admin/kb/items", json={"kind": "faq", "title": "x"}, headers=h)
    assert r.status_code == 403
    assert (await client.get(f"{API}/admin/kb/items", headers=h)).status_code == 403
    assert (await client.get(f"{API}/admin/kb/synonyms", headers=h)).status_code == 403
    assert (await client.get(f"{API}/admin/kb/items")).status_code == 401


async def test_an_administrator_edits_too(client: httpx.AsyncClient) -> None:
    item = await create(client, await editor(client, "admin"), kind="faq", title=word())
    assert item["updated_by"] == "admin"


async def test_snippets_escape_the_text_and_mark_the_matches(client: httpx.AsyncClient) -> None:
    w = word()
    await create(client, await editor(client), title="网页代码",
                 body=f"正文里的 <script>alert(1)</script> & {w} 原样显示")
    r = await client.get(f"{API}/kb/search", params={"q": w})
    snippet = r.json()["items"][0]["snippet"]
    assert "<script>" not in snippet
    assert "alert(1)&lt;/script&gt; &amp; " in snippet
    assert f"<mark>{w}</mark>" in snippet


async def test_an_editors_synonym_group_works_at_once(client: httpx.AsyncClient) -> None:
    h, a, b = await editor(client), word(), word()
    item = await create(client, h, title=f"{a} 办理指南")
    assert await found(client, b) == []
    r = await client.post(f"{API}/admin/kb/synonyms", json={"terms": [a, b]}, headers=h)
    assert r.status_code == 201, r.text
    assert await found(client, b) == [item["id"]]
    listed = (await client.get(f"{API}/admin/kb/synonyms", headers=h)).json()["items"]
    assert ["公积金", "住房公积金"] in [g["terms"] for g in listed if g["builtin"]]
    r = await client.delete(f"{API}/admin/kb/synonyms/{r.json()['id']}", headers=h)
    assert r.status_code == 204
    assert await found(client, b) == []
    r = await client.post(f"{API}/admin/kb/synonyms", json={"terms": [a, a.upper()]}, headers=h)
    assert r.status_code == 422 and r.json()["code"] == "too_few_terms"


@pytest.mark.parametrize("q", [
    "", "证", "？？！！。。。", "!!!", "   ", "居" * 2000, "我想问一下孩子上学需要办居住证吗",
    "'; DROP TABLE kb_item; --", '"unbalanced', "a OR b NOT c AND", "*", "NEAR(a b)",
    "\\'|&!<->:*", "😀😀", "ǅ\u0301", "\x00\x01", "1" * 300,
])
async def test_whatever_people_type_is_a_query(client: httpx.AsyncClient, q: str) -> None:
    r = await client.get(f"{API}/kb/search", params={"q": q})
    assert r.status_code == 200, r.text
    assert isinstance(r.json()["items"], list)


async def test_kind_filters_the_results(client: httpx.AsyncClient) -> None:
    h, w = await editor(client), word()
    faq = await create(client, h, kind="faq", title=w)
    service = await create(client, h, kind="service", title=w)
    assert set(await found(client, w)) == {faq["id"], service["id"]}
    assert await found(client, w, kind="faq") == [faq["id"]]
