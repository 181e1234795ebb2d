"""Group commit of new cases: batches file like single submissions, and fail one by one."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import pytest
from tortoise import fields
from tortoise.transactions import in_transaction

from casework import filing, intake
from casework.timeline import verify_chain
from hotline import rows
from hotline.crypto import decrypt
from hotline.errors import Problem
from identity import tokens
from identity.principal import Principal
from models.case import Case, CaseEvent
from models.outbox import OutboxMessage
from notify import outbox
from tests.conftest import COMPLAINT, bearer, login_citizen
from tests.media.fixtures import make_jpeg


async def citizen(client: httpx.AsyncClient) -> Principal:
    return (await signed_in(client))[0]


async def signed_in(client: httpx.AsyncClient) -> tuple[Principal, str]:
    token = (await login_citizen(client, "13800138000"))["access_token"]
    sub = tokens.decode_access(token)["sub"]
    return Principal(kind="citizen", id=int(sub.split(":")[1])), token


def submission(**changes: Any) -> intake.Submission:
    loc = COMPLAINT["location"]
    base: dict[str, Any] = {
        "kind": "complaint",
        "category_code": "ENV-NOISE",
        "content": COMPLAINT["content"],
        "channel": "app",
        "lat": loc["lat"],
        "lng": loc["lng"],
        "address": loc["address"],
        "region_code": loc["region_code"],
    }
    return intake.Submission(**(base | changes))


@pytest.fixture(autouse=True)
def fresh_writers() -> None:
    """No crowd remembered from an earlier test on the same event loop."""
    filing._writers.clear()


@pytest.fixture
def batches(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The size of every transaction the writer opens (attempts included)."""
    sizes: list[int] = []
    real = filing._commit

    async def counting(filings: list[filing.Filing]) -> None:
        sizes.append(len(filings))
        await real(filings)

    monkeypatch.setattr(filing, "_commit", counting)
    return sizes


async def test_waiting_submissions_are_filed_in_one_transaction(client, batches):
    who = await citizen(client)
    ready = [await intake.prepare(who, submission(title=f"第{n}件")) for n in range(12)]
    replies = await asyncio.gather(*(filing.file(f) for f in ready))
    assert batches == [12]
    numbers = [r["tracking_no"] for r in replies]
    assert len(set(numbers)) == 12
    assert sorted(int(n[-6:]) for n in numbers) == list(range(1, 13))  # no gaps either
    assert [r["title"] for r in replies] == [f"第{n}件" for n in range(12)]
    assert await Case.all().count() == await CaseEvent.all().count() == 12


async def test_submissions_arriving_one_by_one_join_the_batch_about_to_start(client, batches):
    who = await citizen(client)
    ready = [await intake.prepare(who, submission()) for _ in range(5)]

    async def arrive(n: int) -> dict:
        for _ in range(n):  # each one a loop turn later than the one before
            await asyncio.sleep(0)
        return await filing.file(ready[n])

    await asyncio.gather(*(arrive(n) for n in range(5)))
    assert batches == [5]
    assert await Case.all().count() == 5


async def test_under_load_a_batch_waits_briefly_for_the_rest_of_the_last_crowd(
    client, batches, monkeypatch
):
    monkeypatch.setattr(filing, "CATCH_UP_S", 30.0)  # generous: the crowd arrives well before
    who = await citizen(client)
    ready = [await intake.prepare(who, submission()) for _ in range(6)]
    await asyncio.gather(*(filing.file(f) for f in ready[:3]))  # a crowd of three

    async def later(f: filing.Filing) -> dict:
        await asyncio.sleep(0.01)  # the rest come back a moment after the first
        return await filing.file(f)

    await asyncio.gather(filing.file(ready[3]), later(ready[4]), later(ready[5]))
    assert batches == [3, 3]
    assert await Case.all().count() == 6


async def test_submissions_one_at_a_time_never_wait_for_a_crowd(client, batches, monkeypatch):
    monkeypatch.setattr(filing, "CATCH_UP_S", 3600.0)  # were it to wait, the test would hang
    who = await citizen(client)
    ready = [await intake.prepare(who, submission()) for _ in range(4)]
    await filing.file(ready[0])
    await asyncio.wait_for(filing.file(ready[1]), timeout=30)  # no crowd: no wait
    await asyncio.gather(*(filing.file(f) for f in ready[2:]))  # a crowd of two ...
    monkeypatch.setattr(filing, "CROWD_MEMORY_S", 0.0)  # ... long forgotten
    await asyncio.sleep(0.001)
    extra = await intake.prepare(who, submission())
    await asyncio.wait_for(filing.file(extra), timeout=30)
    assert batches == [1, 1, 2, 1]


