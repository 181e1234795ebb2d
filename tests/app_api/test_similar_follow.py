"""Similar cases before filing, and following one ("me too") instead of filing it again."""

from __future__ import annotations

import json

import pytest

from casework import stats
from hotline.crypto import decrypt, lookup_hash
from identity.principal import Principal
from models.case import Case
from models.citizen import Citizen
from models.org import Unit
from models.outbox import OutboxMessage
from tests.conftest import COMPLAINT, bearer, login_citizen, login_staff

API = "/api/v1"
NOISE = COMPLAINT | {
    "title": "文三路工地夜间施工噪音扰民",
    "contact_phone": "13900139000",
}


async def file(client, token, body=NOISE) -> str:
    r = await client.post(f"{API}/cases", json=body, headers=bearer(token))
    assert r.status_code == 201, r.text
    return r.json()["tracking_no"]


@pytest.fixture
async def reporter(client):
    return (await login_citizen(client, "13800138000"))["access_token"]


@pytest.fixture
async def neighbour(client):
    return (await login_citizen(client, "13700137000"))["access_token"]


async def similar(client, token, **params):
    r = await client.get(f"{API}/cases/similar", params=params, headers=bearer(token))
    assert r.status_code == 200, r.text
    return r.json()["items"]


async def test_an_open_case_of_the_same_category_nearby_is_similar(client, reporter, neighbour):
    no = await file(client, reporter)
    items = await similar(client, neighbour, category_code="ENV-NOISE", lat=30.275, lng=120.1551)
    assert [i["tracking_no"] for i in items] == [no]
    assert 90 < items[0]["distance_m"] < 110 and items[0]["followers"] == 0
    # 1 km away, or another category: not similar
    far = {"lat": 30.2831, "lng": 120.1551}
    assert await similar(client, neighbour, category_code="ENV-NOISE", **far) == []
    here = {"lat": 30.2741, "lng": 120.1551}
    assert await similar(client, neighbour, category_code="ENV-AIR", **here) == []


async def test_clearly_similar_text_is_similar_and_no_personal_data_shows(
    client, reporter, neighbour
):
    no = await file(client, reporter)
    items = await similar(client, neighbour, q="文三路工地晚上施工噪音太大")
    assert [i["tracking_no"] for i in items] == [no]
    text = json.dumps(items, ensure_ascii=False)
    for secret in ("王小明", "13900139000", "0139000", "query_code", "contact", "13800138000"):
        assert secret not in text
    assert await similar(client, neighbour, q="公积金提取需要什么材料") == []


async def test_closed_merged_and_confidential_cases_are_not_similar(client, reporter, neighbour):
    secret = await file(client, reporter, NOISE | {"confidential": True})
    dispatcher = await login_staff(client, "dispatcher")
    merged = await file(client, reporter)
    keep = await file(client, reporter)
    r = await client.post(f"{API}/staff/cases/{merged}/merge", json={"into": keep},
                          headers=bearer(dispatcher))
    assert r.status_code == 200, r.text
    items = await similar(client, neighbour, category_code="ENV-NOISE", lat=30.2741,
                          lng=120.1551, q=NOISE["title"])
    assert [i["tracking_no"] for i in items] == [keep]
    assert secret not in json.dumps(items)


@pytest.mark.parametrize("q", ["", "？！。，,.!?…", "噪" * 2000, "a" * 2000, "路", "\"'*()OR AND"])
async def test_any_query_is_answered(client, reporter, neighbour, q):
    await file(client, reporter)
    r = await client.get(f"{API}/cases/similar", params={"q": q}, headers=bearer(neighbour))
    assert r.status_code == 200, r.text


async def test_staff_cannot_ask_for_similar_cases(client):
    handler = await login_staff(client, "handler")
    r = await client.get(f"{API}/cases/similar", headers=bearer(handler))
    assert r.status_code == 403


