"""What each audience sees of a case: the contact per role, the citizen's own timeline, the
tracker's labelled events. Every reply here also passes FastAPI's response_model check."""

from __future__ import annotations

import re

import pytest

from app_api.schemas.cases import CaseOut, TrackOut
from casework.transitions import CALLBACK_ROLES, EVENT_LABELS
from models.org import Unit
from tests.conftest import COMPLAINT, bearer, login_staff

ROLES = ["operator", "dispatcher", "handler", "supervisor", "reward_admin", "admin"]
PHONE = "13912345678"


@pytest.fixture
async def staff(client):
    return {name: await login_staff(client, name) for name in ROLES}


async def file_and_dispatch(client, citizen_token, staff, **flags) -> str:
    body = COMPLAINT | {"contact_phone": PHONE} | flags
    r = await client.post("/api/v1/cases", json=body, headers=bearer(citizen_token))
    assert r.status_code == 201, r.text
    CaseOut.model_validate(r.json())  # the submitter's reply is a case view too
    no = r.json()["tracking_no"]
    unit = await Unit.get(code="HZ-STHJJ")
    r = await client.post(
        f"/api/v1/staff/cases/{no}/dispatch",
        json={"unit_id": unit.id, "procedure": "normal"},
        headers=bearer(staff["dispatcher"]),
    )
    assert r.status_code == 200, r.text
    return no


async def contact_seen_by(client, staff, no) -> dict[str, str | None]:
    seen = {}
    for role in ROLES:
        r = await client.get(f"/api/v1/cases/{no}", headers=bearer(staff[role]))
        assert r.status_code == 200, (role, r.text)
        CaseOut.model_validate(r.json())
        seen[role] = r.json()["contact"]["phone"]
    return seen


async def test_an_anonymous_case_shows_no_digit_of_the_phone_to_any_staff_role(
    client, citizen_token, staff
):
    no = await file_and_dispatch(client, citizen_token, staff, anonymous=True)
    for role, phone in (await contact_seen_by(client, staff, no)).items():
        assert phone and not re.search(r"\d", phone), (role, phone)


async def test_a_confidential_contact_is_whole_only_for_the_roles_that_call_back(
    client, citizen_token, staff
):
    assert CALLBACK_ROLES == {"supervisor"}
    no = await file_and_dispatch(client, citizen_token, staff, confidential=True)
    seen = await contact_seen_by(client, staff, no)
    assert seen.pop("supervisor") == PHONE
    assert seen == {role: "139****5678" for role in seen}  # admin and operator included


async def test_an_ordinary_case_shows_the_contact_to_the_roles_that_handle_it(
    client, citizen_token, staff
):
    no = await file_and_dispatch(client, citizen_token, staff)
    seen = await contact_seen_by(client, staff, no)
    assert seen == {role: PHONE for role in ROLES if role != "reward_admin"} | {
        "reward_admin": "139****5678"
    }


async def test_the_citizen_sees_every_event_that_concerns_them_with_their_ratings(
    client, citizen_token, staff
):
    r = await client.post("/api/v1/cases", json=COMPLAINT, headers=bearer(citizen_token))
    no, code = r.json()["tracking_no"], r.json()["query_code"]
    unit = await Unit.get(code="HZ-STHJJ")
    handler = await login_staff(client, "handler")

    async def act(token: str, path: str, body: dict | None = None) -> None:
        r = await client.post(
            f"/api/v1/staff/cases/{no}/{path}", json=body or {}, headers=bearer(token)
        )
        assert r.status_code == 200, r.text
        CaseOut.model_validate(r.json())

    async def rate(score: int) -> None:
        r = await client.post(
            f"/api/v1/cases/{no}/rating", json={"score": score}, headers=bearer(citizen_token)
        )
        assert r.status_code == 201, r.text

    await act(staff["dispatcher"], "dispatch", {"unit_id": unit.id, "procedure": "simple"})
    await act(handler, "sign")
    await act(staff["supervisor"], "supervise", {"note": "请加快办理"})  # internal
    await act(handler, "reply", {"content": "已处理。"})
    await rate(2)
    await act(staff["supervisor"], "verify", {"outcome": "reopen", "note": "确未处理"})
    await act(handler, "reply", {"content": "已现场处理完毕。"})
    await rate(5)

    mine = (await client.get(f"/api/v1/cases/{no}", headers=bearer(citizen_token))).json()
    CaseOut.model_validate(mine)
    assert [e["action"] for e in mine["timeline"]] == [
        "submit", "dispatch", "sign", "reply", "rate", "verify", "reply", "rate",
    ]
    assert all(e["label"] == EVENT_LABELS[e["action"]] for e in mine["timeline"])
    assert [(x["round"], x["score"], x["label"]) for x in mine["ratings"]] == [
        (1, 2, "不满意"),
        (2, 5, "非常满意"),
    ]
    assert mine["flags"] is None
    theirs = (await client.get(f"/api/v1/cases/{no}", headers=bearer(staff["supervisor"]))).json()
    assert len(theirs["timeline"]) == 9 and "supervise" in [e["action"] for e in theirs["timeline"]]
    assert theirs["flags"] == []

    tracked = await client.get(f"/api/v1/track/{no}", params={"code": code})
    assert tracked.status_code == 200, tracked.text
    TrackOut.model_validate(tracked.json())
    events = tracked.json()["timeline"]
    assert [e["action"] for e in events] == [
        "submit", "dispatch", "sign", "reply", "verify", "reply",
    ]
    assert [e["label"] for e in events] == ["受理", "转办", "签收", "答复", "核实", "答复"]
    assert events[-1]["note"] == "已现场处理完毕。" and events[-2]["note"] == ""
    assert tracked.json()["reply"] == "已现场处理完毕。"
