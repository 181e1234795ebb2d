"""First reporter wins: duplicates by distance and window, by merge, and by photo hash."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from tortoise.connection import get_connection
from tortoise.transactions import in_transaction

from media.dhash import dhash_to_signed, hamming
from models.case import Case
from models.media import Photo
from models.reward import RewardClaim, RewardPhoto
from rewards import dedupe
from tests.conftest import bearer
from tests.media import fixtures as fx
from tests.rewards.support import (  # noqa: F401 (fixtures prog, staffs)
    WATER,
    act,
    claim_of,
    handle,
    moved,
    prog_fixture,
    reporter,
    staffs_fixture,
)
from tests.rewards.support import submit as file_report


async def test_bands_find_every_hash_within_three_bits():
    rnd = random.Random(7)
    for _ in range(200):
        h = rnd.getrandbits(64)
        flips = rnd.sample(range(64), rnd.randint(0, 3))
        other = h
        for bit in flips:
            other ^= 1 << bit
        assert hamming(h, other) == len(flips)
        assert any(a == b for a, b in zip(dedupe.bands(h), dedupe.bands(other), strict=True))
    signed = dhash_to_signed(0xFFFF_0000_1234_ABCD)
    assert dedupe.bands(signed) == (0xFFFF, 0x0000, 0x1234, 0xABCD)


def test_the_bounding_box_contains_the_circle():
    lat, lng = 30.29, 120.10
    lat_min, lat_max, lng_min, lng_max = dedupe.bounding_box(lat, lng, 200)
    assert dedupe.distance_m(lat, lng, lat_max, lng) == pytest.approx(200, rel=1e-3)
    assert dedupe.distance_m(lat, lng, lat, lng_max) >= 200
    assert lat_min < lat < lat_max and lng_min < lng < lng_max


async def test_same_category_nearby_within_the_window_is_a_duplicate(client, prog, staffs):
    first = await file_report(client, await reporter(client, "13700000001"))
    second = await file_report(client, await reporter(client, "13700000002"), moved(WATER, 120))
    far = await file_report(client, await reporter(client, "13700000003"), moved(WATER, 450))
    other_kind = await file_report(
        client,
        await reporter(client, "13700000004"),
        moved(WATER, 50, category_code="ENV-WATER-SEWAGE"),
    )
    for no in (first, second, far, other_kind):
        await handle(client, staffs, no)
    a, b, c, d = [await claim_of(no) for no in (first, second, far, other_kind)]
    assert a.status == "eligible"
    assert b.status == "duplicate" and b.duplicate_of_id == a.id and "更早" in b.reason
    assert c.status == "eligible"  # 450 m away: another problem
    assert d.status == "eligible"  # another category
    # the administrators see the link from both sides
    admin = bearer(await staffs("reward_admin"))
    detail = (await client.get(f"/api/v1/admin/rewards/claims/{a.id}", headers=admin)).json()
    assert detail["duplicates"] == [b.id]
    audit = detail["audit"]
    assert [e["action"] for e in audit] == ["open", "eligible"] and detail["audit_chain_valid"]


async def test_outside_the_window_is_a_new_problem(client, prog, staffs):
    first = await file_report(client, await reporter(client, "13700000011"))
    old = await Case.get(tracking_no=first)
    earlier = old.created_at - timedelta(days=31)
    await Case.filter(id=old.id).update(created_at=earlier)
    await RewardClaim.filter(case_id=old.id).update(reported_at=earlier)
    second = await file_report(client, await reporter(client, "13700000012"), moved(WATER, 20))
    await handle(client, staffs, first)
    await handle(client, staffs, second)
    assert (await claim_of(first)).status == "eligible"
    assert (await claim_of(second)).status == "eligible"


async def test_an_earlier_report_verified_later_takes_the_reward(client, prog, staffs):
    early = await file_report(client, await reporter(client, "13700000021"))
    late = await file_report(client, await reporter(client, "13700000022"), moved(WATER, 60))
    await handle(client, staffs, late)
    assert (await claim_of(late)).status == "eligible"
    await handle(client, staffs, early)
    first, second = await claim_of(early), await claim_of(late)
    assert first.status == "eligible"
    assert second.status == "duplicate" and second.duplicate_of_id == first.id


async def test_duplicates_follow_the_earliest_verified_report(client, prog, staffs):
    numbers = [
        await file_report(client, await reporter(client, f"1370000009{i}"), moved(WATER, 40 * i))
        for i in range(3)
    ]
    for no in reversed(numbers):  # verified latest first
        await handle(client, staffs, no)
    first, *others = [await claim_of(no) for no in numbers]
    assert first.status == "eligible"
    assert [(c.status, c.duplicate_of_id) for c in others] == [("duplicate", first.id)] * 2


async def test_an_unverified_earlier_report_does_not_block(client, prog, staffs):
    early = await file_report(client, await reporter(client, "13700000031"))
    late = await file_report(client, await reporter(client, "13700000032"), moved(WATER, 60))
    await handle(client, staffs, early, verified=False, severity=None)
    await handle(client, staffs, late)
    assert (await claim_of(early)).status == "ineligible"
    assert (await claim_of(late)).status == "eligible"


async def test_merged_reports_follow_the_parent_and_the_earliest_wins(client, prog, staffs):
    # the earlier report, far from the parent's position, is merged into a later one
    child = await file_report(
        client, await reporter(client, "13700000041"), moved(WATER, 5000)
    )
    parent = await file_report(client, await reporter(client, "13700000042"))
    await act(client, await staffs("dispatcher"), child, "merge", {"into": parent})
    assert (await claim_of(child)).status == "open"
    await handle(client, staffs, parent)
    c, p = await claim_of(child), await claim_of(parent)
    assert c.status == "eligible" and c.group_case_id == p.case_id  # type: ignore[attr-defined]
    assert p.status == "duplicate" and p.duplicate_of_id == c.id
    assert "merge" in (await _last_audit(p.id))["match"]


async def test_a_report_merged_into_an_answered_case_is_decided_at_once(client, prog, staffs):
    parent = await file_report(client, await reporter(client, "13700000051"))
    await handle(client, staffs, parent)
    # filed later, then merged into the parent that was already verified
    late = await file_report(client, await reporter(client, "13700000052"), moved(WATER, 3000))
    await act(client, await staffs("dispatcher"), late, "merge", {"into": parent})
    claim = await claim_of(late)
    assert claim.status == "duplicate" and claim.duplicate_of_id == (await claim_of(parent)).id


async def _last_audit(claim_id: int) -> dict:
    from models.reward import RewardAudit

    event = await RewardAudit.filter(claim_id=claim_id).order_by("-seq").first()
    assert event is not None
    return event.data


async def _photo(client, token: str, data: bytes) -> int:
    r = await client.post(
        "/api/v1/photos", files={"file": ("p.jpg", data, "image/jpeg")}, headers=bearer(token)
    )
    assert r.status_code == 201, r.text
    return r.json()["id"]


async def test_near_identical_photos_far_apart_are_the_same_problem(client, prog, staffs):
    one, two = await reporter(client, "13700000061"), await reporter(client, "13700000062")
    scene = fx.make_scene(640, 480, seed=11)
    p1 = await _photo(client, one, fx.encode_jpeg(scene, quality=92))
    p2 = await _photo(client, two, fx.encode_jpeg(scene, quality=60))  # other bytes, same image
    h1, h2 = [(await Photo.get(id=p)).dhash for p in (p1, p2)]
    assert hamming(h1, h2) <= 3
    first = await file_report(client, one, WATER | {"photo_ids": [p1]})
    second = await file_report(client, two, moved(WATER, 8000, photo_ids=[p2]))
    await handle(client, staffs, second)
    await handle(client, staffs, first)
    a, b = await claim_of(first), await claim_of(second)
    assert a.status == "eligible"
    assert b.status == "duplicate" and b.duplicate_of_id == a.id
    assert "photo" in (await _last_audit(b.id))["match"]
    assert b.flags == ["photo_reused"]  # a reused photo is also a fraud signal
    assert await RewardPhoto.filter(claim_id=a.id).count() == 1


async def test_different_photos_are_not_matched(client, prog, staffs):
    one, two = await reporter(client, "13700000071"), await reporter(client, "13700000072")
    p1 = await _photo(client, one, fx.make_jpeg(640, 480, seed=21))
    p2 = await _photo(client, two, fx.make_jpeg(640, 480, seed=99))
    first = await file_report(client, one, WATER | {"photo_ids": [p1]})
    second = await file_report(client, two, moved(WATER, 8000, photo_ids=[p2]))
    await handle(client, staffs, first)
    await handle(client, staffs, second)
    assert (await claim_of(second)).status == "eligible"
    assert (await claim_of(second)).flags == []


async def test_the_candidate_search_uses_indexes(prog):
    conn = get_connection("default")
    dialect = conn.capabilities.dialect
    lat_sql = (
        "SELECT id FROM reward_claim WHERE category_code = 'ENV-WATER-V' "
        "AND lat >= 30.0 AND lat <= 30.1 AND lng >= 120.0 AND lng <= 120.1"
    )
    band_sql = "SELECT claim_id FROM reward_photo WHERE band0 = 1 OR band1 = 2 OR band2 = 3"
    if dialect == "sqlite":
        for sql in (lat_sql, band_sql):
            plan = " ".join(
                str(r["detail"]) for r in await conn.execute_query_dict("EXPLAIN QUERY PLAN " + sql)
            )
            assert "USING" in plan and "INDEX" in plan, plan
            assert "SCAN reward_" not in plan, plan
    else:
        async with in_transaction() as tx:  # one connection: SET LOCAL applies to it
            await tx.execute_script("SET LOCAL enable_seqscan = off")
            for sql in (lat_sql, band_sql):
                rows = await tx.execute_query_dict("EXPLAIN " + sql)
                plan = " ".join(str(next(iter(r.values()))) for r in rows)
                assert "Index" in plan and "Seq Scan" not in plan, plan


async def test_simultaneous_verifications_of_one_problem_reward_one(client, prog, staffs):
    import asyncio

    from models.org import Unit

    unit = await Unit.get(code="HZ-STHJJ")
    numbers = []
    for i in range(4):
        no = await file_report(
            client, await reporter(client, f"1370000008{i}"), moved(WATER, 30 * i)
        )
        await act(client, await staffs("dispatcher"), no, "dispatch",
                  {"unit_id": unit.id, "procedure": "simple"})
        await act(client, await staffs("handler"), no, "sign")
        numbers.append(no)
    body = {"content": "经核查属实。", "verified": True, "severity": "minor"}
    handler = await staffs("handler")
    await asyncio.gather(*(act(client, handler, no, "reply", body) for no in numbers))
    claims = [await claim_of(no) for no in numbers]
    assert [c.status for c in claims].count("eligible") == 1
    assert claims[0].status == "eligible"  # the earliest report
    assert all(c.duplicate_of_id == claims[0].id for c in claims[1:])
