"""The outbox honours a citizen's notification preferences (PATCH /me), through the real
worker against the fake Aliyun SMS and WeChat servers: a channel turned off is not used, the
message goes by another allowed channel or is recorded as suppressed and never retried; login
codes and the other required templates go regardless."""

from __future__ import annotations

from models.citizen import Citizen
from models.outbox import OutboxMessage
from notify.templates import TEMPLATES
from notify.worker import Worker
from tests.conftest import bearer, login_citizen
from tests.notify import support as ns
from tests.notify.support import add_rows, drain_all, sms_settings
from tests.notify.test_wechat import (
    PHONE,
    SUBSCRIBE,
    citizen,
    consents_left,
    rows_to,
    wechat_settings,
)
from tests.wechat.support import wx_fixture

tls_files, sms_server, fake_sms, wx = ns.tls_files, ns.sms_server, ns.fake_sms, wx_fixture


async def prefer(person: Citizen, *, sms: bool, wechat: bool) -> None:
    await Citizen.filter(id=person.id).update(notify_sms=sms, notify_wechat=wechat)


async def drained(worker: Worker) -> None:
    await drain_all(worker)
    await worker.close()


def test_required_templates_are_the_codes_the_security_notice_and_reward_payments():
    assert {n for n, t in TEMPLATES.items() if t.required} == {
        "login_code", "phone_changed", "reward_pickup", "reward_paid"
    }


async def test_sms_off_goes_by_wechat(wx, fake_sms, tls_files):
    person = await citizen(consents=1)
    await prefer(person, sms=False, wechat=True)
    [row_id] = await rows_to(person)
    await drained(Worker(wechat_settings(fake_sms, tls_files)))
    row = await OutboxMessage.get(id=row_id)
    assert (row.status, row.channel) == ("sent", "wechat_mini")
    assert fake_sms.messages == {}


async def test_wechat_off_goes_by_sms_and_spends_no_consent(wx, fake_sms, tls_files):
    person = await citizen(consents=2, follower=True)
    await prefer(person, sms=True, wechat=False)
    [row_id] = await rows_to(person)
    await drained(Worker(wechat_settings(fake_sms, tls_files)))
    row = await OutboxMessage.get(id=row_id)
    assert (row.status, row.channel) == ("sent", "sms")
    assert wx.sent() == [] and await consents_left(person) == 2


async def test_sms_off_without_wechat_is_suppressed_and_never_retried(wx, fake_sms, tls_files):
    person = await citizen(consents=0)  # no consent, not a follower: only SMS could reach them
    await prefer(person, sms=False, wechat=True)
    [row_id] = await rows_to(person)
    worker = Worker(wechat_settings(fake_sms, tls_files))
    await drain_all(worker)
    await drain_all(worker)  # a second pass finds nothing to do
    await worker.close()
    row = await OutboxMessage.get(id=row_id)
    assert (row.status, row.attempts) == ("suppressed", 1)
    assert "turned off SMS" in (row.last_error or "")
    assert fake_sms.messages == {} and wx.sent() == []


async def test_wechat_refusing_does_not_fall_back_to_a_channel_turned_off(
    wx, fake_sms, tls_files
):
    person = await citizen(consents=1)
    await prefer(person, sms=False, wechat=True)
    wx.fail(SUBSCRIBE, errcode=43101, errmsg="user refuse to accept the msg")
    [row_id] = await rows_to(person)
    await drained(Worker(wechat_settings(fake_sms, tls_files)))
    row = await OutboxMessage.get(id=row_id)
    assert row.status == "suppressed" and "43101" in (row.last_error or "")
    assert fake_sms.messages == {}


async def test_everything_off_still_gets_required_messages(wx, fake_sms, tls_files):
    person = await citizen(consents=1, follower=True)
    await prefer(person, sms=False, wechat=False)
    [news] = await rows_to(person, template="case_replied")
    [code] = await rows_to(person, template="login_code")
    [pickup] = await rows_to(person, template="reward_pickup")
    [paid] = await rows_to(person, template="reward_paid")
    await drained(Worker(wechat_settings(fake_sms, tls_files)))
    rows = {r.id: r for r in await OutboxMessage.all()}
    assert rows[news].status == "suppressed"
    assert rows[code].status == "sent" and rows[code].channel == "sms"
    assert rows[pickup].status == "sent" and rows[paid].status == "sent"
    assert set(fake_sms.messages) >= {f"hl{code}", f"hl{pickup}"}
    assert f"hl{news}" not in fake_sms.messages


async def test_a_caller_without_an_account_has_no_preferences(fake_sms, tls_files, settings):
    person = await citizen(consents=0)
    await prefer(person, sms=False, wechat=False)  # the same phone, but addressed as a phone
    [row_id] = await add_rows(1, "case_received", phone=lambda i: PHONE)
    await drained(Worker(sms_settings(settings, fake_sms, tls_files)))
    assert (await OutboxMessage.get(id=row_id)).status == "sent"


async def test_preferences_in_a_mixed_batch(fake_sms, tls_files, settings):
    """One claim of many rows for many citizens: each row follows its own citizen."""
    people = []
    for i in range(10):
        phone = f"1370000{i:04d}"
        people.append(await citizen(consents=0, phone=phone))
        await Citizen.filter(id=people[-1].id).update(openid_mini=None, openid_oa=None,
                                                      notify_sms=i % 2 == 0)
    ids = {}
    for i, person in enumerate(people):
        [ids[i]] = await add_rows(1, "case_replied", phone=lambda _, i=i: f"1370000{i:04d}",
                                  recipient_kind="citizen", recipient_id=str(person.id))
    await drained(Worker(sms_settings(settings, fake_sms, tls_files)))
    rows = {r.id: r.status for r in await OutboxMessage.all()}
    assert [rows[ids[i]] for i in range(10)] == ["sent", "suppressed"] * 5
    assert len(fake_sms.messages) == 5


async def test_turned_off_in_the_app_then_a_case_is_filed(client, fake_sms, tls_files, settings):
    login = await login_citizen(client, "13600136000")
    r = await client.patch("/api/v1/me", json={"notify": {"sms": False}},
                           headers=bearer(login["access_token"]))
    assert r.status_code == 200
    from tests.casework.test_queues import new_case

    await new_case(client, login["access_token"])
    await drained(Worker(sms_settings(settings, fake_sms, tls_files)))
    by_template = {r.template: r.status for r in await OutboxMessage.all()}
    assert by_template == {"login_code": "sent", "case_received": "suppressed"}
    assert len(fake_sms.messages) == 1
