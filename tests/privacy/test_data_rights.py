"""GET /me/export and DELETE /me, over HTTP: what a citizen gets, and what erasure leaves."""

from __future__ import annotations

from urllib.parse import urlsplit

from models.case import Case
from models.citizen import Citizen, RealNameVerification
from models.media import Photo
from models.outbox import OutboxMessage
from models.reward import RewardAudit, RewardClaim, RewardPayout
from privacy import erasure
from rewards.audit import verify_chain
from tests.conftest import COMPLAINT, bearer, login_citizen
from tests.media.test_photos_api import local
from tests.privacy.support import person_with_history
from tests.rewards.support import (  # noqa: F401 (fixtures prog, staffs)
    claim_of,
    prog_fixture,
    staffs_fixture,
)

EXPORT, ME = "/api/v1/me/export", "/api/v1/me"


async def test_export_holds_everything_about_the_caller(client, prog, staffs, settings):
    p = await person_with_history(client, staffs, settings)
    r = await client.get(EXPORT, headers=bearer(p.access))
    assert r.status_code == 200, r.text
    data = r.json()

    profile = data["profile"]
    assert (profile["phone"], profile["name"], profile["id_number"]) == (
        p.phone, p.name, p.id_number
    )  # in full: it is their own data
    assert profile["real_name_verified"] and profile["real_name_method"] == "counter"
    assert profile["real_name_verified_at"] and profile["id"] == p.citizen_id
    assert data["wechat"]["mini_program_bound"] and data["wechat"]["openid_mini"] == p.openid
    assert data["wechat"]["unionid"] == p.unionid
    assert [v["method"] for v in data["verifications"]] == ["counter"]

    cases = {c["tracking_no"]: c for c in data["cases"]}
    assert set(cases) == {p.open_no, p.paid_no, p.complaint_no}
    paid = cases[p.paid_no]
    assert [e["action"] for e in paid["timeline"]][0] == "submit"
    assert "reply" in [e["action"] for e in paid["timeline"]]
    assert [x["score"] for x in paid["ratings"]] == [5]
    assert paid["flags"] is None  # the citizen's own view: no internal flags
    assert [x["comment"] for x in data["ratings"]] == ["处理及时，河水变清了"]
    assert cases[p.open_no]["photos"][0]["id"] == p.attached_photo

    photos = {ph["id"]: ph for ph in data["photos"]}
    assert set(photos) == {p.attached_photo, p.loose_photo}
    assert photos[p.attached_photo]["tracking_no"] == p.open_no
    assert photos[p.loose_photo]["tracking_no"] is None
    url = photos[p.loose_photo]["url"]
    assert "sig=" in urlsplit(url).query
    assert (await client.get(local(url))).status_code == 200  # the signed URL works

    claims = {c["tracking_no"]: c for c in data["reward_claims"]}
    assert claims[p.open_no]["status"] == "open" and claims[p.open_no]["payouts"] == []
    assert claims[p.paid_no]["status"] == "paid"
    [payout] = claims[p.paid_no]["payouts"]
    assert payout["status"] == "paid" and payout["amount_fen"] == 20_000

    by_template: dict[str, list[dict]] = {}
    for m in data["messages"]:
        by_template.setdefault(m["template"], []).append(m)
    [code_sms] = by_template["login_code"]
    assert code_sms["text"] is None  # a credential is never repeated
    assert code_sms["status"] == "sent" and code_sms["sent_at"]
    pickup = by_template["reward_pickup"][0]
    assert pickup["tracking_no"] == p.paid_no and "200.00" in pickup["text"]
    assert any(m["status"] == "pending" for m in data["messages"])
    assert all(m["tracking_no"] in (None, *cases) for m in data["messages"])


