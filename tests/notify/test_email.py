"""E-mail through a real SMTP server (aiosmtpd) with STARTTLS and AUTH, implicit TLS, and
plain; the daily 日日清 digest and the weekly 周周审 summary, once per period."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from models.org import Unit
from models.outbox import DigestRun, OutboxMessage
from notify import digests
from notify.worker import Worker
from tests.casework.test_queues import new_case
from tests.fakes.smtp import FakeSmtp
from tests.fakes.tls import TlsFiles
from tests.notify import support as ns
from tests.notify.support import add_rows, drain_all, quiet_off

tls_files = ns.tls_files  # fixture
# aiosmtpd counts only STARTTLS as TLS, and says so about AUTH over implicit TLS (SMTPS)
pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
SH = ZoneInfo("Asia/Shanghai")
UNIT_EMAIL = "hz-sthjj@example.gov.cn"
CENTRE_EMAIL = "duban@12345.example.gov.cn"


@pytest.fixture
def smtp(tls_files: TlsFiles) -> Iterator[FakeSmtp]:
    server = FakeSmtp("starttls", certfile=str(tls_files.cert), keyfile=str(tls_files.key))
    server.start()
    yield server
    server.stop()


@pytest.fixture
async def emails():
    hz = await Unit.get(code="HZ-STHJJ")
    centre = await Unit.get(code="ZJ12345")
    await Unit.filter(id=hz.id).update(email=UNIT_EMAIL)
    await Unit.filter(id=centre.id).update(email=CENTRE_EMAIL)
    yield hz, centre
    await Unit.filter(id__in=[hz.id, centre.id]).update(email=None)


def mail_settings(settings, smtp: FakeSmtp, tls: TlsFiles, **over):
    return quiet_off(settings, **smtp.settings(str(tls.ca)), **over)


async def test_unit_message_by_starttls_with_auth(settings, smtp, tls_files, emails):
    hz, _ = emails
    [row_id] = await add_rows(1, "unit_supervised", phone=lambda i: None,
                              recipient_kind="unit", recipient_id=str(hz.id), channel="unit")
    worker = Worker(mail_settings(settings, smtp, tls_files))
    await drain_all(worker)
    row = await OutboxMessage.get(id=row_id)
    assert (row.status, row.channel) == ("sent", "email")
    assert row.provider_id == f"<outbox-{row_id}@hotline.example>"
    assert smtp.logins == ["PLAIN:hotline"]  # authenticated, after STARTTLS (required)
    [mail] = smtp.messages
    assert mail["To"] == UNIT_EMAIL and mail["From"] == "12345@hotline.example"
    assert mail["Subject"] == "【督办】20261127-000123"
    assert "【督办】诉求20261127-000123：note-x" in mail.get_content()


async def test_implicit_tls_and_a_refused_recipient(settings, tls_files, emails):
    hz, _ = emails
    server = FakeSmtp("ssl", certfile=str(tls_files.cert), keyfile=str(tls_files.key)).start()
    try:
        server.refuse_rcpt[UNIT_EMAIL] = "550 5.1.1 no such mailbox"
        [row_id] = await add_rows(1, "unit_red", phone=lambda i: None, recipient_kind="unit",
                                  recipient_id=str(hz.id), channel="unit")
        worker = Worker(mail_settings(settings, server, tls_files))
        await drain_all(worker)
        row = await OutboxMessage.get(id=row_id)
        assert row.status == "dead" and "550" in row.last_error
        server.refuse_rcpt.clear()
        [ok] = await add_rows(1, "unit_red", phone=lambda i: None, recipient_kind="unit",
                              recipient_id=str(hz.id), channel="unit")
        await drain_all(worker)
        assert (await OutboxMessage.get(id=ok)).status == "sent"
        assert len(server.messages) == 1 and server.logins
    finally:
        server.stop()


async def test_smtp_down_is_retried_not_lost(settings, smtp, tls_files, emails):
    hz, _ = emails
    [row_id] = await add_rows(1, "unit_red", phone=lambda i: None, recipient_kind="unit",
                              recipient_id=str(hz.id), channel="unit")
    s = mail_settings(settings, smtp, tls_files)
    down = Worker(s.model_copy(update={"smtp_port": smtp.port + 1, "outbox_backoff_base_s": 60}))
    await down.drain()
    row = await OutboxMessage.get(id=row_id)
    assert (row.status, row.attempts) == ("pending", 1) and row.last_error
    await OutboxMessage.filter(id=row_id).update(next_attempt_at=datetime.now(UTC))
    await drain_all(Worker(s))
    assert (await OutboxMessage.get(id=row_id)).status == "sent"
    assert len(smtp.messages) == 1


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=SH)


async def test_daily_digest_once_per_day_reaches_the_unit(
    settings, client, citizen_token, smtp, tls_files, emails
):
    hz, _ = emails
    now = datetime.now(UTC)
    at_unit = {"unit_id": hz.id, "unit_path": hz.path}
    to_sign = await new_case(client, citizen_token, status="dispatched", **at_unit,
                             next_due_kind="sign", next_due_at=now + timedelta(hours=2),
                             warn_at=now + timedelta(hours=1))
    red = await new_case(client, citizen_token, status="signed", **at_unit,
                         next_due_kind="complete", next_due_at=now - timedelta(hours=1),
                         warn_at=now - timedelta(days=2))
    yellow = await new_case(client, citizen_token, status="noticed", **at_unit,
                            next_due_kind="complete", next_due_at=now + timedelta(hours=5),
                            warn_at=now - timedelta(hours=3))
    green = await new_case(client, citizen_token, status="signed", **at_unit,
                           next_due_kind="complete", next_due_at=now + timedelta(days=9),
                           warn_at=now + timedelta(days=7))
    s = mail_settings(settings, smtp, tls_files, digest_daily_at="00:00")
    first = await digests.run_due(now, s)
    second = await digests.run_due(now + timedelta(minutes=5), s)
    assert (first.daily, second.daily) == (1, 0)  # the centre has an e-mail but nothing to say
    assert await DigestRun.filter(kind="daily").count() == 2
    await drain_all(Worker(s))
    [mail] = smtp.messages
    assert mail["To"] == UNIT_EMAIL
    assert mail["Subject"] == f"【日日清】{hz.name} {now.astimezone(SH).date().isoformat()}"
    body = mail.get_content()
    assert "待签收1件，黄灯预警1件，红灯超期1件" in body
    for no in (to_sign, red, yellow):
        assert no in body
    assert green not in body


async def test_daily_digest_waits_for_its_hour(settings, emails):
    s = quiet_off(settings, digest_daily_at="08:30")
    assert (await digests.run_due(local(2026, 11, 27, 8, 29), s)).daily == 0
    assert await DigestRun.all().count() == 0


async def test_weekly_summary_to_supervisors_on_monday(
    settings, client, citizen_token, smtp, tls_files, emails
):
    hz, centre = emails
    monday = local(2026, 11, 30, 9, 0)  # ISO week 49: it reports week 48
    await new_case(client, citizen_token, status="signed", unit_id=hz.id, unit_path=hz.path,
                   next_due_kind="complete", next_due_at=monday - timedelta(days=1),
                   warn_at=monday - timedelta(days=3))
    s = mail_settings(settings, smtp, tls_files, digest_daily_at="08:30", digest_weekly_day=1)
    assert (await digests.run_due(local(2026, 11, 29, 9, 0), s)).weekly == 0  # a Sunday
    assert (await digests.run_due(monday, s)).weekly == 1
    assert (await digests.run_due(monday + timedelta(hours=3), s)).weekly == 0
    assert await DigestRun.filter(kind="weekly").values_list("recipient", "period") == [
        (f"supervisors:{centre.id}", "2026-W48")
    ]
    await drain_all(Worker(s))
    weekly = [m for m in smtp.messages if m["Subject"].startswith("【周周审】")]
    assert len(weekly) == 1 and weekly[0]["To"] == CENTRE_EMAIL
    body = weekly[0].get_content()
    assert "2026-W48" in body and "当前红灯超期1件" in body and f"{hz.name}：红灯1件" in body


def test_open_states_match_casework():
    from casework.transitions import OPEN_STATES

    assert set(digests.OPEN_STATES) == set(OPEN_STATES)
