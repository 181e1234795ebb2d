"""Claims open with real-name reports, the unit's reply decides them, the reporter stays hidden."""

from __future__ import annotations

from casework.views import REWARD_FLAG
from models.case import Case
from models.org import Staff, Unit
from models.reward import RewardAudit, RewardClaim
from rewards.eligibility import set_staff_phone
from tests.conftest import bearer, login_staff
from tests.rewards.support import (  # noqa: F401 (fixtures prog, staffs)
    WATER,
    Staffs,
    act,
    claim_of,
    handle,
    prog_fixture,
    program,
    reporter,
    staffs_fixture,
    submit,
)


async def test_programs_are_public(client, prog):
    r = await client.get("/api/v1/rewards/programs")
    assert r.status_code == 200
    [p] = r.json()
    assert p["name"] == "五水共治有奖举报"
    assert "ENV-WATER-V" in p["categories"]
    assert p["tiers"] == {
        "minor": "100.00", "moderate": "300.00", "serious": "1000.00", "critical": "2000.00"
    }
    assert p["fine_pct"] == 10.0 and p["fine_cap"] == "5000.00"
    assert p["monthly_limit"] == {"count": 5, "amount": "5000.00"}
    assert p["claim_deadline_days"] == 60
    assert "匿名举报不予奖励" in p["rules"]


async def test_categories_tell_citizens_before_submitting(client):
    cats = {c["code"]: c for c in (await client.get("/api/v1/categories")).json()}
    assert "匿名举报" in cats["ENV-WATER-V"]["reward_notice"]
    assert "不予奖励" in cats["ENV-WATER-V"]["reward_notice"]
    assert cats["ENV-NOISE"]["reward_notice"] is None


async def test_a_real_name_report_opens_a_claim_others_do_not(client, prog):
    named = await reporter(client, "13900000001")
    no = await submit(client, named)
    claim = await claim_of(no)
    assert claim.status == "open" and claim.program_id == prog.id
    case = await Case.get(tracking_no=no)
    assert REWARD_FLAG in case.flags
    [event] = await RewardAudit.filter(claim_id=claim.id)
    assert event.action == "open"

    anon = await submit(client, named, WATER | {"anonymous": True})
    unverified = await submit(client, await reporter(client, "13900000002", real_name=False))
    complaint = await submit(client, named, WATER | {"kind": "complaint"})
    noise = await submit(
        client, named, WATER | {"category_code": "ENV-NOISE", "kind": "report"}
    )
    for other in (anon, unverified, complaint, noise):
        case = await Case.get(tracking_no=other)
        assert not await RewardClaim.exists(case_id=case.id), other
        assert REWARD_FLAG not in case.flags


async def test_no_programme_no_claim(client):
    no = await submit(client, await reporter(client, "13900000003"))
    case = await Case.get(tracking_no=no)
    assert not await RewardClaim.exists(case_id=case.id)


async def test_verified_reply_makes_the_claim_eligible_with_the_programme_ceiling(
    client, prog, staffs
):
    no = await submit(client, await reporter(client, "13900000004"))
    await handle(client, staffs, no, verified=True, severity="serious", fine=20000)
    claim = await claim_of(no)
    assert claim.status == "eligible" and claim.verified is True
    assert claim.severity == "serious" and claim.fine_fen == 2_000_000
    # tier 1000 yuan + 10 % of a 20,000 yuan fine (2,000, under the 5,000 cap)
    assert claim.max_amount_fen == 300_000
    actions = await RewardAudit.filter(claim_id=claim.id).order_by("seq").values_list(
        "action", flat=True
    )
    assert actions == ["open", "eligible"]


async def test_the_fine_share_is_capped(client, prog, staffs):
    no = await submit(client, await reporter(client, "13900000005"))
    await handle(client, staffs, no, severity="minor", fine=1_000_000)
    assert (await claim_of(no)).max_amount_fen == 10_000 + 500_000


async def test_an_unverified_reply_makes_the_claim_ineligible_with_a_reason(client, prog, staffs):
    token = await reporter(client, "13900000006")
    false_no = await submit(client, token)
    await handle(client, staffs, false_no, verified=False, severity=None)
    claim = await claim_of(false_no)
    assert claim.status == "ineligible" and "不属实" in claim.reason


