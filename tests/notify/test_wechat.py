"""WeChat first for citizens who came through WeChat: subscribe messages spend a consent,
official-account template messages reach followers, and anything WeChat refuses goes by SMS.
Against the fake WeChat API (tests/fakes/wechat_api.py) through wechat.client."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from hotline import settings as settings_mod
from hotline.crypto import encrypt, lookup_hash
from models.case import Case
from models.citizen import Citizen
from models.outbox import OutboxMessage
from models.wechat import SubscriptionConsent
from notify.worker import Worker
from tests.casework.test_queues import new_case
from tests.notify import support as ns
from tests.notify.support import add_rows, drain_all, sms_settings
from tests.wechat.support import wx_fixture

tls_files, sms_server, fake_sms, wx = ns.tls_files, ns.sms_server, ns.fake_sms, wx_fixture
SUBSCRIBE = "cgi-bin/message/subscribe/send"
TEMPLATE = "cgi-bin/message/template/send"
PHONE = "13700137000"
THING = "您的诉求已由承办单位办理答复，请进入小程序查看答复内容并评价"  # over 20 characters
MINI = {
    "case_replied": {
        "id": "TPL-REPLIED",
        "data": {"character_string1": "{tracking_no}", "thing2": THING},
        "page": "pages/case/detail?no={tracking_no}",
    },
    "login_code": {"id": "TPL-CODE"},
}
OA = {"case_replied": {"id": "OA-REPLIED", "data": {"keyword1": "{tracking_no}"},
                       "url": "{rating_url}"}}


def wechat_settings(fake_sms: Any, tls: Any) -> Any:
    return sms_settings(settings_mod.current(), fake_sms, tls, wechat_mini_templates=MINI,
                        wechat_oa_templates=OA)


async def citizen(consents: int = 1, follower: bool = False, phone: str = PHONE) -> Citizen:
    person = await Citizen.create(
        phone_enc=encrypt(phone), phone_hash=lookup_hash(phone), openid_mini="o-mini-1",
        openid_oa="o-oa-1", oa_follower=follower,
    )
    if consents:
        await SubscriptionConsent.create(
            citizen_id=person.id, template_id="TPL-REPLIED", remaining=consents
        )
    return person


async def rows_to(person: Citizen, n: int = 1, template: str = "case_replied") -> list[int]:
    return await add_rows(n, template, phone=lambda i: PHONE, recipient_kind="citizen",
                          recipient_id=str(person.id))


async def consents_left(person: Citizen) -> int:
    row = await SubscriptionConsent.get(citizen_id=person.id, template_id="TPL-REPLIED")
    return row.remaining


async def test_subscribe_message_then_template_message_then_sms(wx, fake_sms, tls_files):
    person = await citizen(consents=1, follower=True)
    worker = Worker(wechat_settings(fake_sms, tls_files))
    first, second = await rows_to(person, 2)
    await drain_all(worker)
    rows = await OutboxMessage.filter(id__in=[first, second]).values_list("status", "channel")
    # one consent: one subscribe message; the other one (sent at the same time) reaches the
    # citizen as an official-account template message
    assert sorted(rows) == [("sent", "wechat_mini"), ("sent", "wechat_oa")]
    [sub] = wx.calls_to(SUBSCRIBE)
    assert sub.body["touser"] == "o-mini-1" and sub.body["template_id"] == "TPL-REPLIED"
    assert sub.body["data"]["character_string1"] == {"value": "20261127-000123"}
    assert len(sub.body["data"]["thing2"]["value"]) == 20  # cut to WeChat's limit for "thing"
    assert sub.body["page"] == "pages/case/detail?no=20261127-000123"
    [tpl] = wx.calls_to(TEMPLATE)
    assert tpl.body["touser"] == "o-oa-1" and tpl.body["url"] == "rating_url-x"
    assert await consents_left(person) == 0
    await Citizen.filter(id=person.id).update(oa_follower=False)  # unfollowed: SMS
    [third] = await rows_to(person)
    await drain_all(worker)
    assert (await OutboxMessage.get(id=third)).channel == "sms"
    assert set(fake_sms.messages) == {f"hl{third}"}
    await worker.close()


async def test_user_refused_43101_falls_back_to_sms(wx, fake_sms, tls_files):
    person = await citizen(consents=3)
    wx.fail(SUBSCRIBE, errcode=43101, errmsg="user refuse to accept the msg")
    [row_id] = await rows_to(person)
    worker = Worker(wechat_settings(fake_sms, tls_files))
    await drain_all(worker)
    await worker.close()
    row = await OutboxMessage.get(id=row_id)
    assert (row.status, row.channel, row.attempts) == ("sent", "sms", 1)
    assert fake_sms.sends[f"hl{row_id}"] == 1
    assert await consents_left(person) == 0  # WeChat says there is none: believe it


async def test_invalid_token_is_refreshed_once_and_retried(wx, fake_sms, tls_files):
    person = await citizen(consents=2)
    worker = Worker(wechat_settings(fake_sms, tls_files))
    await rows_to(person)
    await drain_all(worker)
    wx.revoke_tokens()  # WeChat now answers 40001 to the token every replica shares
    [row_id] = await rows_to(person)
    await drain_all(worker)
    await worker.close()
    row = await OutboxMessage.get(id=row_id)
    assert (row.status, row.channel, row.attempts) == ("sent", "wechat_mini", 1)
    assert len(wx.calls_to(SUBSCRIBE)) == 3  # sent, refused with 40001, sent again
    assert wx.calls_to("cgi-bin/stable_token")[-1].body.get("force_refresh") is True
    assert fake_sms.messages == {}


async def test_wechat_down_is_retried_by_wechat(wx, fake_sms, tls_files):
    person = await citizen(consents=1)
    wx.fail(SUBSCRIBE, status=500)
    [row_id] = await rows_to(person)
    s = wechat_settings(fake_sms, tls_files)
    await Worker(s.model_copy(update={"outbox_backoff_base_s": 60.0})).drain()
    row = await OutboxMessage.get(id=row_id)
    assert (row.status, row.channel) == ("pending", "wechat_mini")
    assert await consents_left(person) == 1  # given back for the retry
    await OutboxMessage.filter(id=row_id).update(next_attempt_at=datetime.now(UTC))
    worker = Worker(s)
    await drain_all(worker)
    await worker.close()
    row = await OutboxMessage.get(id=row_id)
    assert (row.status, row.channel, row.attempts) == ("sent", "wechat_mini", 2)
    assert await consents_left(person) == 0


async def test_login_codes_always_go_by_sms(wx, fake_sms, tls_files):
    person = await citizen(consents=1)
    await SubscriptionConsent.create(citizen_id=person.id, template_id="TPL-CODE", remaining=1)
    [row_id] = await add_rows(1, "login_code", phone=lambda i: PHONE, recipient_kind="citizen",
                              recipient_id=str(person.id))
    worker = Worker(wechat_settings(fake_sms, tls_files))
    await drain_all(worker)
    await worker.close()
    assert (await OutboxMessage.get(id=row_id)).channel == "sms"
    assert wx.sent() == []


async def test_a_case_filed_in_the_app_is_answered_by_sms(
    wx, fake_sms, tls_files, client, citizen_token
):
    no = await new_case(client, citizen_token)  # channel "app"
    case = await Case.get(tracking_no=no)
    await Citizen.filter(id=case.citizen_id).update(openid_mini="o-mini-app")
    await SubscriptionConsent.create(
        citizen_id=case.citizen_id, template_id="TPL-REPLIED", remaining=1
    )
    [row_id] = await rows_to(await Citizen.get(id=case.citizen_id))
    await OutboxMessage.filter(id=row_id).update(case_id=case.id)
    worker = Worker(wechat_settings(fake_sms, tls_files))
    await drain_all(worker)
    assert (await OutboxMessage.get(id=row_id)).channel == "sms"
    await Case.filter(id=case.id).update(channel="wechat_mini")  # came through WeChat
    [again] = await rows_to(await Citizen.get(id=case.citizen_id))
    await OutboxMessage.filter(id=again).update(case_id=case.id)
    await drain_all(worker)
    await worker.close()
    assert (await OutboxMessage.get(id=again)).channel == "wechat_mini"
