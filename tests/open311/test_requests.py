"""Service requests are the published cases, read through publishing.queries: only published
ones, with the reviewed redaction, every filter of the spec, the 90-day and 1,000-row defaults,
page/page_size, single requests and tokens, and unpublishing taking effect at once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from models.case import Case
from models.partner import PartnerSubmission
from models.publishing import Publication
from tests.conftest import bearer, login_staff
from tests.open311 import spec
from tests.open311.helpers import REPORT, V2, partner
from tests.publishing.helpers import ORIGINALS, file_case, publish


async def _published(client: httpx.AsyncClient, citizen: str, publisher: str,
                     **kw: Any) -> tuple[str, str]:
    no = await file_case(client, citizen, **kw)
    return no, (await publish(client, publisher, no))["public_id"]


@pytest.fixture
async def world(client: httpx.AsyncClient, citizen_token: str) -> dict[str, Any]:
    """Three published cases (noise, noise in Ningbo, road) and one never published."""
    publisher = await login_staff(client, "publisher")
    noise = await _published(client, citizen_token, publisher)
    ningbo = await _published(client, citizen_token, publisher, region_code="330203")
    road = await _published(client, citizen_token, publisher, category_code="TRAFFIC-ROAD")
    hidden = await file_case(client, citizen_token, public=False)
    return {"publisher": publisher, "noise": noise, "ningbo": ningbo, "road": road,
            "hidden": hidden}


async def get(client: httpx.AsyncClient, query: str = "", fmt: str = "json",
              status: int = 200) -> Any:
    r = await client.get(f"{V2}/requests.{fmt}{query}")
    assert r.status_code == status, r.text
    return r.json() if fmt == "json" else r.content


def ids(rows: list[dict[str, Any]]) -> list[str]:
    return [r["service_request_id"] for r in rows]


async def test_only_published_cases_as_the_spec_shapes_them(client, world):
    rows = await get(client)
    spec.check_json(spec.REQUESTS, rows)
    assert ids(rows) == [world["road"][1], world["ningbo"][1], world["noise"][1]]  # newest first
    noise = rows[2]
    assert noise["service_code"] == "ENV-NOISE" and noise["service_name"] == "噪声污染"
    assert noise["status"] == "closed" and noise["address"] == "杭州市西湖区文三路"
    assert (noise["lat"], noise["long"]) == (30.274, 120.155)
    assert noise["agency_responsible"] and noise["requested_datetime"].endswith("+08:00")
    assert "王某" in noise["description"] and noise["status_notes"]
    assert world["noise"][0] not in str(rows)  # the tracking number is never the id

    body = await get(client, fmt="xml")
    doc = spec.check_xml(body, "service_requests", spec.REQUEST_FIELDS)
    assert [r["service_request_id"] for r in spec.xml_rows(doc)] == ids(rows)
    assert spec.xml_rows(doc)[2]["lat"] == "30.274"
    for text in (str(rows), body.decode()):
        for original in ORIGINALS:
            assert original not in text, original


async def test_filters(client, world):
    noise, ningbo, road = world["noise"][1], world["ningbo"][1], world["road"][1]
    assert ids(await get(client, f"?service_request_id={noise},{road},nope")) == [road, noise]
    # service_request_id overrides the other filters
    assert ids(await get(client, f"?service_request_id={road}&service_code=ENV-NOISE")) == [road]
    assert ids(await get(client, "?service_code=ENV-NOISE")) == [ningbo, noise]
    assert ids(await get(client, "?service_code=TRAFFIC-ROAD,ENV-NOISE")) == [road, ningbo, noise]
    assert ids(await get(client, "?service_code=TRAFFIC-ROAD,ENV-NOISE&page_size=2&page=2")) == [
        noise]
    assert await get(client, "?service_code=GENERAL-POLICY") == []

    # reopened after an unsatisfied rating (publishing.hooks keeps the publication's flag)
    await Case.filter(tracking_no=world["ningbo"][0]).update(status="reopened")
    await Publication.filter(public_id=ningbo).update(closed=False)
    assert ids(await get(client, "?status=open")) == [ningbo]
    assert ids(await get(client, "?status=closed")) == [road, noise]
    assert ids(await get(client, "?status=open,closed")) == [road, ningbo, noise]

    assert ids(await get(client, "?page_size=1")) == [road]
    assert ids(await get(client, "?page_size=1&page=3")) == [noise]
    assert await get(client, "?page_size=1&page=4") == []


async def test_dates_and_the_90_day_default(client, world):
    noise, ningbo, road = world["noise"][1], world["ningbo"][1], world["road"][1]
    long_ago = datetime.now(UTC) - timedelta(days=120)
    await Publication.filter(public_id=noise).update(submitted_at=long_ago)
    assert ids(await get(client)) == [road, ningbo]  # the last 90 days
    start = (long_ago - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%S")  # Beijing time
    assert ids(await get(client, f"?start_date={start}")) == [noise]  # 90 days from it
    end = (long_ago + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert ids(await get(client, f"?end_date={end}")) == [noise]  # the 90 days before it
    wide = (f"?start_date={start}%2B08:00&end_date="
            + (datetime.now(UTC) + timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M:%SZ"))
    assert ids(await get(client, wide)) == [road, ningbo, noise]
    # both ends are inclusive: a range of exactly the requested time finds it
    row = (await get(client, f"?service_request_id={road}"))[0]
    at = row["requested_datetime"].replace("+", "%2B")
    assert ids(await get(client, f"?start_date={at}&end_date={at}")) in ([road], [])


@pytest.mark.parametrize("query", [
    "?page=0", "?page=x", "?page=-1", "?page_size=0", "?page_size=1001", "?page_size=1.5",
    "?page=%C2%B2", "?page=%D9%A1",
    "?start_date=yesterday", "?end_date=2026-13-01", "?start_date=1900-01-01",
    "?start_date=2026-11-02T00:00:00Z&end_date=2026-11-01T00:00:00Z", "?status=pending",
    "?status=open,accepted", "?service_request_id=a%20b", "?service_code=%00",
    "?service_request_id=" + "x" * 40, "?service_code=" + ",".join(["A"] * 101),
    "?service_code=ENV-NOISE,ENV-AIR&page=11&page_size=1000",
])
async def test_bad_queries_are_400_in_both_formats(client, query):
    body = await get(client, query, status=400)
    spec.check_json(spec.ERRORS, body)
    assert body[0]["code"] == 400
    spec.check_xml(await get(client, query, "xml", status=400), "errors")


async def test_a_single_request_and_unpublishing_at_once(client, world):
    noise_no, noise = world["noise"]
    r = await client.get(f"{V2}/requests/{noise}.json")
    assert r.status_code == 200
    spec.check_json(spec.REQUESTS, r.json())
    assert ids(r.json()) == [noise]
    r = await client.get(f"{V2}/requests/{noise}.xml")
    spec.check_xml(r.content, "service_requests", spec.REQUEST_FIELDS)
    for unknown in ("nope", world["hidden"], "x" * 40, "%E4%B8%AD"):
        r = await client.get(f"{V2}/requests/{unknown}.json")
        assert r.status_code == 404 and r.json()[0]["code"] == 404

    listed = await get(client)  # the list is kept briefly (open311.cache) ...
    assert noise in ids(listed) and await get(client) == listed
    r = await client.post(f"/api/v1/staff/cases/{noise_no}/unpublish",
                          headers=bearer(world["publisher"]))
    assert r.status_code == 200
    assert (await client.get(f"{V2}/requests/{noise}.json")).status_code == 404
    assert noise not in ids(await get(client))  # ... and dropped by unpublishing at once
    assert noise.encode() not in await get(client, fmt="xml")


async def test_republished_texts_show_at_once(client, world):
    road_no, road = world["road"]
    before = await get(client, f"?service_request_id={road}")
    r = await client.post(f"/api/v1/staff/cases/{road_no}/publish", headers=bearer(
        world["publisher"]), json={"summary": "道路破损已修复。", "result": "已完成修补。"})
    assert r.status_code == 200, r.text
    after = await get(client, f"?service_request_id={road}")
    assert before[0]["description"] != after[0]["description"] == "道路破损已修复。"


async def test_a_token_yields_the_public_id_once_published(client, world):
    key = (await partner(client))["api_key"]
    r = await client.post(f"{V2}/requests.json", data=REPORT | {
        "api_key": key, "attribute[public]": "true"})
    assert r.status_code == 201, r.text
    token = r.json()[0]["token"]
    assert (await client.get(f"{V2}/tokens/{token}.json")).json()[0]["service_request_id"] is None

    case = await Case.get(id=(await PartnerSubmission.get(token=token)).case_id)
    await Case.filter(id=case.id).update(status="replied", reply_content="已处理完毕。",
                                         replied_at=datetime.now(UTC), reply_round=1)
    public_id = (await publish(client, world["publisher"], case.tracking_no))["public_id"]
    r = await client.get(f"{V2}/tokens/{token}.json")
    assert r.json() == [{"service_request_id": public_id, "token": token}]
    (row,) = (await client.get(f"{V2}/requests/{public_id}.json")).json()
    assert row["description"] and "王小明" not in str(row) and "13800138000" not in str(row)
    for bad in ("nope", "x" * 41, "a.b"):
        assert (await client.get(f"{V2}/tokens/{bad}.json")).status_code == 404
