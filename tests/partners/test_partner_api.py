"""The partner API: a 110 transfer filed once whatever the retries, a unit's OA system signing
and replying through the transition table, scope (another unit's case is a 404), keys
(wrong 401, missing scope 403, rotated with an overlap, revoked at once) and bad bodies."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from casework import rating_links
from models.case import Case, CaseEvent
from models.org import Unit
from models.partner import PartnerCase
from tests.conftest import COMPLAINT, last_sms_text, login_staff
from tests.partners.conftest import call, make_partner, partner_call

TRANSFER = COMPLAINT | {"external_id": "110-20261201-0042", "channel": "110",
                        "citizen": {"name": "王小明", "phone": "13900139000"}}


async def dispatch(client: Any, no: str, unit_code: str) -> None:
    dispatcher = await login_staff(client, "dispatcher")
    unit = await Unit.get(code=unit_code)
    await call(client, dispatcher, "POST", f"/staff/cases/{no}/dispatch",
               {"unit_id": unit.id, "procedure": "normal"})


async def test_a_110_transfer_filed_twice_is_one_case(client, admin):
    police = await make_partner(client, admin, name="110", scopes=["cases:create", "cases:read"])
    key = police["api_key"]
    first = await partner_call(client, key, "POST", "/partner/cases", TRANSFER, 201)
    assert first["channel"] == "110" and first["external_id"] == TRANSFER["external_id"]
    assert first["status"] == "submitted" and first["due"]["dispatch"]  # waits for dispatch
    again = await partner_call(client, key, "POST", "/partner/cases", TRANSFER, 200)
    assert again["tracking_no"] == first["tracking_no"]
    # concurrent retries of another transfer: still one case
    other = TRANSFER | {"external_id": "110-20261201-0043"}
    answers = await asyncio.gather(*[
        client.post("/api/v1/partner/cases", json=other, headers={"X-Api-Key": key})
        for _ in range(4)])
    assert sorted(r.status_code for r in answers) == [200, 200, 200, 201]
    assert len({r.json()["tracking_no"] for r in answers}) == 1
    assert await Case.all().count() == 2 and await PartnerCase.all().count() == 2

    read = await partner_call(client, key, "GET", f"/partner/cases/{TRANSFER['external_id']}")
    assert read["tracking_no"] == first["tracking_no"] and read["timeline"][0]["action"] == "submit"
    # it enters dispatch like any case, and the partner follows it
    await dispatch(client, first["tracking_no"], "HZ-STHJJ")
    read = await partner_call(client, key, "GET", f"/partner/cases/{first['tracking_no']}")
    assert read["status"] == "dispatched" and read["external_id"] == TRANSFER["external_id"]


async def test_an_oa_signs_and_replies_and_the_citizen_rates(client, admin):
    police = await make_partner(client, admin, name="110", scopes=["cases:create"])
    hz = await Unit.get(code="HZ-STHJJ")
    oa = await make_partner(client, admin, name="oa", scopes=["cases:read", "events"],
                            unit_id=hz.id)
    case = await partner_call(client, police["api_key"], "POST", "/partner/cases", TRANSFER, 201)
    no = case["tracking_no"]
    await partner_call(client, oa["api_key"], "GET", f"/partner/cases/{no}", status=404)
    await dispatch(client, no, "HZ-STHJJ")

    key = oa["api_key"]
    got = await partner_call(client, key, "POST", f"/partner/cases/{no}/events",
                             {"action": "sign"})
    assert got["status"] == "signed"
    refused = await partner_call(client, key, "POST", f"/partner/cases/{no}/events",
                                 {"action": "sign"}, 409)
    assert refused["code"] == "invalid_transition"
    got = await partner_call(client, key, "POST", f"/partner/cases/{no}/events",
                             {"action": "notice", "content": "已受理，将于30日内办结。"})
    assert got["status"] == "noticed"
    got = await partner_call(client, key, "POST", f"/partner/cases/{no}/events",
                             {"action": "reply", "content": "经查，工地已停止夜间施工。"})
    assert got["status"] == "replied" and got["next_due_at"] is None
    actions = [e.action for e in await CaseEvent.filter(case__tracking_no=no).order_by("seq")]
    assert actions == ["submit", "dispatch", "sign", "notice", "reply"]
    roles = await CaseEvent.filter(case__tracking_no=no, action="reply").values_list(
        "actor_role", flat=True)
    assert roles == ["partner"]

    sms = await last_sms_text("13900139000")
    assert sms["template"] == "case_replied" and sms["tracking_no"] == no
    token = sms["rating_url"].split("#t=", 1)[1]
    await rating_links.rate(no, token, 5, "很快")
    assert (await Case.get(tracking_no=no)).rating == 5


async def test_a_partner_reading_another_units_case_gets_404(client, admin):
    police = await make_partner(client, admin, name="110", scopes=["cases:create"])
    nb = await Unit.get(code="NB-STHJJ")
    oa = await make_partner(client, admin, name="nb", scopes=["cases:read", "events"],
                            unit_id=nb.id)
    case = await partner_call(client, police["api_key"], "POST", "/partner/cases", TRANSFER, 201)
    no = case["tracking_no"]
    await dispatch(client, no, "HZ-STHJJ")
    for ref in (no, TRANSFER["external_id"], "ZJ0000000000000"):
        await partner_call(client, oa["api_key"], "GET", f"/partner/cases/{ref}", status=404)
        await partner_call(client, oa["api_key"], "POST", f"/partner/cases/{ref}/events",
                           {"action": "sign"}, 404)
    assert (await Case.get(tracking_no=no)).status == "dispatched"


async def test_wrong_key_missing_scope_and_bad_bodies(client, admin):
    reader = await make_partner(client, admin, name="r", scopes=["cases:read"])
    for key in (None, "hlp_wrong", reader["api_key"] + "x"):
        r = await client.post("/api/v1/partner/cases", json=TRANSFER,
                              headers={"X-Api-Key": key} if key else {})
        assert r.status_code == 401 and r.headers["content-type"] == "application/problem+json"
        assert r.json()["code"] == "invalid_api_key"
    r = await client.post("/api/v1/partner/cases", json=TRANSFER,
                          headers={"X-Api-Key": reader["api_key"]})
    assert r.status_code == 403 and r.json()["code"] == "scope_missing"
    r = await client.post("/api/v1/partner/cases/x/events", json={"action": "sign"},
                          headers={"X-Api-Key": reader["api_key"]})
    assert r.status_code == 403

    creator = await make_partner(client, admin, name="c", scopes=["cases:create", "events"])
    for body in ({k: v for k, v in TRANSFER.items() if k != "external_id"},
                 TRANSFER | {"external_id": "有空格 的编号"}, TRANSFER | {"channel": "app"},
                 TRANSFER | {"content": ""}, TRANSFER | {"external_id": "x" * 65}):
        r = await client.post("/api/v1/partner/cases", json=body,
                              headers={"X-Api-Key": creator["api_key"]})
        assert r.status_code == 422, (body, r.text)
        assert r.headers["content-type"] == "application/problem+json"
    r = await client.post("/api/v1/partner/cases/x/events", json={"action": "close"},
                          headers={"X-Api-Key": creator["api_key"]})
    assert r.status_code == 422
    # a province-wide partner reports no unit's steps
    r = await client.post("/api/v1/partner/cases/x/events", json={"action": "sign"},
                          headers={"X-Api-Key": creator["api_key"]})
    assert r.status_code == 403 and r.json()["code"] == "unit_partner_only"
    assert await Case.all().count() == 0


async def test_a_rotated_key_overlaps_and_a_revoked_key_is_refused_at_once(client, admin):
    p = await make_partner(client, admin, name="k", scopes=["cases:read"])
    old = p["api_key"]
    path = f"/admin/partners/{p['id']}/api-key"
    rotated = await call(client, admin, "POST", path, {"overlap_s": 3600}, 201)
    new = rotated["api_key"]
    assert new != old and rotated["old_key_valid_until"]
    for key in (old, new):  # both work during the overlap
        await partner_call(client, key, "GET", "/partner/cases/none", status=404)
    await call(client, admin, "DELETE", f"{path}/previous", status=204)
    got = await partner_call(client, old, "GET", "/partner/cases/none", status=401)
    assert got["code"] == "invalid_api_key"
    await partner_call(client, new, "GET", "/partner/cases/none", status=404)

    again = await call(client, admin, "POST", path, {"overlap_s": 0}, 201)
    assert again["old_key_valid_until"] is None
    await partner_call(client, new, "GET", "/partner/cases/none", status=401)
    await partner_call(client, again["api_key"], "GET", "/partner/cases/none", status=404)
    await call(client, admin, "PATCH", f"/admin/partners/{p['id']}", {"active": False})
    await partner_call(client, again["api_key"], "GET", "/partner/cases/none", status=401)


@pytest.mark.parametrize("overlap", [-1, 30 * 86400 + 1])
async def test_overlaps_are_bounded(client, admin, overlap):
    p = await make_partner(client, admin, name="b", scopes=["cases:read"])
    await call(client, admin, "POST", f"/admin/partners/{p['id']}/api-key",
               {"overlap_s": overlap}, 422)
