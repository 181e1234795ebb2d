"""Case intake: idempotency, numbering, validation, and who may read what."""

from __future__ import annotations

import asyncio
import re

import pytest

from casework.timeline import verify_chain
from models.case import Case, CaseEvent
from models.ops import IdempotencyRecord
from models.outbox import OutboxMessage
from tests.conftest import COMPLAINT, bearer, login_citizen, login_staff

TRACKING = re.compile(r"^\d{8}-\d{6}$")


async def counts() -> tuple[int, int, int]:
    return (
        await Case.all().count(),
        await CaseEvent.all().count(),
        await OutboxMessage.filter(template="case_received").count(),
    )


async def test_submission_commits_case_first_event_and_outbox_together(client, citizen_token):
    r = await client.post("/api/v1/cases", json=COMPLAINT, headers=bearer(citizen_token))
    assert r.status_code == 201
    case = r.json()
    assert TRACKING.match(case["tracking_no"])
    assert re.fullmatch(r"\d{6}", case["query_code"])
    assert case["status"] == "submitted" and case["channel"] == "app"
    assert case["due"]["dispatch"] and case["next_due_at"] == case["due"]["dispatch"]
    assert case["light"] in ("green", "yellow")
    assert case["timeline"][0]["action"] == "submit"
    assert "+08:00" in case["created_at"]
    assert await counts() == (1, 1, 1)
    stored = await Case.get(tracking_no=case["tracking_no"])
    assert case["query_code"] not in stored.query_code_hash
    events = await CaseEvent.filter(case_id=stored.id)
    assert verify_chain(stored.tracking_no, events)


async def test_chinese_is_not_escaped(client, citizen_token):
    r = await client.post("/api/v1/cases", json=COMPLAINT, headers=bearer(citizen_token))
    assert "噪音".encode() in r.content


async def test_same_idempotency_key_returns_the_first_case(client, citizen_token):
    headers = bearer(citizen_token) | {"Idempotency-Key": "retry-1"}
    first = await client.post("/api/v1/cases", json=COMPLAINT, headers=headers)
    second = await client.post("/api/v1/cases", json=COMPLAINT, headers=headers)
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    assert await counts() == (1, 1, 1)


async def test_concurrent_retries_with_one_key_make_one_case(client, citizen_token):
    headers = bearer(citizen_token) | {"Idempotency-Key": "burst"}
    replies = await asyncio.gather(
        *[client.post("/api/v1/cases", json=COMPLAINT, headers=headers) for _ in range(10)]
    )
    assert {r.status_code for r in replies} == {201}
    assert len({r.json()["tracking_no"] for r in replies}) == 1
    assert await Case.all().count() == 1


async def test_same_key_with_another_body_is_refused(client, citizen_token):
    headers = bearer(citizen_token) | {"Idempotency-Key": "k"}
    await client.post("/api/v1/cases", json=COMPLAINT, headers=headers)
    other = COMPLAINT | {"content": "另一件事情：路灯坏了很久没人修。"}
    r = await client.post("/api/v1/cases", json=other, headers=headers)
    assert r.status_code == 409
    assert r.json()["code"] == "idempotency_key_reused"
    assert await Case.all().count() == 1


async def test_keys_are_scoped_per_client(client, citizen_token):
    other = (await login_citizen(client, "13711112222"))["access_token"]
    for token in (citizen_token, other):
        r = await client.post(
            "/api/v1/cases", json=COMPLAINT, headers=bearer(token) | {"Idempotency-Key": "same"}
        )
        assert r.status_code == 201
    assert await Case.all().count() == 2
    assert await IdempotencyRecord.all().count() == 2


async def test_200_concurrent_submissions_get_distinct_tracking_numbers(client, citizen_token):
    replies = await asyncio.gather(
        *[
            client.post("/api/v1/cases", json=COMPLAINT, headers=bearer(citizen_token))
            for _ in range(200)
        ]
    )
    assert [r.status_code for r in replies] == [201] * 200
    numbers = [r.json()["tracking_no"] for r in replies]
    assert len(set(numbers)) == 200
    assert all(TRACKING.match(n) for n in numbers)
    assert await Case.all().count() == 200


async def test_operator_records_a_phone_call(client):
    token = await login_staff(client, "operator")
    body = COMPLAINT | {"channel": "phone", "citizen": {"name": "张三", "phone": "13812345678"}}
    r = await client.post("/api/v1/intake/cases", json=body, headers=bearer(token))
    assert r.status_code == 201, r.text
    case = r.json()
    assert case["channel"] == "phone"
    assert case["contact"]["phone"] == "13812345678"  # operators need to call back
    assert await OutboxMessage.filter(template="case_received").count() == 1


