"""A citizen's prechecks before filing (``kb_precheck``): listed by ``GET /me/export``, and after
``DELETE /me`` still counted in the statistics but linked to nobody."""

from __future__ import annotations

import httpx

from models.knowledge import KbPrecheck
from tests.conftest import bearer, login_citizen, login_staff

API = "/api/v1"
QUESTION = {"kind": "consultation", "category_code": "GENERAL-POLICY",
            "content": "外地人在杭州怎么办居住证，要带什么材料？"}


async def _prechecked(client: httpx.AsyncClient, phone: str) -> tuple[dict[str, str], int, dict]:
    login = await login_citizen(client, phone)
    auth = bearer(login["access_token"])
    r = await client.post(f"{API}/cases/precheck", json=QUESTION, headers=auth)
    assert r.status_code == 200, r.text
    checked = r.json()
    assert checked["kb"], "the demo knowledge base answers this question"
    r = await client.post(f"{API}/kb/deflections", headers=auth, json={
        "precheck_id": checked["precheck_id"], "kb_item_id": checked["kb"][0]["id"]})
    assert r.status_code in (200, 201), r.text
    return auth, int(login["citizen"]["id"]), checked


async def test_the_export_lists_the_prechecks(client: httpx.AsyncClient) -> None:
    auth, _, checked = await _prechecked(client, "13912340101")
    await _prechecked(client, "13912340102")  # someone else's is not listed
    r = await client.get(f"{API}/me/export", headers=auth)
    assert r.status_code == 200, r.text
    [mine] = r.json()["prechecks"]
    assert mine["kind"] == "consultation" and mine["category_code"] == "GENERAL-POLICY"
    assert mine["kb_item_ids"] == [hit["id"] for hit in checked["kb"]]
    assert mine["deflected_item_id"] == checked["kb"][0]["id"] and mine["deflected_at"]
    assert mine["channel"] == "app" and mine["created_at"] and mine["tracking_no"] is None


async def test_erasure_unlinks_the_prechecks_and_keeps_them_counted(
    client: httpx.AsyncClient,
) -> None:
    auth, citizen_id, _ = await _prechecked(client, "13912340103")
    staff = bearer(await login_staff(client, "supervisor"))
    before = (await client.get(f"{API}/staff/stats", headers=staff)).json()["knowledge"]

    r = await client.delete(f"{API}/me", headers=auth)
    assert r.status_code == 204, r.text

    assert not await KbPrecheck.exists(owner=f"citizen:{citizen_id}")
    assert await KbPrecheck.filter(owner="erased").count() == 1
    after = (await client.get(f"{API}/staff/stats", headers=staff)).json()["knowledge"]
    assert after == before  # still counted, and still deflected
