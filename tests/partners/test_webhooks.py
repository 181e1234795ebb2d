"""Webhooks through the outbox: every case event in a partner's scope, signed, delivered at
least once with the same event id, retried with backoff, dead after its day, replayed by an
admin; a slow receiver holds only its own deliveries; a rotated secret overlaps."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import pytest

from hotline import settings as settings_mod
from models.org import Unit
from notify.channels import build_channels
from notify.worker import Worker
from partners import signing
from tests.conftest import COMPLAINT, login_staff
from tests.fakes.partner import FakePartner
from tests.partners.conftest import (
    call,
    drain_until,
    make_partner,
    partner_call,
    webhook_rows,
    worker_settings,
)
from tests.partners.test_partner_api import TRANSFER, dispatch


async def _oa_and_case(client: Any, admin: str, fake: FakePartner, unit_code: str = "HZ-STHJJ",
                       name: str = "oa", external_id: str = "110-1") -> tuple[dict, str]:
    """A unit's OA system with a receiver, and a 110 transfer dispatched to its unit."""
    unit = await Unit.get(code=unit_code)
    oa = await make_partner(client, admin, fake, name=name, scopes=["cases:read", "events"],
                            unit_id=unit.id)
    police = await make_partner(client, admin, name=f"110-{name}", scopes=["cases:create"])
    case = await partner_call(client, police["api_key"], "POST", "/partner/cases",
                              TRANSFER | {"external_id": external_id}, 201)
    await dispatch(client, case["tracking_no"], unit_code)
    return oa, case["tracking_no"]


async def test_case_events_reach_the_partners_in_scope_signed(client, admin, fake_partner,
                                                              allow_private, worker):
    police = await make_partner(client, admin, fake_partner, name="110")
    hz = await Unit.get(code="HZ-STHJJ")
    oa = await make_partner(client, admin, fake_partner, name="oa", unit_id=hz.id)
    await make_partner(client, admin, fake_partner, name="nb",
                       unit_id=(await Unit.get(code="NB-STHJJ")).id)
    case = await partner_call(client, police["api_key"], "POST", "/partner/cases", TRANSFER, 201)
    no = case["tracking_no"]
    await dispatch(client, no, "HZ-STHJJ")
    await partner_call(client, oa["api_key"], "POST", f"/partner/cases/{no}/events",
                       {"action": "sign"})
    # the unit's staff hand it back to the centre: the OA hears that its case left
    handler = await login_staff(client, "handler")
    await call(client, handler, "POST", f"/staff/cases/{no}/return", {"reason": "不属于本单位职责"})

    async def done() -> bool:
        return all(r.status == "sent" for r in await webhook_rows())
    await drain_until(worker, done)
    def got(name: str) -> list[str]:
        ds = sorted((d for d in fake_partner.deliveries if d.receiver == name),
                    key=lambda d: d.body["event"]["seq"])
        return [d.event_type for d in ds]
    assert got("110") == ["case.submit", "case.dispatch", "case.sign", "case.return"]
    assert got("oa") == ["case.dispatch", "case.sign", "case.return"]
    assert fake_partner.events("nb") == []  # another unit's case
    police_copy = next(d for d in fake_partner.deliveries if d.receiver == "110")
    assert police_copy.body["case"]["external_id"] == TRANSFER["external_id"]
    assert police_copy.body["case"]["tracking_no"] == no and "contact" not in police_copy.body
    sign = [d for d in fake_partner.deliveries if d.event_type == "case.sign"]
    assert len({d.event_id for d in sign}) == 1  # one event, the same id for each partner
    h = sign[0].headers
    assert h["x-hotline-signature"].startswith("sha256=") and h["x-hotline-timestamp"].isdigit()
    assert fake_partner.refused == []