async def test_citizens_cannot_use_operator_intake_and_handlers_cannot_record(
    client, citizen_token
):
    body = COMPLAINT | {"channel": "phone"}
    r = await client.post("/api/v1/intake/cases", json=body, headers=bearer(citizen_token))
    assert r.status_code == 401
    handler = await login_staff(client, "handler")
    r = await client.post("/api/v1/intake/cases", json=body, headers=bearer(handler))
    assert r.status_code == 403
    assert r.json()["code"] == "forbidden"
    assert await Case.all().count() == 0


BAD_BODIES = [
    pytest.param(COMPLAINT | {"kind": "gossip"}, 422, "validation_error", id="unknown kind"),
    pytest.param(COMPLAINT | {"category_code": "NOPE"}, 422, "unknown_category", id="category"),
    pytest.param(
        COMPLAINT | {"kind": "praise"}, 422, "kind_not_accepted", id="kind not accepted"
    ),
    pytest.param(COMPLAINT | {"content": "短"}, 422, "validation_error", id="too short"),
    pytest.param(COMPLAINT | {"content": "长" * 5001}, 422, "validation_error", id="too long"),
    pytest.param(COMPLAINT | {"content": 12345}, 422, "validation_error", id="wrong type"),
    pytest.param(COMPLAINT | {"anonymous": "yes"}, 422, "validation_error", id="bool type"),
    pytest.param(
        COMPLAINT | {"location": {"lat": 48.85, "lng": 2.35}},
        422,
        "location_outside_china",
        id="paris",
    ),
    pytest.param(
        COMPLAINT | {"location": {"lat": 95, "lng": 120}}, 422, "validation_error", id="lat>90"
    ),
    pytest.param(
        COMPLAINT | {"contact_phone": "12345"}, 422, "invalid_phone", id="bad phone"
    ),
    pytest.param(
        COMPLAINT | {"location": {"lat": 30.2, "lng": 120.1, "region_code": "999999"}},
        422,
        "unknown_region",
        id="region",
    ),
    pytest.param(
        COMPLAINT | {"occurred_at": "2999-01-01T00:00:00+08:00"},
        422,
        "invalid_occurred_at",
        id="future",
    ),
    pytest.param(
        {k: v for k, v in COMPLAINT.items() if k != "kind"}, 422, "validation_error", id="missing"
    ),
]


@pytest.mark.parametrize(("body", "status", "code"), BAD_BODIES)
async def test_bad_input_is_a_problem_and_writes_nothing(client, citizen_token, body, status, code):
    r = await client.post("/api/v1/cases", json=body, headers=bearer(citizen_token))
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == "application/problem+json"
    problem = r.json()
    assert problem["code"] == code
    assert problem["status"] == status and problem["title"] and problem["detail"]
    assert await counts() == (0, 0, 0)


async def test_malformed_json_and_oversized_bodies(client, citizen_token):
    headers = bearer(citizen_token) | {"Content-Type": "application/json"}
    r = await client.post("/api/v1/cases", content=b'{"kind": "compl', headers=headers)
    assert r.status_code == 400
    assert r.json()["code"] == "malformed_json"
    r = await client.post("/api/v1/cases", content=b"[1, 2", headers=headers)
    assert r.status_code == 400
    big = b'{"content": "' + b"x" * 200_000 + b'"}'
    r = await client.post("/api/v1/cases", content=big, headers=headers)
    assert r.status_code == 413
    assert r.json()["code"] == "payload_too_large"

    async def chunks():  # no Content-Length: the limit applies while streaming
        for _ in range(100):
            yield b"x" * 1000

    r = await client.post("/api/v1/cases", content=chunks(), headers=headers)
    assert r.status_code == 413
    assert r.json()["code"] == "payload_too_large"
    r = await client.post("/api/v1/cases", json=["not", "an", "object"], headers=headers)
    assert r.status_code == 422
    assert await counts() == (0, 0, 0)


async def test_overlong_idempotency_key_is_refused(client, citizen_token):
    headers = bearer(citizen_token) | {"Idempotency-Key": "k" * 101}
    r = await client.post("/api/v1/cases", json=COMPLAINT, headers=headers)
    assert r.status_code == 422
    assert await Case.all().count() == 0


async def test_a_citizen_cannot_read_another_citizens_case(client, citizen_token):
    case = (
        await client.post("/api/v1/cases", json=COMPLAINT, headers=bearer(citizen_token))
    ).json()
    mine = await client.get(f"/api/v1/cases/{case['tracking_no']}", headers=bearer(citizen_token))
    assert mine.status_code == 200
    assert mine.json()["query_code"] is None  # shown once, at submission
    other = (await login_citizen(client, "13711112222"))["access_token"]
    r = await client.get(f"/api/v1/cases/{case['tracking_no']}", headers=bearer(other))
    assert r.status_code == 404
    r = await client.get("/api/v1/cases/mine", headers=bearer(other))
    assert r.json()["items"] == []
    r = await client.get(f"/api/v1/cases/{case['tracking_no']}")
    assert r.status_code == 401


