"""A case's whole life through the staff endpoints, and the transition table's full matrix."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from casework.lifecycle import perform
from casework.timeline import verify_chain
from casework.transitions import (
    BY_ACTION,
    BY_OUTCOME,
    RESUME,
    STAFF_ACTIONS,
    STATES,
    STAY,
    TRANSITIONS,
    State,
    allowed,
)
from identity.principal import Principal
from models.case import Case, CaseEvent, CaseTask, Rating
from models.org import Unit
from models.outbox import OutboxMessage
from tests.conftest import COMPLAINT, bearer, login_citizen, login_staff


async def submit(client, token, body=COMPLAINT) -> str:
    r = await client.post("/api/v1/cases", json=body, headers=bearer(token))
    assert r.status_code == 201, r.text
    return r.json()["tracking_no"]


async def act(client, token, no, path, body=None, status=200):
    r = await client.post(
        f"/api/v1/staff/cases/{no}/{path}", json=body or {}, headers=bearer(token)
    )
    assert r.status_code == status, r.text
    return r.json()


@pytest.fixture
async def staff(client):
    names = ["dispatcher", "handler", "handler_nb", "supervisor", "operator", "admin"]
    return {name: await login_staff(client, name) for name in names}


@pytest.fixture
async def hz_unit():
    return await Unit.get(code="HZ-STHJJ")


async def messages(no: str) -> list[tuple[str, str]]:
    case = await Case.get(tracking_no=no)
    rows = await OutboxMessage.filter(case_id=case.id).order_by("id")
    return [(m.template, m.recipient_kind) for m in rows]


async def test_a_case_travels_its_whole_life(client, citizen_token, staff, hz_unit):
    no = await submit(client, citizen_token)
    case = await act(
        client, staff["dispatcher"], no, "dispatch", {"unit_id": hz_unit.id, "procedure": "normal"}
    )
    assert case["status"] == "dispatched" and case["procedure"] == "normal"
    assert case["unit"] == {"id": hz_unit.id, "name": "杭州市生态环境局"}
    due = case["due"]
    assert due["sign"] and due["transfer"] and due["notice"] and due["complete"]
    assert case["next_due_at"] == due["sign"]  # the earliest unmet
    case = await act(client, staff["handler"], no, "sign")
    assert case["status"] == "signed"
    assert case["next_due_at"] == due["notice"]
    case = await act(
        client, staff["handler"], no, "notice", {"content": "已受理，将于30日内办结。"}
    )
    assert case["next_due_at"] == due["complete"]
    case = await act(
        client,
        staff["handler"],
        no,
        "reply",
        {"content": "经查，工地已停止夜间施工。", "public": True},
    )
    assert case["status"] == "replied" and case["next_due_at"] is None and case["light"] is None
    r = await client.post(
        f"/api/v1/cases/{no}/rating",
        json={"score": 5, "comment": "很快"},
        headers=bearer(citizen_token),
    )
    assert r.status_code == 201, r.text
    assert r.json()["status"] == "closed"
    assert await messages(no) == [
        ("case_received", "citizen"),
        ("case_dispatched", "citizen"),
        ("unit_dispatched", "unit"),
        ("case_noticed", "citizen"),
        ("case_replied", "citizen"),
    ]
    stored = await Case.get(tracking_no=no)
    events = await CaseEvent.filter(case_id=stored.id)
    assert [e.action for e in sorted(events, key=lambda e: e.seq)] == [
        "submit",
        "dispatch",
        "sign",
        "notice",
        "reply",
        "rate",
    ]
    assert verify_chain(no, events)
    assert stored.completed_on_time is True
    # the public tracker shows the reply
    mine = await client.get(f"/api/v1/cases/{no}", headers=bearer(citizen_token))
    assert mine.json()["timeline"][-1]["action"] in ("reply", "rate")


async def test_tampering_breaks_the_chain(client, citizen_token, staff, hz_unit):
    no = await submit(client, citizen_token)
    await act(
        client, staff["dispatcher"], no, "dispatch", {"unit_id": hz_unit.id, "procedure": "simple"}
    )
    case = await Case.get(tracking_no=no)
    await CaseEvent.filter(case_id=case.id, seq=2).update(note="改过的记录")
    assert not verify_chain(no, await CaseEvent.filter(case_id=case.id))


async def test_immediate_answer_then_rating(client, citizen_token, staff):
    no = await submit(client, citizen_token)
    case = await act(
        client, staff["operator"], no, "answer", {"content": "夜间施工需办理许可，可拨打12345。"}
    )
    assert case["status"] == "answered" and case["procedure"] == "immediate"
    r = await client.post(
        f"/api/v1/cases/{no}/rating", json={"score": 4}, headers=bearer(citizen_token)
    )
    assert r.json()["status"] == "closed"


async def test_unsatisfied_rating_verification_reopen_and_second_round(
    client, citizen_token, staff, hz_unit
):
    no = await submit(client, citizen_token)
    await act(
        client, staff["dispatcher"], no, "dispatch", {"unit_id": hz_unit.id, "procedure": "simple"}
    )
    await act(client, staff["handler"], no, "sign")
    await act(client, staff["handler"], no, "reply", {"content": "已处理。"})
    rate = f"/api/v1/cases/{no}/rating"
    r = await client.post(
        rate, json={"score": 1, "comment": "根本没处理"}, headers=bearer(citizen_token)
    )
    assert r.status_code == 201 and r.json()["status"] == "rated"
    again = await client.post(rate, json={"score": 5}, headers=bearer(citizen_token))
    assert again.status_code == 409  # once per reply round
    case = await Case.get(tracking_no=no)
    kinds = sorted(
        await CaseTask.filter(case_id=case.id, status="open").values_list("kind", flat=True)
    )
    assert kinds == ["callback", "verification"]  # real-name unsatisfied: callback too
    before = datetime.now(UTC)
    reopened = await act(
        client, staff["supervisor"], no, "verify", {"outcome": "reopen", "note": "确未处理"}
    )
    assert reopened["status"] == "reopened"
    complete = datetime.fromisoformat(reopened["due"]["complete"])
    assert complete > before + timedelta(days=8)  # 7 working days counted from the reopen
    assert ("case_reopened", "citizen") in await messages(no)
    assert ("unit_reopened", "unit") in await messages(no)
    await act(client, staff["handler"], no, "reply", {"content": "已现场处理完毕。"})
    r = await client.post(rate, json={"score": 4}, headers=bearer(citizen_token))
    assert r.status_code == 201 and r.json()["status"] == "closed"
    assert await Rating.filter(case_id=case.id).count() == 2
    await act(
        client,
        staff["supervisor"],
        no,
        "callback",
        {"reached": True, "satisfied": True, "note": "已回访，群众满意"},
    )
    assert not await CaseTask.filter(case_id=case.id, kind="callback", status="open").exists()


async def test_upheld_closes(client, citizen_token, staff, hz_unit):
    no = await submit(client, citizen_token)
    await act(
        client, staff["dispatcher"], no, "dispatch", {"unit_id": hz_unit.id, "procedure": "simple"}
    )
    await act(client, staff["handler"], no, "sign")
    await act(client, staff["handler"], no, "reply", {"content": "已处理。"})
    await client.post(
        f"/api/v1/cases/{no}/rating", json={"score": 2}, headers=bearer(citizen_token)
    )
    case = await act(
        client, staff["supervisor"], no, "verify", {"outcome": "upheld", "note": "处理得当"}
    )
    assert case["status"] == "closed"
    assert (await Case.get(tracking_no=no)).close_reason == "upheld"


async def test_return_keeps_the_original_completion_deadline(client, citizen_token, staff, hz_unit):
    no = await submit(client, citizen_token)
    first = await act(
        client, staff["dispatcher"], no, "dispatch", {"unit_id": hz_unit.id, "procedure": "normal"}
    )
    returned = await act(client, staff["handler"], no, "return", {"reason": "不属于本单位职责"})
    assert returned["status"] == "returned" and returned["unit"] is None
    assert returned["due"]["complete"] == first["due"]["complete"]
    # the unit no longer sees it; the centre does
    r = await client.get(f"/api/v1/cases/{no}", headers=bearer(staff["handler"]))
    assert r.status_code == 404
    other = await Unit.get(code="HZ-CGJ")
    again = await act(
        client, staff["dispatcher"], no, "dispatch", {"unit_id": other.id, "procedure": "normal"}
    )
    assert again["due"]["complete"] == first["due"]["complete"]
    assert (await Case.get(tracking_no=no)).returned_count == 1


async def test_petition_extension_once_and_at_most_30_days(client, citizen_token, staff, hz_unit):
    no = await submit(client, citizen_token)
    first = await act(
        client,
        staff["dispatcher"],
        no,
        "dispatch",
        {"unit_id": hz_unit.id, "procedure": "petition"},
    )
    await act(client, staff["handler"], no, "sign")
    await act(
        client, staff["handler"], no, "extension", {"days": 31, "reason": "情况复杂"}, status=422
    )
    asked = await act(client, staff["handler"], no, "extension", {"days": 20, "reason": "情况复杂"})
    assert asked["status"] == "extension_requested"
    await act(client, staff["handler"], no, "extension/decision", {"approve": True}, status=403)
    decided = await act(client, staff["supervisor"], no, "extension/decision", {"approve": True})
    assert decided["status"] == "signed"
    moved = datetime.fromisoformat(decided["due"]["complete"]) - datetime.fromisoformat(
        first["due"]["complete"]
    )
    assert moved == timedelta(days=20)
    await act(client, staff["handler"], no, "extension", {"days": 5, "reason": "再延"}, status=422)


async def test_merge_and_every_reporter_hears_the_parent_reply(
    client, citizen_token, staff, hz_unit
):
    parent = await submit(client, citizen_token)
    other_token = (await login_citizen(client, "13711112222"))["access_token"]
    dup = await submit(client, other_token)
    merged = await act(client, staff["dispatcher"], dup, "merge", {"into": parent})
    assert merged["status"] == "merged"
    await act(client, staff["dispatcher"], dup, "merge", {"into": parent}, status=409)
    await act(client, staff["dispatcher"], parent, "merge", {"into": parent}, status=422)
    await act(
        client,
        staff["dispatcher"],
        parent,
        "dispatch",
        {"unit_id": hz_unit.id, "procedure": "simple"},
    )
    await act(client, staff["handler"], parent, "sign")
    await act(client, staff["handler"], parent, "reply", {"content": "已处理。"})
    assert ("case_replied", "citizen") in await messages(dup)


async def test_supervision_notifies_the_unit(client, citizen_token, staff, hz_unit):
    no = await submit(client, citizen_token)
    await act(
        client, staff["dispatcher"], no, "dispatch", {"unit_id": hz_unit.id, "procedure": "simple"}
    )
    await act(client, staff["supervisor"], no, "supervise", {"note": "请加快办理"})
    assert ("unit_supervised", "unit") in await messages(no)
    await act(client, staff["handler"], no, "supervise", {"note": "x"}, status=403)


async def test_scope_isolation_between_sibling_units(client, citizen_token, staff, hz_unit):
    no = await submit(client, citizen_token)
    await act(
        client, staff["dispatcher"], no, "dispatch", {"unit_id": hz_unit.id, "procedure": "simple"}
    )
    await act(client, staff["handler_nb"], no, "sign", status=404)
    assert (await Case.get(tracking_no=no)).status == "dispatched"
    # a handler cannot dispatch to a unit outside the dispatcher's scope either
    hz_dispatcher_scope = await Unit.get(code="NB-STHJJ")
    await act(
        client,
        staff["handler"],
        no,
        "dispatch",
        {"unit_id": hz_dispatcher_scope.id, "procedure": "simple"},
        status=403,
    )


async def test_bad_payloads_change_nothing(client, citizen_token, staff, hz_unit):
    no = await submit(client, citizen_token)
    await act(
        client,
        staff["dispatcher"],
        no,
        "dispatch",
        {"unit_id": 999999, "procedure": "normal"},
        status=422,
    )
    await act(
        client,
        staff["dispatcher"],
        no,
        "dispatch",
        {"unit_id": hz_unit.id, "procedure": "slow"},
        status=422,
    )
    await act(client, staff["dispatcher"], no, "reject", {}, status=422)
    r = await client.post(
        f"/api/v1/staff/cases/{no}/reject",
        content=b"{oops",
        headers=bearer(staff["dispatcher"]) | {"content-type": "application/json"},
    )
    assert r.status_code == 400
    case = await Case.get(tracking_no=no)
    assert case.status == "submitted" and case.event_count == 1
    await act(client, staff["dispatcher"], "20200101-999999", "reject", {"reason": "x"}, status=404)


async def test_unrated_replies_close_after_seven_days(client, citizen_token, staff, hz_unit):
    from casework.lifecycle import close_unrated

    no = await submit(client, citizen_token)
    await act(
        client, staff["dispatcher"], no, "dispatch", {"unit_id": hz_unit.id, "procedure": "simple"}
    )
    await act(client, staff["handler"], no, "sign")
    await act(client, staff["handler"], no, "reply", {"content": "已处理。"})
    assert await close_unrated(datetime.now(UTC) + timedelta(days=6)) == 0
    assert await close_unrated(datetime.now(UTC) + timedelta(days=7, minutes=1)) == 1
    case = await Case.get(tracking_no=no)
    assert case.status == "closed" and case.close_reason == "unrated" and case.rating is None


# -- the whole allowed/forbidden matrix -------------------------------------------------

PAYLOADS = {
    "answer": {"content": "答复内容"},
    "dispatch": {"procedure": "normal"},
    "return": {"reason": "不属本单位"},
    "transfer": {"reason": "应由城管办理"},
    "notice": {"content": "已受理"},
    "reply": {"content": "已办结"},
    "extension": {"days": 10, "reason": "情况复杂"},
    "extension_decision": {"approve": False},
    "supervise": {"note": "请加快"},
    "callback": {"reached": True, "note": "已回访"},
    "verify": {"outcome": "upheld", "note": "核实"},
    "reject": {"reason": "不属受理范围"},
    "rate": {"score": 5},
}
PATHS = {"extension_decision": "extension/decision"}
ROLE_OF = {
    "dispatcher": "dispatcher",
    "operator": "operator",
    "handler": "handler",
    "supervisor": "supervisor",
}
ACTIONS = [t.action for t in TRANSITIONS if t.action not in ("merge", "close_unrated")]
# what the payloads above choose where the table leaves the state to the step
CHOSEN = {"extension_decision": "signed", "rate": "closed", "verify": "closed"}


def expected_state(action: str, state: str) -> str:
    t = BY_ACTION[action]
    if t.target == STAY:
        return state
    if t.target in (RESUME, BY_OUTCOME):
        assert CHOSEN[action] in t.outcomes
        return CHOSEN[action]
    return str(t.target)


@pytest.mark.parametrize("state", STATES)
async def test_transition_matrix(client, citizen_token, staff, hz_unit, state):
    """Every action in every state, by an allowed role: 409 exactly where the table says no,
    and a 403 for a role the table does not name; a refused action changes nothing."""
    for action in ACTIONS:
        no = await submit(client, citizen_token)
        await Case.filter(tracking_no=no).update(
            status=state,
            unit_id=hz_unit.id,
            unit_path=hz_unit.path,
            procedure="normal",
            held_status="signed" if state == "extension_requested" else None,
        )
        t = BY_ACTION[action]
        body = PAYLOADS.get(action, {}) | ({"unit_id": hz_unit.id} if action == "dispatch" else {})
        before = await Case.get(tracking_no=no)
        if "citizen" in t.roles:
            r = await client.post(
                f"/api/v1/cases/{no}/rating", json=body, headers=bearer(citizen_token)
            )
            ok_status = 201
        else:
            role = t.roles[0]
            r = await client.post(
                f"/api/v1/staff/cases/{no}/{PATHS.get(action, action)}",
                json=body,
                headers=bearer(staff[ROLE_OF[role]]),
            )
            ok_status = 200
            wrong_role = next(
                n for n in ("handler", "dispatcher", "supervisor") if n not in t.roles
            )
            denied = await client.post(
                f"/api/v1/staff/cases/{no}/{PATHS.get(action, action)}",
                json=body,
                headers=bearer(staff[wrong_role]),
            )
            assert denied.status_code == 403, (state, action, wrong_role, denied.text)
        expected = ok_status if allowed(action, state, set(t.roles)) else 409
        if action == "verify" and expected == 200:
            await CaseTask.create(
                case_id=before.id, kind="verification", created_at=datetime.now(UTC)
            )
        assert r.status_code == expected, (state, action, r.text)
        if expected != 409:
            after = await Case.get(tracking_no=no)
            assert after.status == expected_state(action, state), (state, action)
            assert r.json()["status"] == after.status
            assert after.event_count == before.event_count + 1
        if expected == 409:
            assert r.json()["code"] == "invalid_transition"
            after = await Case.get(tracking_no=no)
            assert (after.status, after.event_count) == (before.status, before.event_count)


async def test_merge_in_every_state(client, citizen_token, staff, hz_unit):
    """merge, left out of the matrix above (it needs a second case), ends in merged."""
    parent = await submit(client, citizen_token)
    for state in STATES:
        no = await submit(client, citizen_token)
        await Case.filter(tracking_no=no).update(status=state)
        r = await client.post(
            f"/api/v1/staff/cases/{no}/merge",
            json={"into": parent},
            headers=bearer(staff["dispatcher"]),
        )
        if state in BY_ACTION["merge"].sources:
            assert r.status_code == 200, r.text
            assert (await Case.get(tracking_no=no)).status == r.json()["status"] == "merged"
        else:
            assert r.status_code == 409, (state, r.text)


async def test_every_staff_action_has_a_route_from_the_table(app):
    paths = app.openapi()["paths"]
    for t in STAFF_ACTIONS:
        op = paths[f"/api/v1/staff/cases/{{no}}/{t.path}"]["post"]
        assert op["responses"]["200"]["content"]["application/json"]["schema"] == {
            "$ref": "#/components/schemas/CaseOut"
        }
        assert {"403", "404", "409", "422"} <= set(op["responses"])
        assert t.label in op["summary"]
    assert {t.action for t in TRANSITIONS if t.path is None} == {"rate", "close_unrated"}


async def test_a_step_cannot_choose_a_state_the_table_does_not_allow(
    client, citizen_token, staff, monkeypatch
):
    from casework import stepkit

    no = await submit(client, citizen_token)
    await Case.filter(tracking_no=no).update(status="rated")

    async def closes_wrongly(s: stepkit.Step) -> stepkit.Outcome:
        return stepkit.Outcome(note="x", state=State.DISPATCHED)  # not a verify outcome

    monkeypatch.setitem(stepkit.HANDLERS, "verify", closes_wrongly)
    admin = Principal(kind="staff", id=1, roles=frozenset({"admin"}), unit_path="/")
    with pytest.raises(ValueError):
        await perform(admin, no, "verify", {})
    case = await Case.get(tracking_no=no)
    assert (case.status, case.event_count) == ("rated", 1)

    async def sets_status_itself(s: stepkit.Step) -> stepkit.Outcome:
        s.case.status = "closed"
        return stepkit.Outcome(note="x")

    monkeypatch.setitem(stepkit.HANDLERS, "sign", sets_status_itself)
    await Case.filter(tracking_no=no).update(status="dispatched")
    with pytest.raises(RuntimeError):
        await perform(admin, no, "sign", {})
    assert (await Case.get(tracking_no=no)).status == "dispatched"


def test_table_outcomes_are_states_and_fixed_targets_have_none():
    for t in TRANSITIONS:
        if t.target in (RESUME, BY_OUTCOME):
            assert t.outcomes and all(isinstance(o, State) for o in t.outcomes)
        else:
            assert not t.outcomes
            assert t.target == STAY or State(t.target)


async def test_action_bodies_name_the_missing_field(client, citizen_token, staff, hz_unit):
    no = await submit(client, citizen_token)
    r = await client.post(
        f"/api/v1/staff/cases/{no}/dispatch",
        json={"procedure": "normal"},
        headers=bearer(staff["dispatcher"]),
    )
    assert r.status_code == 422
    assert ["body", "unit_id"] in [e["loc"] for e in r.json()["errors"]]
    await act(client, staff["operator"], no, "answer", {"content": "已答复。"})
    r = await client.post(
        f"/api/v1/cases/{no}/rating", json={"rating": 2}, headers=bearer(citizen_token)
    )
    assert r.status_code == 422
    assert ["body", "score"] in [e["loc"] for e in r.json()["errors"]]
    assert (await Case.get(tracking_no=no)).status == "answered"
    r = await client.post(f"/api/v1/staff/cases/{no}/sign", headers=bearer(staff["handler"]))
    assert r.status_code in (404, 409)  # no body needed for sign: refused by state or scope