async def test_a_receiver_failing_three_times_gets_the_event_once_delivered(
        client, admin, fake_partner, allow_private, worker):
    oa, no = await _oa_and_case(client, admin, fake_partner)

    async def done() -> bool:
        return all(r.status == "sent" for r in await webhook_rows())
    await drain_until(worker, done)  # the dispatch
    fake_partner.receivers["oa"].fail_next = 3
    await partner_call(client, oa["api_key"], "POST", f"/partner/cases/{no}/events",
                       {"action": "sign"})
    await drain_until(worker, done)
    assert fake_partner.receivers["oa"].hits == 5  # dispatch: 1 try, sign: 4
    case_id = await _case_id(no)
    assert fake_partner.events("oa") == [f"evt_{case_id}_2", f"evt_{case_id}_3"]
    rows = await webhook_rows()
    assert [r.attempts for r in rows] == [1, 4]
    listed = await call(client, admin, "GET", f"/admin/partners/{oa['id']}/deliveries")
    assert [d["status"] for d in listed["items"]] == ["sent", "sent"]  # newest first
    assert listed["items"][0]["attempts"] == 4 and "503" in listed["items"][0]["last_error"]
    assert listed["items"][0]["tracking_no"] == no
    assert listed["items"][0]["event_id"] == f"evt_{case_id}_3"


async def _case_id(no: str) -> int:
    from models.case import Case

    return (await Case.get(tracking_no=no)).id


async def test_a_sleeping_receiver_does_not_hold_up_the_others(client, admin, fake_partner,
                                                               allow_private):
    s = worker_settings(webhook_timeout_s=2.0, webhook_concurrency=2)
    worker = Worker(s, build_channels(s))
    slow, _ = await _oa_and_case(client, admin, fake_partner, name="slow", external_id="a")
    fake_partner.receivers["slow"].sleep_s = 1.5
    for i in range(6):  # a backlog for the slow receiver
        await partner_call(client, (await make_partner(
            client, admin, name=f"110-s{i}", scopes=["cases:create"]))["api_key"],
            "POST", "/partner/cases", COMPLAINT | {"external_id": f"s{i}"}, 201)
    nos = [r.tracking_no for r in await _cases()]
    for no in nos[1:]:
        await dispatch(client, no, "HZ-STHJJ")
    fast, fast_no = await _oa_and_case(client, admin, fake_partner, unit_code="NB-STHJJ",
                                       name="fast", external_id="b")
    started = time.monotonic()
    task = asyncio.create_task(worker.drain(forever=True))
    try:
        while not fake_partner.events("fast"):
            assert time.monotonic() - started < 1.0, "the fast receiver waited for the slow one"
            await asyncio.sleep(0.01)
        assert len(fake_partner.events("slow")) == 0  # still asleep
        assert len(worker.groups.in_flight) <= 2 and max(worker.groups.in_flight.values()) <= 2
        while len(fake_partner.events("slow")) < 7:
            assert time.monotonic() - started < 15
            await asyncio.sleep(0.05)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await worker.close()
    assert len(set(fake_partner.events("slow"))) == 7


async def _cases() -> list[Any]:
    from models.case import Case

    return await Case.all().order_by("id")


async def test_a_delivery_is_dead_after_its_day_and_replayed_with_the_same_id(
        client, admin, fake_partner, allow_private):
    s = worker_settings(webhook_give_up_s=0.5)
    worker = Worker(s, build_channels(s))
    with pytest.MonkeyPatch.context() as mp:  # the event is written with 0.5 s to live
        mp.setattr(settings_mod.current(), "webhook_give_up_s", 0.5)
        oa, no = await _oa_and_case(client, admin, fake_partner)
    fake_partner.receivers["oa"].fail_next = 10**6

    async def dead() -> bool:
        return all(r.status == "dead" for r in await webhook_rows())
    await drain_until(worker, dead)
    (row,) = await webhook_rows()
    assert row.attempts >= 1 and "503" in (row.last_error or "")  # retried until its time
    listed = await call(client, admin, "GET",
                        f"/admin/partners/{oa['id']}/deliveries?status=dead")
    assert [d["id"] for d in listed["items"]] == [row.id]

    fake_partner.receivers["oa"].fail_next = 0
    replayed = await call(client, admin, "POST",
                          f"/admin/partners/{oa['id']}/deliveries/{row.id}/replay", status=202)
    assert replayed["status"] == "pending"
    assert replayed["event_id"] == listed["items"][0]["event_id"]

    async def sent() -> bool:
        return all(r.status == "sent" for r in await webhook_rows())
    await drain_until(worker, sent)
    assert fake_partner.events("oa") == [replayed["event_id"]]
    await worker.close()
    other = await make_partner(client, admin, name="x", scopes=["events"])
    await call(client, admin, "POST",
               f"/admin/partners/{other['id']}/deliveries/{row.id}/replay", status=404)


