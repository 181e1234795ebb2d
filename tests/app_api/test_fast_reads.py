"""The busiest reads answer plain requests on a fast path (app_api.lean.FastPathRoute): the
reply is exactly what its declared model makes of it, and anything not plain still gets
FastAPI's own answer."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import BaseModel

from app_api.schemas.cases import CaseOut, MyCasesOut, TrackOut
from app_api.schemas.staff import QueuePageOut
from tests.casework.test_queues import assign, new_case
from tests.conftest import COMPLAINT, bearer, login_staff


def as_model_says(model: type[BaseModel], reply: dict[str, Any]) -> dict[str, Any]:
    return model.model_validate(reply).model_dump(mode="json")


async def test_fast_replies_are_what_their_models_make_of_them(client, citizen_token):
    now = datetime.now(UTC)
    no = await new_case(client, citizen_token, **await assign(
        "HZ-STHJJ", next_due_kind="complete", next_due_at=now - timedelta(hours=1),
        warn_at=now - timedelta(days=1)))
    handler = await login_staff(client, "handler")
    code = (await client.post("/api/v1/cases", json=COMPLAINT, headers=bearer(citizen_token)))
    assert code.status_code == 201
    filed = code.json()
    reads = [
        (f"/api/v1/cases/{no}", citizen_token, CaseOut),
        (f"/api/v1/cases/{no}", handler, CaseOut),
        ("/api/v1/cases/mine?limit=1", citizen_token, MyCasesOut),
        ("/api/v1/staff/cases?light=red", handler, QueuePageOut),
        ("/api/v1/staff/cases", handler, QueuePageOut),
        (f"/api/v1/track/{filed['tracking_no']}?code={filed['query_code']}", None, TrackOut),
    ]
    for path, token, model in reads:
        r = await client.get(path, headers=bearer(token) if token else {})
        assert r.status_code == 200, (path, r.text)
        assert r.json() == as_model_says(model, r.json()), path
    page = (await client.get("/api/v1/cases/mine?limit=1", headers=bearer(citizen_token))).json()
    assert page["next_cursor"]
    more = await client.get("/api/v1/cases/mine", params={"limit": 1, "cursor": page[
        "next_cursor"]}, headers=bearer(citizen_token))
    assert [c["tracking_no"] for c in more.json()["items"]] == [no]


async def test_requests_not_plain_take_fastapis_path(client, citizen_token):
    handler = await login_staff(client, "handler")
    mine = bearer(citizen_token)
    for path, headers, status in [
        ("/api/v1/cases/mine?limit=0", mine, 422),
        ("/api/v1/cases/mine?limit=101", mine, 422),
        ("/api/v1/cases/mine?limit=2&limit=x", mine, 422),
        ("/api/v1/cases/mine?cursor=" + "x" * 161, mine, 422),
        ("/api/v1/cases/mine?cursor=garbage", mine, 422),
        ("/api/v1/cases/mine", {}, 401),
        ("/api/v1/cases/20261127-000123", mine, 404),
        ("/api/v1/cases/%E2%80%AE1", mine, 404),
        ("/api/v1/cases/" + "1" * 33, mine, 422),
        ("/api/v1/staff/cases?light=RED", bearer(handler), 422),
        ("/api/v1/staff/cases?status=nope", bearer(handler), 422),
        ("/api/v1/staff/cases", mine, 401),
        ("/api/v1/track/20261127-000123?code=1234567890123", {}, 422),
        ("/api/v1/track/20261127-000123?code=123456", {}, 404),
    ]:
        r = await client.get(path, headers=headers)
        assert r.status_code == status, (path, r.text)
        assert r.headers["content-type"].startswith("application/problem+json"), path


async def test_a_citizen_signed_out_everywhere_reads_nothing_more(client, citizen_token):
    """The session check goes with the read (one statement on PostgreSQL); it still answers
    401 first, whatever the read would have answered."""
    no = (await client.post("/api/v1/cases", json=COMPLAINT,
                            headers=bearer(citizen_token))).json()["tracking_no"]
    mine = bearer(citizen_token)
    page = (await client.get("/api/v1/cases/mine?limit=1", headers=mine)).json()
    assert page["items"] and (await client.get(f"/api/v1/cases/{no}", headers=mine)).is_success
    await asyncio.sleep(0.01)  # revocation times are kept to the millisecond
    r = await client.post("/api/v1/auth/logout", json={"all": True}, headers=mine)
    assert r.status_code == 204
    for path in (f"/api/v1/cases/{no}", "/api/v1/cases/20261127-000123", "/api/v1/cases/mine",
                 "/api/v1/cases/mine?cursor=garbage", "/api/v1/cases/mine?limit=1"):
        r = await client.get(path, headers=mine)
        assert r.status_code == 401, (path, r.text)
        assert r.json()["code"] == "invalid_token", path
