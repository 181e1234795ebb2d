"""Filing through Open311: a partner key with the cases:create scope, the same intake as
POST /cases (a real case, channel partner, its first event and the citizen's SMS), a token as
the spec's batch answer, idempotency by Idempotency-Key, and every mistake a 400/403/404 in the
spec's error format, never a 500."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from hotline.crypto import decrypt
from models.case import Case, CaseEvent
from models.partner import PartnerSubmission
from tests.conftest import bearer, last_sms_text, login_staff
from tests.open311 import spec
from tests.open311.helpers import JSON, REPORT, V2, XML, partner


async def post(client: httpx.AsyncClient, form: dict[str, str], fmt: str = "json",
               headers: dict[str, str] | None = None) -> httpx.Response:
    return await client.post(f"{V2}/requests.{fmt}", data=form, headers=headers)


async def test_a_partner_files_a_real_case_and_gets_a_token(client):
    key = (await partner(client))["api_key"]
    r = await post(client, REPORT | {"api_key": key})
    assert r.status_code == 201, r.text
    assert r.headers["content-type"] == JSON
    answer = r.json()
    spec.check_json(spec.POSTED, answer)
    token = answer[0]["token"]

    case = await Case.get(id=(await PartnerSubmission.get(token=token)).case_id)
    assert (case.channel, case.kind, case.category_id, case.status) == (
        "partner", "complaint", "ENV-NOISE", "submitted")
    assert case.content == REPORT["description"] and case.address == REPORT["address_string"]
    assert (case.lat, case.lng, case.region_id) == (30.2741, 120.1551, "330106")
    assert decrypt(case.contact_name_enc) == "王小明" and case.public is False
    first = await CaseEvent.get(case_id=case.id, seq=1)
    assert (first.action, first.actor_role) == ("submit", "partner")
    sms = await last_sms_text("13800138000")
    assert sms["template"] == "case_received" and sms["tracking_no"] == case.tracking_no

    # staff see it like any other case
    handler = await login_staff(client, "dispatcher")
    r = await client.get(f"/api/v1/cases/{case.tracking_no}", headers=bearer(handler))
    assert r.status_code == 200 and r.json()["channel"] == "partner"

    # the token names no public id until the case is published
    r = await client.get(f"{V2}/tokens/{token}.json")
    assert r.status_code == 200 and r.json() == [{"service_request_id": None, "token": token}]
    spec.check_json(spec.TOKENS, r.json())
    r = await client.get(f"{V2}/tokens/{token}.xml")
    doc = spec.check_xml(r.content, "service_requests", ("service_request_id", "token"))
    assert spec.xml_rows(doc) == [{"service_request_id": "", "token": token}]


async def test_xml_answer_and_address_only_location(client):
    key = (await partner(client))["api_key"]
    form = {"api_key": key, "service_code": "TRAFFIC-ROAD", "address_string": "文三路与学院路口",
            "description": "路口井盖破损，车辆经过有危险。", "attribute[public]": "true"}
    r = await post(client, form, "xml")
    assert r.status_code == 201 and r.headers["content-type"] == XML
    doc = spec.check_xml(r.content, "service_requests", ("token", "service_notice",
                                                         "account_id"))
    token = spec.xml_rows(doc)[0]["token"]
    case = await Case.get(id=(await PartnerSubmission.get(token=token)).case_id)
    assert (case.kind, case.address, case.lat, case.public) == (
        "report", "文三路与学院路口", None, True)


async def test_a_retry_with_the_same_idempotency_key_files_once(client):
    key = (await partner(client))["api_key"]
    headers = {"Idempotency-Key": "o311-retry-1"}
    first = await post(client, REPORT | {"api_key": key}, headers=headers)
    again = await post(client, REPORT | {"api_key": key}, headers=headers)
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert await Case.filter(channel="partner").count() == 1
    other = await post(client, REPORT | {"api_key": key, "description": "另一件事情的内容。"},
                       headers=headers)
    assert other.status_code == 409
    spec.check_json(spec.ERRORS, other.json())
    plain = await post(client, REPORT | {"api_key": key})
    assert plain.status_code == 201 and plain.json()[0]["token"] != first.json()[0]["token"]


async def test_keys_and_scopes(client):
    made = await partner(client, ["cases:read"])
    admin = await login_staff(client, "admin")
    cases = [
        ({}, 400), ({"api_key": ""}, 400), ({"api_key": "hlp_nope"}, 403),
        ({"api_key": made["api_key"]}, 403),  # no cases:create scope
    ]
    for extra, status in cases:
        r = await post(client, REPORT | extra)
        assert r.status_code == status, (extra, r.text)
        spec.check_json(spec.ERRORS, r.json())
        assert r.json()[0]["code"] == status
    good = await partner(client)
    r = await client.patch(f"/api/v1/admin/partners/{good['id']}", json={"active": False},
                           headers=bearer(admin))
    assert r.status_code == 200
    r = await post(client, REPORT | {"api_key": good["api_key"]}, "xml")
    assert r.status_code == 403
    spec.check_xml(r.content, "errors")
    assert await Case.all().count() == 0


BAD: list[tuple[dict[str, str], int]] = [
    ({"service_code": ""}, 400),
    ({"service_code": "NO-SUCH"}, 404),
    ({"service_code": "GENERAL-POLICY"}, 404),  # consultations are not Open311 services
    ({"lat": "abc"}, 400),
    ({"lat": "nan"}, 400),
    ({"lat": "95"}, 400),
    ({"lat": "48.85", "long": "2.35"}, 400),  # outside China
    ({"description": ""}, 400),
    ({"description": "短"}, 400),
    ({"description": "含有控制字符\x00的内容很长很长"}, 400),
    ({"phone": "12345"}, 400),
    ({"attribute[kind]": "praise"}, 400),
    ({"attribute[public]": "maybe"}, 400),
    ({"attribute[region_code]": "99"}, 400),
    ({"attribute[region_code]": "990000"}, 400),  # no such region
    ({"attribute[colour]": "red"}, 400),
    ({"unexpected": "x"}, 400),
    ({"last_name": "王\x07"}, 400),
]


@pytest.mark.parametrize(("change", "status"), BAD)
async def test_bad_forms_are_spec_errors(client, change: dict[str, Any], status: int):
    key = (await partner(client))["api_key"]
    r = await post(client, REPORT | {"api_key": key} | change)
    assert r.status_code == status, r.text
    spec.check_json(spec.ERRORS, r.json())
    assert await Case.all().count() == 0


async def test_missing_location_and_bodies_that_are_not_forms(client):
    key = (await partner(client))["api_key"]
    form = {k: v for k, v in REPORT.items() if k not in ("lat", "long", "address_string")}
    r = await post(client, form | {"api_key": key})
    assert r.status_code == 400 and "位置" in r.json()[0]["description"]
    r = await post(client, {k: v for k, v in REPORT.items() if k != "long"} | {"api_key": key})
    assert r.status_code == 400
    r = await client.post(f"{V2}/requests.json", json=REPORT | {"api_key": key})
    assert r.status_code == 400
    r = await client.post(f"{V2}/requests.json", content=b"api_key=%ZZ&\xff\xfe",
                          headers={"content-type": "application/x-www-form-urlencoded"})
    assert r.status_code in (400, 403)
    r = await client.post(f"{V2}/requests.json", files={"media": ("a.jpg", b"xx")},
                          data={"api_key": key})
    assert r.status_code == 400
    r = await client.post(f"{V2}/requests.csv", data=REPORT | {"api_key": key})
    assert r.status_code == 404
    assert await Case.all().count() == 0
