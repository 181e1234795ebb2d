"""The reply message's rating link: signed, bound to the case and the reply round, expiring,
one use; a reused link shows the rating given; staff see it; the token reaches no log."""

from __future__ import annotations

import logging
import time

import pytest

from casework import rating_links
from models.case import Case, Rating
from tests.conftest import COMPLAINT, bearer, login_staff
from tests.portal.helpers import answered_case, token_of


async def test_the_message_links_to_the_rating_page_with_a_token_in_the_fragment(client) -> None:
    no, link = await answered_case(client)
    assert link.startswith(f"/h5/cases/{no}/rate#t=")
    page = await client.get(link.split("#")[0])
    assert page.status_code == 200
    assert "评价答复" in page.text and no in page.text
    assert page.headers["referrer-policy"] == "same-origin"
    assert "default-src 'self'" in page.headers["content-security-policy"]


async def test_one_tap_rates_once_and_a_reused_link_shows_the_rating(client) -> None:
    no, link = await answered_case(client)
    token = token_of(link)
    r = await client.post(f"/h5/cases/{no}/rate/state", json={"token": token})
    assert r.status_code == 200 and "非常满意" in r.text and 'name="score"' in r.text
    assert "工地已停止夜间施工" in r.text  # the reply being rated
    r = await client.post(f"/h5/cases/{no}/rate",
                          json={"token": token, "score": 4, "comment": "处理及时<b>"})
    assert r.status_code == 200 and "感谢您的评价" in r.text and "满意" in r.text
    assert "处理及时&lt;b&gt;" in r.text  # citizen text is escaped
    case = await Case.get(tracking_no=no)
    assert case.status == "closed" and case.rating == 4
    # used again: the rating already given, nothing new recorded
    r = await client.post(f"/h5/cases/{no}/rate", json={"token": token, "score": 1})
    assert "本轮答复已评价" in r.text and "满意" in r.text
    r = await client.post(f"/h5/cases/{no}/rate/state", json={"token": token})
    assert "本轮答复已评价" in r.text
    assert await Rating.filter(case_id=case.id).count() == 1
    assert (await Rating.get(case_id=case.id)).score == 4
    # staff see the rating on the case
    staff = await login_staff(client, "dispatcher")
    seen = (await client.get(f"/api/v1/cases/{no}", headers=bearer(staff))).json()
    rate_events = [e for e in seen["timeline"] if e["action"] == "rate"]
    assert rate_events and "满意" in rate_events[0]["note"]


async def test_an_unsatisfied_rating_says_it_will_be_verified(client) -> None:
    no, link = await answered_case(client)
    r = await client.post(f"/h5/cases/{no}/rate", json={"token": token_of(link), "score": 1})
    assert "核实" in r.text and "重办" in r.text
    assert (await Case.get(tracking_no=no)).status == "rated"


@pytest.mark.parametrize("mangle", [
    lambda t: t[:-2] + ("AA" if not t.endswith("AA") else "BB"),  # forged signature
    lambda t: "9" + t,  # another round
    lambda t: "",
    lambda t: "x" * 200,
])
async def test_a_forged_or_broken_token_rates_nothing(client, mangle) -> None:
    no, link = await answered_case(client)
    r = await client.post(f"/h5/cases/{no}/rate", json={"token": mangle(token_of(link))[:80],
                                                         "score": 5})
    assert r.status_code in (404, 422)
    assert (await Case.get(tracking_no=no)).status == "answered"


async def test_a_token_is_bound_to_its_case(client) -> None:
    no, link = await answered_case(client)
    other, _ = await answered_case(client, "13800138001", reply="已答复另一件。")
    r = await client.post(f"/h5/cases/{other}/rate", json={"token": token_of(link), "score": 5})
    assert r.status_code == 404
    assert (await Case.get(tracking_no=other)).status == "answered"


async def test_an_expired_token_is_refused() -> None:
    token = rating_links.make_token("20261201-000001", 1, now=time.time() - 9 * 86400)
    assert rating_links.round_of("20261201-000001", token) is None
    fresh = rating_links.make_token("20261201-000001", 1)
    assert rating_links.round_of("20261201-000001", fresh) == 1


async def test_a_link_of_an_earlier_round_is_out_of_date(client) -> None:
    no, link = await answered_case(client)
    case = await Case.get(tracking_no=no)
    await Case.filter(id=case.id).update(reply_round=case.reply_round + 1)
    r = await client.post(f"/h5/cases/{no}/rate", json={"token": token_of(link), "score": 5})
    assert "此链接已失效" in r.text
    assert (await Case.get(tracking_no=no)).status == "answered"


async def test_the_token_reaches_no_log(client, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    no, link = await answered_case(client)
    token = token_of(link)
    await client.get(link.split("#")[0])
    await client.post(f"/h5/cases/{no}/rate/state", json={"token": token})
    await client.post(f"/h5/cases/{no}/rate", json={"token": token, "score": 5})
    await client.post(f"/h5/cases/{no}/rate", json={"token": token + "x", "score": 5})
    logged = "\n".join(r.getMessage() + str(vars(r)) for r in caplog.records)
    assert token not in logged and token.rsplit(".", 1)[1] not in logged


async def test_a_followers_message_carries_a_link_of_their_own_that_rates_as_the_follower(
    client,
) -> None:
    import json
    from urllib.parse import urlsplit

    from hotline.crypto import decrypt
    from models.follow import FollowerRating
    from models.outbox import OutboxMessage
    from tests.conftest import last_sms_text, login_citizen

    follower_phone = "13700137001"
    token = (await login_citizen(client, "13800138000"))["access_token"]
    r = await client.post("/api/v1/cases", json=COMPLAINT, headers=bearer(token))
    no = r.json()["tracking_no"]
    neighbour = (await login_citizen(client, follower_phone))["access_token"]
    r = await client.post(f"/api/v1/cases/{no}/follow", headers=bearer(neighbour))
    assert r.status_code in (200, 201), r.text
    operator = await login_staff(client, "operator")
    reply = {"content": "经核实，工地已停止夜间施工。"}
    r = await client.post(f"/api/v1/staff/cases/{no}/answer", json=reply,
                          headers=bearer(operator))
    assert r.status_code == 200, r.text
    message = await OutboxMessage.get(template="case_follow_replied")
    parts = urlsplit(json.loads(decrypt(message.params_enc) or "{}")["rating_url"])
    assert parts.path == f"/h5/cases/{no}/rate"  # the page exists: no 404 link any more
    follower_token = parts.fragment.removeprefix("t=")
    reporter_sms = await last_sms_text("13800138000")
    assert token_of("#" + urlsplit(reporter_sms["rating_url"]).fragment) != follower_token
    r = await client.post(f"/h5/cases/{no}/rate", json={"token": follower_token, "score": 2})
    assert r.status_code == 200 and "感谢您的评价" in r.text
    case = await Case.get(tracking_no=no)
    assert case.status == "answered" and case.rating is None  # the case stays the reporter's
    assert [(f.score, f.round) for f in await FollowerRating.filter(case_id=case.id)] == [(2, 1)]
    r = await client.post(f"/h5/cases/{no}/rate", json={"token": follower_token, "score": 5})
    assert "本轮答复已评价" in r.text
    assert await FollowerRating.filter(case_id=case.id).count() == 1
    # the follower part of the token is signed: another follower id is refused
    forged = follower_token.rsplit(".f", 1)[0] + ".f999"
    r = await client.post(f"/h5/cases/{no}/rate/state", json={"token": forged})
    assert r.status_code == 404