async def test_following_twice_is_one_follow_and_can_be_undone(client, reporter, neighbour):
    no = await file(client, reporter)
    for _ in range(2):
        r = await client.post(f"{API}/cases/{no}/follow", headers=bearer(neighbour))
        assert r.status_code == 200, r.text
        assert r.json() == {"tracking_no": no, "following": True, "followers": 1}
    mine = (await client.get(f"{API}/cases/following", headers=bearer(neighbour))).json()
    assert [i["tracking_no"] for i in mine["items"]] == [no]
    items = await similar(client, neighbour, category_code="ENV-NOISE", lat=30.2741, lng=120.1551)
    assert items[0]["followers"] == 1
    r = await client.delete(f"{API}/cases/{no}/follow", headers=bearer(neighbour))
    assert r.json() == {"tracking_no": no, "following": False, "followers": 0}
    # the reporter does not follow their own case; an unknown case is a 404
    r = await client.post(f"{API}/cases/{no}/follow", headers=bearer(reporter))
    assert (r.status_code, r.json()["code"]) == (409, "own_case")
    r = await client.post(f"{API}/cases/20000101-000001/follow", headers=bearer(neighbour))
    assert r.status_code == 404


async def follower_messages(no: str) -> list[tuple[str, dict]]:
    case = await Case.get(tracking_no=no)
    follower = [
        m for m in await OutboxMessage.filter(case_id=case.id).order_by("id")
        if m.template.startswith("case_follow_")
    ]
    return [(m.template, json.loads(decrypt(m.params_enc) or "{}")) for m in follower]


async def test_followers_get_progress_without_the_reporters_data_and_can_rate(
    client, reporter, neighbour
):
    no = await file(client, reporter)
    await client.post(f"{API}/cases/{no}/follow", headers=bearer(neighbour))
    dispatcher = await login_staff(client, "dispatcher")
    handler = await login_staff(client, "handler")
    unit = await Unit.get(code="HZ-STHJJ")
    for who, path, body in [
        (dispatcher, "dispatch", {"unit_id": unit.id, "procedure": "simple"}),
        (handler, "sign", {}),
        (handler, "notice", {"content": "王小明先生您好，已受理"}),
        (handler, "reply", {"content": "已责令工地停止夜间施工"}),
    ]:
        r = await client.post(f"{API}/staff/cases/{no}/{path}", json=body, headers=bearer(who))
        assert r.status_code == 200, r.text
    sent = await follower_messages(no)
    assert [t for t, _ in sent] == ["case_follow_progress", "case_follow_progress",
                                    "case_follow_replied"]
    text = json.dumps(sent, ensure_ascii=False)
    assert "王小明" not in text and "139" not in text and "query_code" not in text
    follower = await Citizen.get(phone_hash=lookup_hash("13700137000"))
    rows = await OutboxMessage.filter(template__startswith="case_follow_")
    assert {(r.recipient_kind, r.recipient_id, r.address_enc) for r in rows} == {
        ("citizen", str(follower.id), None)
    }
    # the follower rates: stored apart, the case's status and rating stay the reporter's
    r = await client.post(f"{API}/cases/{no}/follow/rating", json={"score": 2},
                          headers=bearer(neighbour))
    assert r.status_code == 201, r.text
    r = await client.post(f"{API}/cases/{no}/follow/rating", json={"score": 5},
                          headers=bearer(neighbour))
    assert (r.status_code, r.json()["code"]) == (409, "already_rated")
    case = await Case.get(tracking_no=no)
    assert (case.status, case.rating) == ("replied", None)
    r = await client.post(f"{API}/cases/{no}/rating", json={"score": 5}, headers=bearer(reporter))
    assert r.status_code == 201, r.text
    root = await Unit.get(parent_id=None)
    sup = Principal(kind="staff", id=1, roles=frozenset({"supervisor"}), unit_id=root.id,
                    unit_path=root.path)
    s = await stats.compute(sup)
    assert (s["followers"], s["follower_rated"], s["follower_satisfied"]) == (1, 1, 0)
    assert (s["rated"], s["satisfied"], s["satisfaction_rate"]) == (1, 1, 0.5)


async def test_only_followers_rate_and_only_once_answered(client, reporter, neighbour):
    no = await file(client, reporter)
    r = await client.post(f"{API}/cases/{no}/follow/rating", json={"score": 4},
                          headers=bearer(neighbour))
    assert r.status_code == 404
    await client.post(f"{API}/cases/{no}/follow", headers=bearer(neighbour))
    r = await client.post(f"{API}/cases/{no}/follow/rating", json={"score": 4},
                          headers=bearer(neighbour))
    assert (r.status_code, r.json()["code"]) == (409, "not_rateable")