async def test_a_reply_on_a_reward_case_must_state_verified(client, prog, staffs):
    no = await submit(client, await reporter(client, "13900000016"))
    handler = await staffs("handler")
    unit = await Unit.get(code="HZ-STHJJ")
    await act(client, await staffs("dispatcher"), no, "dispatch",
              {"unit_id": unit.id, "procedure": "simple"})
    await act(client, handler, no, "sign")
    for body in ({"content": "已处理。"}, {"content": "已处理。", "verified": None}):
        r = await client.post(
            f"/api/v1/staff/cases/{no}/reply", json=body, headers=bearer(handler)
        )
        assert r.status_code == 422, r.text
        assert r.json()["code"] == "verified_required" and "verified" in r.json()["detail"]
    # nothing happened: the case waits for the reply, the claim is still open
    case = await Case.get(tracking_no=no)
    assert case.status == "signed" and case.reply_round == 0
    assert (await claim_of(no)).status == "open"
    await act(client, handler, no, "reply", {"content": "经查属实。", "verified": True})
    assert (await claim_of(no)).status == "eligible"


async def test_replies_without_a_claim_need_not_state_verified(client, prog, staffs):
    token = await reporter(client, "13900000017")
    no = await submit(client, token, WATER | {"kind": "complaint"})  # no claim: not a report
    assert not await RewardClaim.filter(case_id=(await Case.get(tracking_no=no)).id).exists()
    await handle(client, staffs, no, verified=None, severity=None)
    assert (await Case.get(tracking_no=no)).status == "replied"


async def test_staff_of_the_responsible_unit_are_excluded(client, prog, staffs):
    insider = await Staff.get(username="handler")  # works at HZ-STHJJ, which handles the case
    await set_staff_phone(insider, "13900000007")
    try:
        no = await submit(client, await reporter(client, "13900000007"))
        await handle(client, staffs, no)
        claim = await claim_of(no)
        assert claim.status == "ineligible" and "工作人员" in claim.reason

        # staff of another unit may report like anyone else
        outsider = await Staff.get(username="handler_nb")
        await set_staff_phone(outsider, "13900000008")
        other = await submit(client, await reporter(client, "13900000008"), WATER | {
            "location": WATER["location"] | {"lat": 30.35}
        })
        await handle(client, staffs, other)
        assert (await claim_of(other)).status == "eligible"
    finally:
        await Staff.filter(username__in=["handler", "handler_nb"]).update(phone_hash=None)


async def test_rejected_report_claim_is_ineligible(client, prog, staffs):
    no = await submit(client, await reporter(client, "13900000009"))
    r = await client.post(
        f"/api/v1/staff/cases/{no}/reject",
        json={"reason": "重复提交"},
        headers=bearer(await staffs("dispatcher")),
    )
    assert r.status_code == 200, r.text
    claim = await claim_of(no)
    assert claim.status == "ineligible" and "不予受理" in claim.reason


async def test_handling_units_never_see_the_reporter(client, prog, staffs):
    phone, name = "13900000010", "李举报"
    token = await reporter(client, phone, name=name)
    body = WATER | {"contact_phone": phone}
    no = await submit(client, token, body)
    case = await Case.get(tracking_no=no)
    from hotline.crypto import encrypt

    await Case.filter(id=case.id).update(contact_name_enc=encrypt(name))
    await handle(client, staffs, no)

    def leaks(text: str) -> bool:
        return phone in text or name in text

    for username in ("handler", "dispatcher", "supervisor", "admin"):
        headers = bearer(await staffs(username))
        r = await client.get(f"/api/v1/cases/{no}", headers=headers)
        assert r.status_code == 200, r.text
        assert not leaks(r.text), username
        assert r.json()["contact"]["phone"] == "139****0010"
        for query in ("", "?status=replied", "?kind=report"):
            listing = await client.get(f"/api/v1/staff/cases{query}", headers=headers)
            assert listing.status_code == 200
            assert not leaks(listing.text), (username, query)

    # the reward administrator sees who reported it, through the claim
    admin = bearer(await staffs("reward_admin"))
    claim = await claim_of(no)
    r = await client.get(f"/api/v1/admin/rewards/claims/{claim.id}", headers=admin)
    assert r.status_code == 200, r.text
    assert r.json()["reporter"]["name"] == name and r.json()["reporter"]["phone"] == phone
    # ... and nobody else may read the rewards API
    for username in ("handler", "supervisor", "admin"):
        r = await client.get(
            f"/api/v1/admin/rewards/claims/{claim.id}", headers=bearer(await staffs(username))
        )
        assert r.status_code == 403
    r = await client.get("/api/v1/admin/rewards/claims", headers=bearer(token))
    assert r.status_code == 401