async def test_batched_rows_read_back_through_the_orm_like_its_own(client, batches):
    who = await citizen(client)
    ready = [
        await intake.prepare(who, submission(anonymous=True, flags=["sensitive_words"])),
        await intake.prepare(who, submission(contact_phone="13912345678", public=True)),
    ]
    first, second = await asyncio.gather(*(filing.file(f) for f in ready))
    assert batches == [2]
    case = await Case.get(tracking_no=first["tracking_no"])
    assert case.anonymous is True and case.public is False
    assert case.flags == ["sensitive_words"] and case.photo_ids == [] and case.met == []
    assert case.due_meta["dispatch"]["rule"] == "dispatch"
    assert case.created_at.isoformat() == ready[0].now.isoformat()
    assert case.kind == "complaint" and case.status == "submitted"
    assert decrypt(case.contact_phone_enc) == "13800138000"  # the citizen's own phone
    events = await CaseEvent.filter(case_id=case.id)
    assert len(events) == 1 and events[0].data == {} and events[0].public is True
    assert verify_chain(case.tracking_no, events)
    other = await Case.get(tracking_no=second["tracking_no"])
    assert decrypt(other.contact_phone_enc) == "13912345678" and other.public is True
    sms = await OutboxMessage.get(case_id=other.id)
    assert sms.template == "case_received" and decrypt(sms.address_enc) == "13912345678"
    params = json.loads(decrypt(sms.params_enc) or "{}")
    assert params == {"tracking_no": other.tracking_no, "query_code": second["query_code"]}


async def test_one_bad_filing_fails_alone_and_the_rest_of_its_batch_commits(client, batches):
    who, token = await signed_in(client)
    up = await client.post(
        "/api/v1/photos",
        files={"file": ("a.jpg", make_jpeg(320, 240), "image/jpeg")},
        headers=bearer(token),
    )
    photo = up.json()["id"]
    # both pass the check; the second to attach the photo finds it taken
    ready = [
        await intake.prepare(who, submission(photo_ids=[photo])),
        await intake.prepare(who, submission()),
        await intake.prepare(who, submission(photo_ids=[photo])),
        await intake.prepare(who, submission()),
    ]
    results = await asyncio.gather(*(filing.file(f) for f in ready), return_exceptions=True)
    assert batches == [4, 1, 1, 1, 1]  # the batch failed, then each filing alone
    assert isinstance(results[2], Problem) and results[2].status == 422
    good = [r for r in results if isinstance(r, dict)]
    assert len(good) == 3 and good[0]["photos"][0]["id"] == photo
    assert await Case.all().count() == await CaseEvent.all().count() == 3
    assert await OutboxMessage.filter(template="case_received").count() == 3
    numbers = sorted(r["tracking_no"] for r in good)
    assert len(set(numbers)) == 3  # the failed batch's numbers were rolled back and reused


async def test_a_caller_that_goes_away_does_not_withdraw_its_submission(client):
    who = await citizen(client)
    ready = [await intake.prepare(who, submission()) for _ in range(2)]
    gone = asyncio.ensure_future(filing.file(ready[0]))
    await asyncio.sleep(0)  # queued
    gone.cancel()
    await filing.file(ready[1])
    assert gone.cancelled()
    assert await Case.all().count() == 2


async def test_filing_refuses_to_run_inside_a_callers_transaction(client):
    ready = await intake.prepare(await citizen(client), submission())
    with pytest.raises(RuntimeError, match="own transaction"):
        async with in_transaction():
            await filing.file(ready)
    assert await Case.all().count() == 0


async def test_a_verified_token_is_still_refused_once_expired(client, monkeypatch):
    token = (await login_citizen(client, "13800138000"))["access_token"]
    r = await client.post("/api/v1/cases", json=COMPLAINT, headers=bearer(token))
    assert r.status_code == 201
    later = tokens.time.time() + 2 * 24 * 3600
    monkeypatch.setattr(tokens.time, "time", lambda: later)
    r = await client.post("/api/v1/cases", json=COMPLAINT, headers=bearer(token))
    assert r.status_code == 401 and r.json()["code"] == "invalid_token"


def test_rows_start_from_the_model_defaults_and_refuse_what_the_table_would():
    row = rows.new_row(OutboxMessage, template="x")
    assert row["status"] == "pending" and row["attempts"] == 0 and row["urgent"] is False
    with pytest.raises(KeyError):
        rows.new_row(OutboxMessage, no_such_column=1)
    table = rows._table(OutboxMessage)
    with pytest.raises(ValueError, match="may not be null"):
        rows._values(table, row)  # next_attempt_at has no default
    sms = outbox.message("case_received", {}, channel="sms", recipient_kind="phone")
    assert len(rows._values(table, rows.new_row(OutboxMessage, **sms))) == len(table.columns)
    long = rows.new_row(OutboxMessage, **sms | {"recipient_kind": "x" * 17})
    with pytest.raises(ValueError, match="recipient_kind is longer than 16"):
        rows._values(table, long)
    lists = [rows.new_row(Case)["flags"] for _ in range(2)]
    assert lists[0] is not lists[1]  # a fresh list per row
    assert isinstance(Case._meta.fields_map["flags"], fields.JSONField)
