"""Staff search: full text, tracking number, phone by its lookup hash, filters, scope, CSV."""

from __future__ import annotations

import csv
import io

import pytest

from models.case import Case
from models.org import Unit
from tests.conftest import COMPLAINT, bearer, login_citizen, login_staff

API = "/api/v1"
LIGHT = COMPLAINT | {
    "title": "学院路路灯不亮",
    "content": "学院路口的路灯连续一周晚上不亮，行人过马路很危险。",
    "contact_phone": "13600136000",
    "location": COMPLAINT["location"] | {"address": "杭州市西湖区学院路"},
}


async def file(client, token, body) -> str:
    r = await client.post(f"{API}/cases", json=body, headers=bearer(token))
    assert r.status_code == 201, r.text
    return r.json()["tracking_no"]


async def dispatch(client, no, unit_code) -> None:
    unit = await Unit.get(code=unit_code)
    r = await client.post(
        f"{API}/staff/cases/{no}/dispatch", json={"unit_id": unit.id, "procedure": "simple"},
        headers=bearer(await login_staff(client, "dispatcher")),
    )
    assert r.status_code == 200, r.text


@pytest.fixture
async def cases(client):
    token = (await login_citizen(client, "13800138000"))["access_token"]
    hz_light = await file(client, token, LIGHT)
    hz_noise = await file(client, token, COMPLAINT | {"title": "工地夜间施工噪音"})
    nb_light = await file(client, token, LIGHT | {"contact_phone": "13500135000"})
    await dispatch(client, hz_light, "HZ-STHJJ")
    await dispatch(client, hz_noise, "HZ-STHJJ")
    await dispatch(client, nb_light, "NB-STHJJ")
    return {"hz_light": hz_light, "hz_noise": hz_noise, "nb_light": nb_light}


async def search(client, who, **params):
    r = await client.get(f"{API}/staff/search", params=params,
                         headers=bearer(await login_staff(client, who)))
    assert r.status_code == 200, r.text
    return [i["tracking_no"] for i in r.json()["items"]]


async def test_full_text_within_the_callers_scope(client, cases):
    assert await search(client, "handler", q="路灯") == [cases["hz_light"]]
    assert await search(client, "handler_nb", q="路灯") == [cases["nb_light"]]
    assert await search(client, "supervisor", q="路灯 行人") == [cases["nb_light"],
                                                                cases["hz_light"]]
    assert await search(client, "handler", q="施工噪音") == [cases["hz_noise"]]
    assert await search(client, "handler", q="文三路") == [cases["hz_noise"]]  # the address
    assert await search(client, "handler", q="路灯 噪音") == []  # every term must occur


async def test_tracking_number_exact_and_phone_by_hash(client, cases):
    assert await search(client, "supervisor", tracking_no=cases["nb_light"]) == [cases["nb_light"]]
    assert await search(client, "handler", tracking_no=cases["nb_light"]) == []  # out of scope
    assert await search(client, "supervisor", phone="136 0013 6000") == [cases["hz_light"]]
    # the citizen's sign-in phone finds every case they filed, whatever contact they gave
    assert await search(client, "supervisor", phone="+8613800138000") == [
        cases["nb_light"], cases["hz_noise"], cases["hz_light"]]
    case = await Case.get(tracking_no=cases["hz_light"])
    assert case.contact_phone_hash and "13600136000" not in (case.contact_phone_enc or "")


async def test_filters_and_pages(client, cases):
    assert await search(client, "supervisor", status="dispatched", category_code="ENV-NOISE",
                        channel="app", limit=1) == [cases["nb_light"]]
    hz = await Unit.get(code="HZ-STHJJ")
    assert await search(client, "supervisor", unit_id=hz.id) == [cases["hz_noise"],
                                                                  cases["hz_light"]]
    assert await search(client, "supervisor", **{"from": "2000-01-01", "to": "2000-01-02"}) == []
    r = await client.get(f"{API}/staff/search", params={"limit": 1, "q": "路灯"},
                         headers=bearer(await login_staff(client, "supervisor")))
    nxt = r.json()["next_cursor"]
    r2 = await client.get(f"{API}/staff/search", params={"limit": 1, "q": "路灯", "cursor": nxt},
                          headers=bearer(await login_staff(client, "supervisor")))
    assert [i["tracking_no"] for i in r2.json()["items"]] == [cases["hz_light"]]
    item = r.json()["items"][0]
    assert set(item) == {"tracking_no", "kind", "category_code", "channel", "status", "title",
                         "unit", "created_at", "next_due_kind", "next_due_at", "light"}


WEIRD = ["？！。，,.!?…", "路" * 2000, "\"*) OR (NEAR", "'; DROP TABLE x", "-"]


@pytest.mark.parametrize("q", WEIRD)
async def test_weird_queries_are_answered(client, cases, q):
    await search(client, "supervisor", q=q)


@pytest.mark.parametrize("params,code", [
    ({"phone": "12345"}, "invalid_phone"), ({"status": "nope"}, "unknown_status"),
    ({"from": "2026-02-01", "to": "2026-01-01"}, "invalid_period"),
])
async def test_bad_filters_are_422(client, params, code):
    r = await client.get(f"{API}/staff/search", params=params,
                         headers=bearer(await login_staff(client, "supervisor")))
    assert (r.status_code, r.json()["code"]) == (422, code)


async def test_csv_export_masks_the_contact(client, cases):
    r = await client.get(f"{API}/staff/search.csv", params={"q": "路灯"},
                         headers=bearer(await login_staff(client, "handler")))
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert [row["tracking_no"] for row in rows] == [cases["hz_light"]]
    assert (rows[0]["contact_name"], rows[0]["contact_phone"]) == ("", "136****6000")
    assert "13600136000" not in r.text


async def test_citizens_cannot_search(client):
    token = (await login_citizen(client, "13800138000"))["access_token"]
    r = await client.get(f"{API}/staff/search", headers=bearer(token))
    assert r.status_code == 401
