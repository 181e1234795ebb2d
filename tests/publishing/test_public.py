"""The public read side: pages, one case, Atom feeds; only what was published."""

from __future__ import annotations

from typing import Any
from xml.etree import ElementTree as ET

from tests.conftest import bearer, login_staff
from tests.publishing.helpers import file_case, publish

ATOM = "{http://www.w3.org/2005/Atom}"


async def test_pages_filters_and_one_case(client: Any, citizen_token: str):
    token = await login_staff(client, "publisher")
    ids = []
    for region in ("330106", "330106", "330203"):
        no = await file_case(client, citizen_token, region_code=region)
        ids.append((await publish(client, token, no))["public_id"])
    await file_case(client, citizen_token)  # consenting but not published
    r = await client.get("/api/v1/public/cases", params={"limit": 2})
    assert r.status_code == 200, r.text
    first = r.json()
    assert [i["public_id"] for i in first["items"]] == ids[::-1][:2]
    r = await client.get("/api/v1/public/cases",
                         params={"limit": 2, "cursor": first["next_cursor"]})
    assert [i["public_id"] for i in r.json()["items"]] == [ids[0]]
    assert r.json()["next_cursor"] is None
    r = await client.get("/api/v1/public/cases", params={"region_code": "330100"})
    assert {i["public_id"] for i in r.json()["items"]} == set(ids[:2])  # Hangzhou's districts
    r = await client.get("/api/v1/public/cases", params={"category_code": "NONE"})
    assert r.json()["items"] == []
    r = await client.get("/api/v1/public/cases", params={"status": "open"})
    assert r.json()["items"] == []
    item = (await client.get(f"/api/v1/public/cases/{ids[0]}")).json()
    assert item["unit"]["name"] and item["place"] == "杭州市西湖区文三路"
    assert [s["action"] for s in item["timeline"]][0] == "submit"
    assert all(set(s) == {"at", "action", "label"} for s in item["timeline"])
    assert (await client.get("/api/v1/public/cases/ffffffff")).status_code == 404
    r = await client.get("/api/v1/public/cases", params={"from": "2026-13-01"})
    assert r.status_code == 422


async def test_atom_feeds_per_category_and_region(client: Any, citizen_token: str):
    token = await login_staff(client, "publisher")
    no = await file_case(client, citizen_token)
    public_id = (await publish(client, token, no))["public_id"]
    for path in ("/api/v1/public/feeds/category/ENV-NOISE.atom",
                 "/api/v1/public/feeds/region/330100.atom"):
        r = await client.get(path)
        assert r.status_code == 200, r.text
        assert r.headers["content-type"].startswith("application/atom+xml")
        feed = ET.fromstring(r.content)
        entries = feed.findall(f"{ATOM}entry")
        assert [e.findtext(f"{ATOM}id") for e in entries] == [
            f"http://testserver/api/v1/public/cases/{public_id}"
        ] or entries[0].findtext(f"{ATOM}id").endswith(public_id)
        assert feed.findtext(f"{ATOM}updated")
    assert (await client.get("/api/v1/public/feeds/region/999999.atom")).status_code == 404
    assert (await client.get("/api/v1/public/feeds/category/NOPE.atom")).status_code == 404
    await client.post(f"/api/v1/staff/cases/{no}/unpublish", headers=bearer(token))
    r = await client.get("/api/v1/public/feeds/category/ENV-NOISE.atom")
    assert ET.fromstring(r.content).findall(f"{ATOM}entry") == []


async def test_a_reopened_case_reads_open_until_answered_again(client: Any, citizen_token: str):
    token = await login_staff(client, "publisher")
    no = await file_case(client, citizen_token, status="rated", rating=1)
    public_id = (await publish(client, token, no))["public_id"]
    supervisor = await login_staff(client, "supervisor")
    r = await client.post(f"/api/v1/staff/cases/{no}/verify",
                          json={"outcome": "reopen", "note": "核实后重办"},
                          headers=bearer(supervisor))
    assert r.status_code == 200, r.text
    item = (await client.get(f"/api/v1/public/cases/{public_id}")).json()
    assert item["status"] == "open" and item["closed_at"] is None
    r = await client.get("/api/v1/public/cases", params={"status": "open"})
    assert [i["public_id"] for i in r.json()["items"]] == [public_id]


async def test_a_province_page_covers_its_cities(client: Any, citizen_token: str):
    token = await login_staff(client, "publisher")
    ids = set()
    for region in ("330106", "330203"):
        no = await file_case(client, citizen_token, region_code=region)
        ids.add((await publish(client, token, no))["public_id"])
    r = await client.get("/api/v1/public/cases", params={"region_code": "330000"})
    assert {i["public_id"] for i in r.json()["items"]} == ids
    r = await client.get("/api/v1/public/cases", params={"region_code": "320000"})
    assert r.json()["items"] == []
