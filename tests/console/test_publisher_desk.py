"""The publisher's desk: the queue, the original beside the draft, publishing and unpublishing."""

from __future__ import annotations

from typing import Any

from publishing import queries
from tests.console.helpers import ORIGIN, signed_in
from tests.publishing.helpers import file_case


async def test_publisher_reviews_publishes_and_unpublishes(client: Any, citizen_token: str):
    no = await file_case(client, citizen_token)
    token = await signed_in(client, "publisher")
    page = await client.get("/console/publisher")
    assert page.status_code == 200 and no in page.text
    review = await client.get(f"/console/publisher/{no}")
    assert review.status_code == 200
    assert "王小明" in review.text and "我叫王某" in review.text  # original beside the draft
    r = await client.post(f"/console/publisher/{no}/publish", headers=ORIGIN, data={
        "csrf_token": token, "summary": "王小明反映车辆占道", "result": "已处理"})
    assert r.status_code == 422 and "仍含个人信息" in r.text
    assert await queries.published_page() == []
    r = await client.post(f"/console/publisher/{no}/publish", headers=ORIGIN, data={
        "csrf_token": token, "summary": "市民反映车辆占用消防通道。", "result": "已劝离。"})
    assert r.status_code == 303, r.text
    assert [p.summary for p in await queries.published_page()] == ["市民反映车辆占用消防通道。"]
    assert no in (await client.get("/console/publisher?tab=published")).text
    r = await client.post(f"/console/publisher/{no}/unpublish", headers=ORIGIN,
                          data={"csrf_token": token})
    assert r.status_code == 303 and await queries.published_page() == []


async def test_other_roles_do_not_see_the_desk(client: Any, citizen_token: str):
    await signed_in(client, "handler")
    r = await client.get("/console/publisher")
    assert r.status_code in (403, 404)
