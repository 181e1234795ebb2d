"""A request row's texts are rendered once per publishing of its case (open311.rows), while its
state and update time are read each time: a list answers from rendered rows and is still never
behind a republish, a reopening or an unpublishing, with the reply cache off."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from hotline import settings as settings_mod
from models.case import Case
from models.publishing import Publication
from tests.conftest import bearer
from tests.open311 import spec
from tests.open311.test_requests import get, world  # noqa: F401 - the published cases
from tests.publishing.helpers import publish


@pytest.fixture(autouse=True)
def no_reply_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(settings_mod.current(), "open311_reply_cache_s", 0.0)


async def test_a_republished_case_shows_its_new_texts(client, world):  # noqa: F811
    no, public_id = world["noise"]
    for fmt in ("json", "xml"):
        await get(client, fmt=fmt)  # rendered and kept
    await publish(client, world["publisher"], no, summary="市民反映夜间施工噪声扰民。")
    rows = await get(client, f"?service_request_id={public_id}")
    assert rows[0]["description"] == "市民反映夜间施工噪声扰民。"
    body = await get(client, f"?service_request_id={public_id}", fmt="xml")
    assert "市民反映夜间施工噪声扰民。" in body.decode()


async def test_state_and_update_time_are_read_each_time(client, world):  # noqa: F811
    no, public_id = world["road"]
    before = (await get(client, f"?service_request_id={public_id}"))[0]
    assert before["status"] == "closed"
    # reopened after an unsatisfied rating: the publication's flag follows (publishing.hooks)
    case = await Case.get(tracking_no=no)
    await Case.filter(id=case.id).update(updated_at=datetime(2026, 11, 30, 2, 0, tzinfo=UTC))
    await Publication.filter(case_id=case.id).update(closed=False)
    rows = await get(client, f"?service_request_id={public_id}")
    spec.check_json(spec.REQUESTS, rows)
    assert rows[0]["status"] == "open"
    assert rows[0]["updated_datetime"] == "2026-11-30T10:00:00+08:00"
    same = ("status", "updated_datetime")
    assert {k: v for k, v in rows[0].items() if k not in same} == {
        k: v for k, v in before.items() if k not in same}
    body = (await get(client, f"?service_request_id={public_id}", fmt="xml")).decode()
    assert "<status>open</status>" in body
    assert "<updated_datetime>2026-11-30T10:00:00+08:00</updated_datetime>" in body


async def test_a_text_holding_the_rows_stand_in_characters_is_rendered_whole(
        client, world):  # noqa: F811
    no, public_id = world["ningbo"]
    await publish(client, world["publisher"], no, summary="市民反映\ue000status\ue000噪声问题。")
    for fmt in ("json", "xml"):
        for _ in range(2):
            body = await get(client, f"?service_request_id={public_id}", fmt=fmt)
            text = body.decode() if fmt == "xml" else body[0]["description"]
            assert "市民反映\ue000status\ue000噪声问题。" in text
    rows = await get(client, f"?service_request_id={public_id}")
    assert rows[0]["status"] == "closed"


async def test_an_unpublished_case_leaves_the_list_at_once(client, world):  # noqa: F811
    no, public_id = world["noise"]
    assert public_id in str(await get(client))
    r = await client.post(f"/api/v1/staff/cases/{no}/unpublish", headers=bearer(
        world["publisher"]))
    assert r.status_code == 200, r.text
    assert public_id not in str(await get(client))
    assert public_id not in (await get(client, fmt="xml")).decode()