async def test_staff_read_only_within_their_units_subtree(client, citizen_token):
    case = (
        await client.post("/api/v1/cases", json=COMPLAINT, headers=bearer(citizen_token))
    ).json()
    url = f"/api/v1/cases/{case['tracking_no']}"
    dispatcher = await login_staff(client, "dispatcher")  # the provincial 12345 centre
    r = await client.get(url, headers=bearer(dispatcher))
    assert r.status_code == 200
    assert r.json()["contact"]["phone"] == "13800138000"
    handler = await login_staff(client, "handler")  # a city bureau: not yet its case
    assert (await client.get(url, headers=bearer(handler))).status_code == 404
    # once the case belongs to Hangzhou's ecology bureau, its handler sees it, Ningbo's does not
    from models.org import Unit

    unit = await Unit.get(code="HZ-STHJJ")
    await Case.filter(tracking_no=case["tracking_no"]).update(unit_id=unit.id, unit_path=unit.path)
    assert (await client.get(url, headers=bearer(handler))).status_code == 200
    sibling = await login_staff(client, "handler_nb")
    assert (await client.get(url, headers=bearer(sibling))).status_code == 404
    child = await login_staff(client, "handler_xh")  # a unit below it: not its case
    assert (await client.get(url, headers=bearer(child))).status_code == 404


async def test_my_cases_newest_first_with_cursor(client, citizen_token):
    numbers = []
    for _ in range(5):
        r = await client.post("/api/v1/cases", json=COMPLAINT, headers=bearer(citizen_token))
        numbers.append(r.json()["tracking_no"])
    page = (await client.get("/api/v1/cases/mine?limit=2", headers=bearer(citizen_token))).json()
    seen = [c["tracking_no"] for c in page["items"]]
    while page["next_cursor"]:
        page = (
            await client.get(
                f"/api/v1/cases/mine?limit=2&cursor={page['next_cursor']}",
                headers=bearer(citizen_token),
            )
        ).json()
        seen += [c["tracking_no"] for c in page["items"]]
    assert seen == list(reversed(numbers))
    r = await client.get("/api/v1/cases/mine?limit=101", headers=bearer(citizen_token))
    assert r.status_code == 422
    r = await client.get("/api/v1/cases/mine?cursor=%%%", headers=bearer(citizen_token))
    assert r.status_code == 422


async def test_public_tracking_shows_no_personal_data(client):
    token = await login_staff(client, "operator")
    body = COMPLAINT | {"channel": "phone", "citizen": {"name": "李四", "phone": "13812345678"}}
    case = (await client.post("/api/v1/intake/cases", json=body, headers=bearer(token))).json()
    r = await client.get(f"/api/v1/track/{case['tracking_no']}?code={case['query_code']}")
    assert r.status_code == 200
    text = r.text
    for secret in ("13812345678", "李四", "5678", "文三路", "30.2741", "120.1551", "light"):
        assert secret not in text
    assert r.json()["status"] == "submitted"
    wrong = "000000" if case["query_code"] != "000000" else "111111"
    r = await client.get(f"/api/v1/track/{case['tracking_no']}?code={wrong}")
    assert r.status_code == 404
    r = await client.get("/api/v1/track/20200101-000001?code=123456")
    assert r.status_code == 404


async def test_public_tracking_is_throttled(client, settings):
    statuses = [
        (await client.get("/api/v1/track/20200101-000001?code=123456")).status_code
        for _ in range(settings.track_wrong_code_per_case_hourly + 2)
    ]
    assert statuses[0] == 404
    assert statuses[-1] == 429


async def test_categories_are_public_and_carry_the_reward_flag(client):
    r = await client.get("/api/v1/categories")
    assert r.status_code == 200
    cats = {c["code"]: c for c in r.json()}
    assert cats["ENV-WATER-V"]["name"] == "劣V类水"
    assert cats["ENV-WATER-V"]["rewardable"] is True
    assert cats["ENV-WATER-V"]["parent_code"] == "ENV-WATER"
    assert "report" in cats["ENV-WATER-V"]["kinds"]


async def test_units_are_limited_to_the_callers_subtree(client):
    top = await login_staff(client, "dispatcher")
    everything = (await client.get("/api/v1/staff/units", headers=bearer(top))).json()
    handler = await login_staff(client, "handler")
    mine = (await client.get("/api/v1/staff/units", headers=bearer(handler))).json()
    assert {u["code"] for u in mine} == {"HZ-STHJJ"}
    assert len(everything) > 20
    assert {"id", "code", "name", "region_code", "parent_id"} <= set(mine[0])


async def test_health_and_readiness(client):
    assert (await client.get("/healthz")).json() == {"status": "ok"}
    r = await client.get("/readyz")
    assert r.status_code == 200 and r.json()["status"] == "ready"
