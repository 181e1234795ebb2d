"""Delivery receipts by polling QuerySendDetails at the fake Aliyun server."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from models.outbox import OutboxMessage
from notify import receipts
from notify.sms_aliyun import AliyunSms
from notify.worker import Worker
from tests.notify import support as ns
from tests.notify.support import add_rows, drain_all, sms_settings

tls_files, sms_server, fake_sms = ns.tls_files, ns.sms_server, ns.fake_sms  # fixtures


async def test_receipts_mark_delivered_failed_or_keep_waiting(settings, fake_sms, tls_files):
    delivered, failed, waiting = await add_rows(3, phone=lambda i: f"1390000000{i}")
    fake_sms.receipts["13900000001"] = (2, "MOBILE_NOT_ON_SERVICE")
    fake_sms.receipts["13900000002"] = (1, "")
    s = sms_settings(settings, fake_sms, tls_files, sms_receipt_delay_s=30.0)
    worker = Worker(s)
    await drain_all(worker)
    await worker.close()
    sms = AliyunSms(s)
    now = datetime.now(UTC)
    early = await receipts.poll_once(sms, s, now)  # too soon after sending: not looked at
    assert (early.delivered, early.failed, early.waiting) == (0, 0, 0)
    later = now + timedelta(minutes=1)
    result = await receipts.poll_once(sms, s, later)
    assert (result.delivered, result.failed, result.waiting) == (1, 1, 1)
    rows = {r.id: r for r in await OutboxMessage.all()}
    assert rows[delivered].status == "delivered" and rows[delivered].provider_status == "DELIVERED"
    assert rows[delivered].delivered_at is not None
    assert rows[failed].status == "failed"
    assert rows[failed].last_error == "carrier receipt: MOBILE_NOT_ON_SERVICE"
    assert rows[waiting].status == "sent" and rows[waiting].receipt_checked_at is not None
    # the waiting one is asked again after the interval, and nothing else is
    fake_sms.receipts["13900000002"] = (3, "DELIVERED")
    again = await receipts.poll_once(sms, s, later + timedelta(seconds=10))
    assert again.delivered + again.waiting == 0
    final = await receipts.poll_once(sms, s, later + timedelta(minutes=2))
    assert final.delivered == 1
    assert (await OutboxMessage.get(id=waiting)).status == "delivered"
    # a receipt that never comes: past the window, polling stops
    [silent] = await add_rows(1, phone=lambda i: "13900000009")
    fake_sms.receipts["13900000009"] = (1, "")
    await drain_all(Worker(s))
    assert (await receipts.poll_once(sms, s, later + timedelta(days=3))).expired == 1
    row = await OutboxMessage.get(id=silent)
    assert (row.status, row.provider_status) == ("sent", "no_receipt")
    await sms.close()


async def test_a_row_found_by_out_id_gets_its_receipt_too(settings, fake_sms, tls_files):
    fake_sms.configure(hang_next=1, hang_s=0.5)  # accepted, but the answer comes too late
    [row_id] = await add_rows(1)
    s = sms_settings(settings, fake_sms, tls_files, sms_receipt_delay_s=0.0)
    worker = Worker(s)
    await drain_all(worker)
    await worker.close()
    assert (await OutboxMessage.get(id=row_id)).provider_id == f"out:hl{row_id}"
    sms = AliyunSms(s)
    result = await receipts.poll_once(sms, s, datetime.now(UTC) + timedelta(seconds=1))
    await sms.close()
    assert result.delivered == 1
    assert (await OutboxMessage.get(id=row_id)).status == "delivered"
    assert fake_sms.sends[f"hl{row_id}"] == 1