async def test_a_rotated_secret_signs_with_both_during_the_overlap(client, admin, fake_partner,
                                                                  allow_private, worker):
    oa, no = await _oa_and_case(client, admin, fake_partner)
    old_secret = fake_partner.receivers["oa"].secret
    rotated = await call(client, admin, "POST", f"/admin/partners/{oa['id']}/webhook-secret",
                         {"overlap_s": 3600}, 201)
    new_secret = rotated["webhook_secret"]

    async def settled() -> bool:
        return all(r.status in ("sent", "dead") or r.attempts > 2 for r in await webhook_rows())
    await drain_until(worker, settled)
    (d,) = fake_partner.deliveries  # the receiver still holding the old secret verified it
    parts = d.headers["x-hotline-signature"].split(", ")
    assert len(parts) == 2
    body = signing.headers([new_secret], "t", "e", b"")  # the header format, for reference
    assert body["X-Hotline-Signature"].startswith("sha256=")

    await call(client, admin, "POST", f"/admin/partners/{oa['id']}/webhook-secret",
               {"overlap_s": 0}, 201)
    await partner_call(client, oa["api_key"], "POST", f"/partner/cases/{no}/events",
                       {"action": "sign"})

    async def tried() -> bool:
        return bool(fake_partner.refused)
    await drain_until(worker, tried)
    assert fake_partner.refused[0] == ("oa", "bad signature")  # old secret: no longer signed
    assert old_secret != new_secret


def test_verify_refuses_stale_and_forged_deliveries():
    body = b'{"id":"evt_1_1"}'
    h = signing.headers(["whsec_a"], "case.sign", "evt_1_1", body, now=1_000_000)
    sig, stamp = h["X-Hotline-Signature"], h["X-Hotline-Timestamp"]
    assert signing.verify("whsec_a", sig, stamp, body, now=1_000_100)
    assert not signing.verify("whsec_a", sig, stamp, body, now=1_000_301)  # over 5 minutes
    assert not signing.verify("whsec_b", sig, stamp, body, now=1_000_100)
    assert not signing.verify("whsec_a", sig, stamp, body + b" ", now=1_000_100)
    assert not signing.verify("whsec_a", sig, str(int(stamp) + 1), body, now=1_000_100)


def test_the_readmes_receiver_example_verifies_our_signatures():
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    block = next(b for b in readme.split("```python")[1:] if "def verify(body" in b)
    scope: dict[str, Any] = {}
    exec(block.split("```")[0], scope)  # noqa: S102 - our own README
    scope["SECRET"] = b"whsec_readme"
    body = b'{"id":"evt_1_2","type":"case.dispatch"}'
    h = signing.headers(["whsec_new", "whsec_readme"], "case.dispatch", "evt_1_2", body)
    assert scope["verify"](body, h["X-Hotline-Timestamp"], h["X-Hotline-Signature"])
    assert not scope["verify"](body + b"x", h["X-Hotline-Timestamp"], h["X-Hotline-Signature"])
    stale = signing.headers(["whsec_readme"], "case.dispatch", "evt_1_2", body,
                            now=time.time() - 301)
    assert not scope["verify"](body, stale["X-Hotline-Timestamp"], stale["X-Hotline-Signature"])
