"""The outbox worker against the fake Aliyun SMS server, through the real SDK over HTTPS:
flaky gateway, throttling, business errors, hangs, a killed worker, two workers at once."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta

from hotline.crypto import decrypt
from models.outbox import OutboxMessage
from notify.sms_aliyun import parse_endpoint
from notify.worker import Worker
from tests.fakes.aliyun_sms import FakeAliyunSms
from tests.notify import support as ns
from tests.notify.support import (
    SIGN,
    TEMPLATE_CODES,
    add_rows,
    drain_all,
    quiet_off,
    sms_settings,
    statuses,
)

tls_files, sms_server, fake_sms = ns.tls_files, ns.sms_server, ns.fake_sms  # fixtures


async def test_flaky_gateway_every_message_sent_once(settings, fake_sms, tls_files):
    fake_sms.fail_rate = 0.3
    ids = await add_rows(1000)
    worker = Worker(sms_settings(settings, fake_sms, tls_files))
    try:
        await drain_all(worker)
    finally:
        await worker.close()
    assert await statuses() == {"sent": 1000}
    assert fake_sms.duplicates == {}
    assert set(fake_sms.messages) == {f"hl{i}" for i in ids}
    retried = await OutboxMessage.filter(attempts__gt=1).count()
    assert retried > 0  # the failures happened, and were retried
    row = await OutboxMessage.get(id=ids[0])
    record = fake_sms.messages[f"hl{row.id}"]
    assert row.provider_id == record["biz_id"] and row.provider_status == "OK"
    assert record["phones"] == [decrypt(row.address_enc)]
    assert record["template"] == TEMPLATE_CODES["case_received"] and record["sign"] == "浙江12345"
    assert record["params"] == {"tracking_no": "20261127-000123", "query_code": "493021"}


async def test_throttled_message_is_retried_later(settings, fake_sms, tls_files):
    fake_sms.throttle_next = 1
    [row_id] = await add_rows(1)
    s = sms_settings(settings, fake_sms, tls_files, sms_throttle_delay_s=30.0)
    worker = Worker(s)
    before = datetime.now(UTC)
    await worker.drain()
    row = await OutboxMessage.get(id=row_id)
    assert row.status == "pending" and row.attempts == 1
    assert row.provider_status == "isv.BUSINESS_LIMIT_CONTROL"
    assert "isv.BUSINESS_LIMIT_CONTROL" in (row.last_error or "")
    assert row.next_attempt_at >= before + timedelta(seconds=30)
    assert fake_sms.messages == {}
    await OutboxMessage.filter(id=row_id).update(next_attempt_at=datetime.now(UTC))
    await drain_all(worker)
    await worker.close()
    row = await OutboxMessage.get(id=row_id)
    assert (row.status, row.attempts) == ("sent", 2)
    assert fake_sms.sends[f"hl{row_id}"] == 1


async def test_invalid_number_and_template_are_dead_at_once(settings, fake_sms, tls_files):
    [bad_phone] = await add_rows(1, phone=lambda i: "1380013800")  # 10 digits
    [refused] = await add_rows(1, phone=lambda i: "13900000001")
    fake_sms.business_errors["13900000001"] = "isv.BLACK_KEY_CONTROL_LIMIT"
    codes = {k: v for k, v in TEMPLATE_CODES.items() if k != "case_dispatched"}
    [no_code] = await add_rows(1, "case_dispatched")
    s = sms_settings(settings, fake_sms, tls_files)
    worker = Worker(s.model_copy(update={"sms_template_codes": codes}))
    await drain_all(worker)
    await worker.close()
    rows = {r.id: r for r in await OutboxMessage.all()}
    assert rows[bad_phone].status == "dead" and rows[bad_phone].attempts == 1
    assert "isv.MOBILE_NUMBER_ILLEGAL" in rows[bad_phone].last_error
    assert rows[refused].status == "dead"
    assert rows[refused].provider_status == "isv.BLACK_KEY_CONTROL_LIMIT"
    assert rows[no_code].status == "dead" and "case_dispatched" in rows[no_code].last_error
    assert fake_sms.messages == {}


async def test_server_errors_until_dead_keep_the_last_error(settings, fake_sms, tls_files):
    fake_sms.fail_rate = 1.0
    [row_id] = await add_rows(1)
    worker = Worker(sms_settings(settings, fake_sms, tls_files, outbox_max_attempts=3))
    await drain_all(worker)
    await worker.close()
    row = await OutboxMessage.get(id=row_id)
    assert (row.status, row.attempts) == ("dead", 3)
    assert "after 3 attempts" in row.last_error and "InternalError" in row.last_error
    assert fake_sms.requests["SendSms"] == 3


async def test_hang_past_the_timeout_is_retried_without_a_second_sms(
    settings, fake_sms, tls_files
):
    for accept_first in (True, False):
        fake_sms.reset()
        fake_sms.configure(hang_next=1, hang_s=0.5, hang_after_accept=accept_first)
        [row_id] = await add_rows(1)
        worker = Worker(sms_settings(settings, fake_sms, tls_files))
        await drain_all(worker)
        await worker.close()
        row = await OutboxMessage.get(id=row_id)
        assert (row.status, row.attempts) == ("sent", 2), accept_first
        assert fake_sms.sends[f"hl{row_id}"] == 1, accept_first
        assert fake_sms.requests["QuerySendDetails"] >= 1  # it looked before sending again
        # found at Aliyun: recorded as sent, with the OutId standing in for the BizId
        assert row.provider_id == f"out:hl{row_id}"


async def test_killed_worker_mid_batch_every_row_once_after_restart(
    settings, fake_sms, tls_files
):
    fake_sms.latency_s = 0.03
    ids = await add_rows(400)
    s = sms_settings(settings, fake_sms, tls_files, outbox_concurrency=24)
    # no grace on shutdown: as good as killed
    first = Worker(s.model_copy(update={"outbox_shutdown_grace_s": 0.0}))
    task = asyncio.create_task(first.run_forever())
    for _ in range(3000):
        if sum(fake_sms.sends.values()) >= 60:
            break
        await asyncio.sleep(0.01)
    task.cancel()  # killed mid-send: rows in flight stay "sending" until their lease ends
    await asyncio.gather(task, return_exceptions=True)
    assert await OutboxMessage.filter(status="sending").count() > 0
    assert await OutboxMessage.filter(status="pending").count() > 0
    await first.close()
    second = Worker(s)
    await drain_all(second)
    await second.close()
    assert await statuses() == {"sent": 400}
    assert fake_sms.duplicates == {}
    assert set(fake_sms.messages) == {f"hl{i}" for i in ids}


async def test_a_stopped_worker_finishes_and_records_what_it_was_sending(
    settings, fake_sms, tls_files
):
    fake_sms.latency_s = 0.03
    await add_rows(200)
    worker = Worker(sms_settings(settings, fake_sms, tls_files, outbox_concurrency=24))
    task = asyncio.create_task(worker.run_forever())
    for _ in range(3000):
        if sum(fake_sms.sends.values()) >= 30:
            break
        await asyncio.sleep(0.01)
    task.cancel()  # SIGTERM: no new claims, the messages in flight finish and are recorded
    await asyncio.gather(task, return_exceptions=True)
    await worker.close()
    assert await OutboxMessage.filter(status="sending").count() == 0
    assert await OutboxMessage.filter(status="sent").count() == sum(fake_sms.sends.values())
    assert await OutboxMessage.filter(status="pending").count() > 0  # the rest waits


async def test_a_worker_stopped_while_it_claims_hands_the_rows_back(settings):
    # SIGTERM may land while the claim's UPDATE ... RETURNING is on its way back: the rows are
    # "sending" in the database but the worker never saw them
    await add_rows(20)
    claimed = asyncio.Event()
    hold = asyncio.Event()

    class SlowClaim(Worker):
        async def claim(self, limit, now=None):  # type: ignore[no-untyped-def]
            rows = await super().claim(limit, now)
            claimed.set()
            await hold.wait()  # the reply still on the wire when the worker is cancelled
            return rows

    worker = SlowClaim(settings)
    task = asyncio.create_task(worker.run_forever())
    await asyncio.wait_for(claimed.wait(), 10)
    assert await OutboxMessage.filter(status="sending").count() == 20
    task.cancel()
    await asyncio.sleep(0)
    hold.set()
    await asyncio.gather(task, return_exceptions=True)
    await worker.close()
    assert await OutboxMessage.filter(status="sending").count() == 0
    assert {(r.status, r.attempts) for r in await OutboxMessage.all()} == {("pending", 0)}


async def test_two_workers_share_the_queue_without_duplicates(settings, fake_sms, tls_files):
    fake_sms.fail_rate = 0.1
    await add_rows(1000)
    s = sms_settings(settings, fake_sms, tls_files, outbox_batch_size=50)
    workers = [Worker(s), Worker(s)]
    done = await asyncio.gather(*(w.drain() for w in workers))
    assert all(n > 0 for n in done)  # both took part
    await drain_all(*workers)
    for w in workers:
        await w.close()
    assert await statuses() == {"sent": 1000}
    assert fake_sms.duplicates == {} and len(fake_sms.messages) == 1000


async def test_a_worker_that_lost_its_lease_neither_sends_nor_overwrites(
    settings, fake_sms, tls_files
):
    [row_id] = await add_rows(1)
    s = sms_settings(settings, fake_sms, tls_files)
    offset = [timedelta(0)]
    slow = Worker(s, clock=lambda: datetime.now(UTC) + offset[0])
    fast = Worker(s)
    [claimed] = await slow.claim(10)
    # the slow worker stalls past its lease; another worker recovers the row and sends it
    await OutboxMessage.filter(id=row_id).update(claimed_until=datetime.now(UTC) - timedelta(1))
    await drain_all(fast)
    offset[0] = slow.lease
    assert await slow.process(claimed) is None  # too late to start: it does not send
    # nor can a result it had computed overwrite the newer attempt
    stale = await Worker(s).process(dict(claimed, lease_end=datetime.now(UTC) + slow.lease))
    assert stale is not None and stale.claimed_attempts == 1
    slow.outcomes.append(stale)
    await slow.flush()
    row = await OutboxMessage.get(id=row_id)
    assert (row.status, row.attempts) == ("sent", 2)
    assert row.provider_id == fake_sms.messages[f"hl{row_id}"]["biz_id"]
    for w in (slow, fast):
        await w.close()


async def test_login_code_overtakes_a_backlog(settings, fake_sms, tls_files):
    await add_rows(300)
    from notify.outbox import enqueue

    login = await enqueue(
        "login_code", {"code": "123456"}, channel="sms", recipient_kind="phone",
        address="13800138000",
    )
    worker = Worker(sms_settings(settings, fake_sms, tls_files))
    first = await worker.claim(5)
    assert first[0]["id"] == login.id or login.id in [r["id"] for r in first]
    await worker.close()


async def test_console_sink_without_provider_prints_the_login_code(settings, capsys):
    from notify.outbox import enqueue

    await enqueue(
        "login_code", {"code": "654321"}, channel="sms", recipient_kind="phone",
        address="13800138000",
    )
    worker = Worker(quiet_off(settings))
    await drain_all(worker)
    out = capsys.readouterr().out
    assert "[console sms] to 138****8000: 您的验证码为654321" in out
    row = await OutboxMessage.get(template="login_code")
    assert (row.status, row.channel, row.provider_status) == ("sent", "sms", "console")
    assert json.loads(decrypt(row.params_enc)) == {"code": "654321"}


async def test_an_http_endpoint_means_plain_http(settings):
    """``HOTLINE_SMS_ENDPOINT=http://host:port`` is spoken to over plain HTTP, not HTTPS."""
    plain = FakeAliyunSms({"test-ak": "test-secret"}, sign_names={SIGN})
    url = plain.start()
    assert url.startswith("http://")
    try:
        worker = Worker(quiet_off(
            settings, sms_access_key_id="test-ak", sms_access_key_secret="test-secret",
            sms_sign_name=SIGN, sms_endpoint=url, sms_template_codes=TEMPLATE_CODES,
        ))
        try:
            ids = await add_rows(3)
            await drain_all(worker)
        finally:
            await worker.close()
        assert await statuses() == {"sent": 3}
        assert set(plain.messages) == {f"hl{i}" for i in ids}
    finally:
        plain.stop()
    assert parse_endpoint(url, "https")[2] == "http"
    assert parse_endpoint("dysmsapi.aliyuncs.com", "https") == (
        "dysmsapi.aliyuncs.com", 443, "https"
    )
    assert parse_endpoint("https://sms.example:8443", "http") == ("sms.example", 8443, "https")