async def test_the_reporter_follows_their_claims(client, prog, staffs):
    token = await reporter(client, "13900000011")
    no = await submit(client, token)
    await handle(client, staffs, no)
    r = await client.get("/api/v1/rewards/claims/mine", headers=bearer(token))
    assert r.status_code == 200
    [item] = r.json()["items"]
    assert item["tracking_no"] == no and item["status"] == "eligible"
    assert "flags" not in item


async def test_one_phone_filing_many_claims_is_flagged(client, prog, monkeypatch):
    from hotline import settings as settings_mod

    monkeypatch.setattr(
        settings_mod,
        "_current",
        settings_mod.current().model_copy(update={"reward_fraud_claims_per_phone": 3}),
    )
    token = await reporter(client, "13900000012")
    numbers = [
        await submit(client, token, WATER | {"location": WATER["location"] | {"lat": 29.0 + i}})
        for i in range(3)
    ]
    flags = [(await claim_of(no)).flags for no in numbers]
    assert flags == [[], [], ["many_claims_phone"]]
    # another account giving the same phone as its contact
    other = await reporter(client, "13900000013")
    no = await submit(client, other, WATER | {"contact_phone": "13900000012"})
    claim = await claim_of(no)
    assert "phone_shared" in claim.flags and claim.flagged
    admin = bearer(await login_staff(client, "reward_admin"))
    r = await client.get(f"/api/v1/admin/rewards/claims/{claim.id}", headers=admin)
    labels = [f["label"] for f in r.json()["flags"]]
    assert "同一手机号用于多个账号申请奖励" in labels


async def test_reward_admins_create_programmes(client, prog):
    admin = bearer(await login_staff(client, "reward_admin"))
    body = {
        "name": "黑臭河道专项",
        "categories": ["ENV-WATER-BLACK"],
        "starts_on": "2026-01-01",
        "ends_on": "2026-12-31",
        "budget": 200000,
        "tiers": {"minor": 50, "serious": 500.5},
        "fine_pct": 5,
        "fine_cap": 1000,
        "four_eyes_above": 300,
    }
    r = await client.post("/api/v1/admin/rewards/programs", json=body, headers=admin)
    assert r.status_code == 201, r.text
    assert r.json()["tiers"] == {"minor": "50.00", "serious": "500.50"}
    assert r.json()["four_eyes_above"] == "300.00"
    bad = body | {"categories": ["ENV-NOISE"]}
    r = await client.post("/api/v1/admin/rewards/programs", json=bad, headers=admin)
    assert r.status_code == 422 and r.json()["code"] == "unknown_category"
    bad = body | {"ends_on": "2025-01-01"}
    r = await client.post("/api/v1/admin/rewards/programs", json=bad, headers=admin)
    assert r.status_code == 422
    listing = await client.get("/api/v1/admin/rewards/programs", headers=admin)
    assert [p["name"] for p in listing.json()] == ["五水共治有奖举报", "黑臭河道专项"]
    handler = bearer(await login_staff(client, "handler"))
    r = await client.post("/api/v1/admin/rewards/programs", json=body, headers=handler)
    assert r.status_code == 403


async def test_a_report_merged_into_a_reply_that_did_not_say_stays_open(client, prog, staffs):
    # the parent had no claim when it was replied to, so its reply did not state verified
    parent = await submit(client, await reporter(client, "13900000018"),
                          WATER | {"kind": "complaint"})
    await handle(client, staffs, parent, verified=None, severity=None)
    late = await submit(client, await reporter(client, "13900000019"))
    await act(client, await staffs("dispatcher"), late, "merge", {"into": parent})
    claim = await claim_of(late)
    assert claim.status == "open" and claim.reason == ""  # an omission is no verdict
