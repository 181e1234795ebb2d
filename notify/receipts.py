"""SMS delivery receipts by polling ``QuerySendDetails``.

A row ``sent`` over SMS (``provider_status = "OK"``) is looked up from
``HOTLINE_SMS_RECEIPT_DELAY_S`` after sending, then every ``HOTLINE_SMS_RECEIPT_INTERVAL_S``,
for ``HOTLINE_SMS_RECEIPT_WINDOW_S``: by phone, the day it was sent (China time) and the BizId
when known, matched on our ``OutId``. ``SendStatus`` 3 makes it ``delivered`` (with the
handset's receive time), 2 ``failed`` (the carrier's ``ErrCode`` as last error); 1 means
"waiting" and it is looked at again later. Past the window, ``provider_status`` becomes
``no_receipt`` and the row stays ``sent``.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from tortoise.expressions import Q

from hotline import settings as settings_mod
from hotline.crypto import decrypt
from hotline.settings import Settings
from hotline.timefmt import SHANGHAI
from models.outbox import OutboxMessage, OutboxStatus
from notify.delivery import DeliveryError
from notify.sms_aliyun import FAILED, SUCCESS, AliyunSms, send_date

log = logging.getLogger("hotline.notify.receipts")
BATCH = 200


@dataclass
class ReceiptResult:
    delivered: int = 0
    failed: int = 0
    waiting: int = 0
    expired: int = 0


def _received_at(record: dict[str, Any]) -> datetime | None:
    try:
        local = datetime.strptime(str(record.get("ReceiveDate")), "%Y-%m-%d %H:%M:%S")
    except ValueError:
        return None
    return local.replace(tzinfo=SHANGHAI).astimezone(UTC)


async def _check(sms: AliyunSms, row: OutboxMessage, now: datetime, result: ReceiptResult) -> None:
    phone = decrypt(row.address_enc)
    biz_id = row.provider_id if row.provider_id and not row.provider_id.startswith("out:") else None
    still = OutboxMessage.filter(id=row.id, status=OutboxStatus.sent)
    if not phone or row.sent_at is None:
        await still.update(receipt_checked_at=now, provider_status="no_receipt")
        return
    try:
        record = await sms.find(phone, row.id, [send_date(row.sent_at)], biz_id)
    except DeliveryError as exc:
        log.warning("receipt of outbox row %s not available: %s", row.id, exc.detail)
        await still.update(receipt_checked_at=now)
        result.waiting += 1
        return
    status = int(record.get("SendStatus") or 0) if record else 0
    code = str(record.get("ErrCode") or "")[:64] if record else ""
    if status == SUCCESS:
        await still.update(
            status=OutboxStatus.delivered, provider_status=code or "DELIVERED",
            delivered_at=_received_at(record or {}) or now, receipt_checked_at=now,
        )
        result.delivered += 1
    elif status == FAILED:
        await still.update(
            status=OutboxStatus.failed, provider_status=code or "FAILED",
            last_error=f"carrier receipt: {code or 'failed'}", receipt_checked_at=now,
        )
        result.failed += 1
    else:
        await still.update(receipt_checked_at=now)
        result.waiting += 1


async def poll_once(
    sms: AliyunSms, settings: Settings | None = None, now: datetime | None = None
) -> ReceiptResult:
    settings = settings or settings_mod.current()
    now = now or datetime.now(UTC)
    result = ReceiptResult()
    window_start = now - timedelta(seconds=settings.sms_receipt_window_s)
    result.expired = await OutboxMessage.filter(
        status=OutboxStatus.sent, channel="sms", provider_status="OK", sent_at__lt=window_start
    ).update(provider_status="no_receipt")
    recheck = now - timedelta(seconds=settings.sms_receipt_interval_s)
    rows = (
        await OutboxMessage.filter(
            status=OutboxStatus.sent,
            channel="sms",
            provider_status="OK",
            sent_at__gte=window_start,
            sent_at__lte=now - timedelta(seconds=settings.sms_receipt_delay_s),
        )
        .filter(Q(receipt_checked_at__isnull=True) | Q(receipt_checked_at__lte=recheck))
        .order_by("id")
        .limit(BATCH)
    )
    limit = asyncio.Semaphore(max(1, settings.sms_pool_size))

    async def one(row: OutboxMessage) -> None:
        async with limit:
            await _check(sms, row, now, result)

    await asyncio.gather(*(one(r) for r in rows))
    return result


async def run_forever(settings: Settings | None = None) -> None:
    settings = settings or settings_mod.current()
    sms = AliyunSms(settings)
    try:
        while True:
            try:
                result = await poll_once(sms, settings)
                busy = result.delivered + result.failed + result.waiting >= BATCH
            except Exception:
                log.exception("receipt pass failed")
                busy = False
            if not busy:
                await asyncio.sleep(settings.sms_receipt_interval_s)
    finally:
        await sms.close()
