"""The input policy at the edge (app_api.schemas.inputs): control characters, bidi controls,
invisible text, ids past their columns, dates out of range and edited cursors are 4xx, never a
500 nor stored."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from models.case import Case
from tests.conftest import COMPLAINT, bearer, login_staff


def assert_invalid(r: httpx.Response, code: str, field: str | None = None) -> None:
    assert r.status_code == 422, r.text
    assert r.headers["content-type"] == "application/problem+json"
    problem = r.json()
    assert problem["code"] == code, problem
    if field is not None:
        assert problem["detail"].startswith(f"{field}："), problem["detail"]


async def file(client: httpx.AsyncClient, token: str, **fields: object) -> httpx.Response:
    return await client.post("/api/v1/cases", json=COMPLAINT | fields, headers=bearer(token))


@pytest.mark.parametrize("bad", ["\x00", "\x07", "\x1b[31m", "\r", "\x7f", "\x85"])
async def test_control_characters_in_case_text_are_refused_naming_the_field(
    client, citizen_token, bad
):
    r = await file(client, citizen_token, content=f"工地夜间施工{bad}噪音很大")
    assert_invalid(r, "invalid_text", "content")
    r = await file(client, citizen_token, title=f"噪音{bad}扰民")
    assert_invalid(r, "invalid_text", "title")
    location = COMPLAINT["location"] | {"address": f"文三路{bad}1号"}  # type: ignore[operator]
    r = await file(client, citizen_token, location=location)
    assert_invalid(r, "invalid_text", "location.address")
    assert await Case.all().count() == 0


async def test_a_lone_surrogate_is_refused_not_a_500(client, citizen_token):
    raw = json.dumps(COMPLAINT | {"content": "PLACEHOLDER 噪音很大"}).replace(
        "PLACEHOLDER", "\\ud800"
    )
    r = await client.post(
        "/api/v1/cases", content=raw,
        headers=bearer(citizen_token) | {"content-type": "application/json"},
    )
    assert r.status_code == 422, r.text  # pydantic itself refuses it (string_unicode)
    assert r.json()["errors"][0]["loc"] == ["body", "content"]


async def test_newlines_and_tabs_are_text_and_crlf_reads_as_lf(client, citizen_token):
    r = await file(client, citizen_token, content="第一行\r\n第二行\t噪音很大")
    assert r.status_code == 201, r.text
    assert r.json()["content"] == "第一行\n第二行\t噪音很大"


async def test_bidi_controls_are_removed(client, citizen_token):
    r = await file(client, citizen_token, content="工地\u202e夜间施工\u2066噪音\u2069很大")
    assert r.status_code == 201, r.text
    assert r.json()["content"] == "工地夜间施工噪音很大"


@pytest.mark.parametrize("invisible", ["\u200b" * 6, "\u200b \u200c\u200d\u2060\ufeff", "      "])
async def test_content_needs_visible_characters(client, citizen_token, invisible):
    r = await file(client, citizen_token, content=invisible)
    assert r.status_code == 422
    assert r.json()["code"] in ("invalid_text", "validation_error")  # spaces: too short
    r = await file(client, citizen_token, title="\u200b\u200b")
    assert_invalid(r, "invalid_text", "title")


async def test_nul_in_the_staff_login_username_is_a_422(client):
    r = await client.post(
        "/api/v1/auth/staff-login", json={"username": "admin\x00", "password": "x"}
    )
    assert_invalid(r, "invalid_text", "username")


async def test_nul_in_a_tracking_number_is_a_4xx(client, citizen_token):
    r = await client.get("/api/v1/track/20261127-000001%00?code=123456")
    assert_invalid(r, "invalid_text")
    r = await client.get("/api/v1/cases/20261127%00-000001", headers=bearer(citizen_token))
    assert_invalid(r, "invalid_text")
    r = await client.get("/api/v1/cases/" + "9" * 40, headers=bearer(citizen_token))
    assert r.status_code == 422
    r = await client.get("/api/v1/cases/no-such-case", headers=bearer(citizen_token))
    assert r.status_code == 404


async def test_occurred_at_lies_between_2000_and_a_few_minutes_from_now(client, citizen_token):
    soon = datetime.now(UTC) + timedelta(minutes=2)
    later = datetime.now(UTC) + timedelta(hours=1)
    for bad in ("0001-01-01T00:00:00", "0001-01-01T00:00:00+01:00", "1999-12-31T23:59:59+08:00",
                "9999-12-31T23:59:59-01:00", later.isoformat()):
        r = await file(client, citizen_token, occurred_at=bad)
        assert_invalid(r, "invalid_occurred_at", "occurred_at")
    r = await file(client, citizen_token, occurred_at=soon.isoformat())
    assert r.status_code == 201, r.text


@pytest.mark.parametrize("big", [2**31, 2**63, 2**64 + 1])
async def test_ids_past_their_columns_are_4xx(client, citizen_token, big):
    r = await file(client, citizen_token, photo_ids=[big])
    assert r.status_code == 422 and r.json()["code"] == "invalid_photo"
    dispatcher = bearer(await login_staff(client, "dispatcher"))
    r = await client.get(f"/api/v1/staff/cases?unit_id={big}", headers=dispatcher)
    assert r.status_code in (404, 422), r.text
    supervisor = bearer(await login_staff(client, "supervisor"))
    r = await client.get(f"/api/v1/staff/stats?unit_id={big}", headers=supervisor)
    assert r.status_code in (404, 422), r.text
    admin = bearer(await login_staff(client, "reward_admin"))
    r = await client.get(f"/api/v1/admin/rewards/claims?program_id={big}", headers=admin)
    assert r.status_code in (404, 422), r.text
    for path in (f"/admin/rewards/claims/{big}", f"/admin/rewards/claims/{big * 2}"):
        r = await client.get(f"/api/v1{path}", headers=admin)
        assert r.status_code in (404, 422), r.text
        r = await client.post(
            f"/api/v1{path}/approve", json={"amount": "10.00"}, headers=admin
        )
        assert r.status_code in (404, 422), r.text
    r = await client.get(f"/api/v1/photos/{big}/display", headers=bearer(citizen_token))
    assert r.status_code == 404


async def test_amounts_that_no_column_holds_are_422(client):
    admin = bearer(await login_staff(client, "reward_admin"))
    for amount in ("1e999999999", "NaN", 1e300, 10**20, "１２"):
        r = await client.post(
            "/api/v1/admin/rewards/claims/1/approve", json={"amount": amount}, headers=admin
        )
        assert r.status_code == 422, (amount, r.text)


async def test_query_dates_are_bounded(client):
    supervisor = bearer(await login_staff(client, "supervisor"))
    r = await client.get("/api/v1/staff/stats?from=0001-01-01", headers=supervisor)
    assert_invalid(r, "invalid_date")
    admin = bearer(await login_staff(client, "reward_admin"))
    r = await client.get("/api/v1/admin/rewards/export.csv?to=9999-12-31", headers=admin)
    assert_invalid(r, "invalid_date")


def _b64(raw: str) -> str:
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


async def test_cursors_are_signed_so_an_edited_one_is_a_422(client, citizen_token):
    for _ in range(2):
        assert (await file(client, citizen_token)).status_code == 201
    auth = bearer(citizen_token)
    page = (await client.get("/api/v1/cases/mine?limit=1", headers=auth)).json()
    cursor = page["next_cursor"]
    ok = await client.get(f"/api/v1/cases/mine?limit=1&cursor={cursor}", headers=auth)
    assert ok.status_code == 200 and len(ok.json()["items"]) == 1
    body, _, mac = cursor.partition(".")
    forged = [
        f"{_b64('c:9223372036854775807')}.{mac}",  # another number under the same signature
        f"{body}.{mac[:-2]}AA",
        _b64("c:5"),  # the old plain base64 form
        _b64(str(2**70)),
        "%%%",
    ]
    for bad in forged:
        r = await client.get(f"/api/v1/cases/mine?cursor={bad}", headers=auth)
        assert_invalid(r, "invalid_cursor")
    # a cursor of one list is refused by another
    admin = bearer(await login_staff(client, "reward_admin"))
    r = await client.get(f"/api/v1/admin/rewards/claims?cursor={cursor}", headers=admin)
    assert_invalid(r, "invalid_cursor")


async def test_a_huge_due_time_cursor_is_a_422_not_an_overflow(client):
    dispatcher = bearer(await login_staff(client, "dispatcher"))
    for raw in (f"d:{10**30}:3", "d:99999999999999999:3", "i:1"):
        r = await client.get(
            f"/api/v1/staff/cases?light=red&cursor={_b64(raw)}", headers=dispatcher
        )
        assert_invalid(r, "invalid_cursor")


async def test_text_query_parameters_refuse_controls(client):
    r = await client.get("/api/v1/wechat/oauth/authorize?next=/h5/%00")
    assert_invalid(r, "invalid_text")
    dispatcher = bearer(await login_staff(client, "dispatcher"))
    r = await client.get("/api/v1/staff/cases?status=sub%00mitted", headers=dispatcher)
    assert_invalid(r, "invalid_text")


async def test_headers_and_photo_paths_refuse_controls(client, citizen_token):
    r = await client.post(
        "/api/v1/cases", json=COMPLAINT,
        headers=bearer(citizen_token) | {"Idempotency-Key": "retry\x01key"},
    )
    assert r.status_code == 422 and r.json()["code"] == "invalid_header"
    r = await client.get("/api/v1/photos/1%00/display", headers=bearer(citizen_token))
    assert_invalid(r, "invalid_text")
    r = await client.get("/api/v1/photos/1/display?exp=1%00&sig=x")
    assert_invalid(r, "invalid_text")
    assert await Case.all().count() == 0


async def test_digits_are_ascii_digits(client):
    r = await client.post("/api/v1/auth/sms-code", json={"phone": "1３８００１３８０００"})
    assert r.status_code == 422 and r.json()["code"] == "invalid_phone"
    r = await client.post(
        "/api/v1/auth/sms-login", json={"phone": "13800138000", "code": "١٢٣٤٥٦"}
    )
    assert r.status_code == 422