async def test_erasure_removes_the_identity_and_keeps_the_cases(client, prog, staffs, settings):
    p = await person_with_history(client, staffs, settings)
    open_claim, paid_claim = await claim_of(p.open_no), await claim_of(p.paid_no)
    assert open_claim.status == "open" and paid_claim.status == "paid"
    pending_before = await OutboxMessage.filter(
        recipient_kind="citizen", recipient_id=str(p.citizen_id), status="pending"
    ).count()
    assert pending_before > 0

    r = await client.delete(ME, headers=bearer(p.access))
    assert r.status_code == 204 and r.content == b""

    # the old tokens are dead everywhere, the hot intake path included
    assert (await client.get(EXPORT, headers=bearer(p.access))).status_code == 401
    again = await client.delete(ME, headers=bearer(p.access))
    assert again.status_code == 401
    assert again.headers["content-type"].startswith("application/problem+json")
    filed = await client.post("/api/v1/cases", json=COMPLAINT, headers=bearer(p.access))
    assert filed.status_code == 401, filed.text
    refreshed = await client.post("/api/v1/auth/refresh", json={"refresh_token": p.refresh})
    assert refreshed.status_code == 401
    assert await erasure.erase(p.citizen_id) is None  # erasing twice changes nothing

    # no citizen row left under the old id; the tombstone holds no personal data
    assert not await Citizen.filter(id=p.citizen_id).exists()
    paid_claim = await RewardClaim.get(id=paid_claim.id)
    tomb = await Citizen.get(id=paid_claim.citizen_id)
    assert tomb.erased_at is not None and not tomb.real_name_verified
    for attr in ("phone_enc", "phone_hash", "name_enc", "id_number_enc", "id_number_hash",
                 "openid_mini", "openid_oa", "unionid", "session_key_enc"):
        assert getattr(tomb, attr) is None, attr
    assert await RealNameVerification.filter(citizen_id=tomb.id).count() == 1

    # cases stay on record, detached and without contact data; staff still read them
    for no in (p.open_no, p.paid_no, p.complaint_no):
        case = await Case.get(tracking_no=no)
        assert case.citizen_id is None
        assert (case.contact_phone_enc, case.contact_phone_hash, case.contact_name_enc) == (
            None, None, None
        )
    staff_view = await client.get(
        f"/api/v1/cases/{p.paid_no}", headers=bearer(await staffs("handler"))
    )
    assert staff_view.status_code == 200 and staff_view.json()["contact"] is None

    # the open claim is withdrawn, with an audit entry that verifies in its chain
    open_claim = await RewardClaim.get(id=open_claim.id)
    assert open_claim.status == "withdrawn" and open_claim.citizen_id == tomb.id
    events = await RewardAudit.filter(claim_id=open_claim.id).order_by("seq")
    assert events[-1].action == "withdraw" and events[-1].data["previous"] == "open"
    assert verify_chain(open_claim, events)
    # the paid one keeps its finance record, without contact data
    assert paid_claim.status == "paid" and paid_claim.phone_hash is None
    [payout] = await RewardPayout.filter(claim_id=paid_claim.id)
    assert payout.status == "paid" and payout.amount_fen == 20_000
    assert verify_chain(
        paid_claim, await RewardAudit.filter(claim_id=paid_claim.id).order_by("seq")
    )

    # messages: pending ones cancelled, none keeps an address or parameters
    mine = await OutboxMessage.filter(recipient_kind="citizen", recipient_id=str(tomb.id))
    assert mine and all(m.address_enc is None for m in mine)
    assert not [m for m in mine if m.status == "pending"]
    assert len([m for m in mine if m.status == "cancelled"]) == pending_before
    assert not await OutboxMessage.filter(recipient_id=str(p.citizen_id)).exists()
    assert await OutboxMessage.filter(template="login_code", address_enc__isnull=False).count() == 0

    # evidence stays with no owner that names them; the unattached photo is gone
    attached = await Photo.get(id=p.attached_photo)
    assert attached.owner_kind == "erased" and attached.case_id is not None
    assert not await Photo.filter(id=p.loose_photo).exists()

    # the same phone signs up afresh: a new, empty account
    fresh = await login_citizen(client, p.phone)
    assert fresh["citizen"]["id"] not in (p.citizen_id, tomb.id)
    mine_now = await client.get("/api/v1/cases/mine", headers=bearer(fresh["access_token"]))
    assert mine_now.json()["items"] == []
    export = (await client.get(EXPORT, headers=bearer(fresh["access_token"]))).json()
    assert export["profile"]["name"] is None and export["reward_claims"] == []


async def test_staff_and_strangers_cannot_call_these(client, staffs):
    token = await staffs("reward_admin")
    for method, path in (("GET", EXPORT), ("DELETE", ME)):
        r = await client.request(method, path, headers=bearer(token))
        assert r.status_code == 401, r.text
        assert r.headers["content-type"].startswith("application/problem+json")
        r = await client.request(method, path)
        assert r.status_code == 401
        assert r.json()["code"]


async def test_rows_merged_into_the_account_are_erased_with_it(client):
    login = await login_citizen(client, "13912340078")
    me = await Citizen.get(id=login["citizen"]["id"])
    # an official-account identity that turned out to be the same person (wechat.identities)
    from wechat.identities import merge

    oa_row = await Citizen.create(openid_oa="o-oa-merged-0001", oa_follower=True)
    await merge(oa_row, me)
    export = (await client.get(EXPORT, headers=bearer(login["access_token"]))).json()
    assert export["wechat"]["openid_oa"] == "o-oa-merged-0001"

    r = await client.delete(ME, headers=bearer(login["access_token"]))
    assert r.status_code == 204
    assert not await Citizen.filter(id__in=[me.id, oa_row.id]).exists()
    assert not await Citizen.filter(openid_oa="o-oa-merged-0001").exists()
