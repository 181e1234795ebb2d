"""Channel choice at send time and quiet hours: a non-urgent SMS to a citizen waits for the
morning, a login code does not; units are reached by e-mail, supervisors up the unit tree."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from hotline.crypto import encrypt
from models.org import Unit
from models.outbox import OutboxMessage
from notify import routing
from notify.delivery import Message
from notify.outbox import enqueue
from notify.worker import Worker
from tests.notify import support as ns
from tests.notify.support import add_rows, quiet_off, sms_settings

tls_files, sms_server, fake_sms = ns.tls_files, ns.sms_server, ns.fake_sms  # fixtures
SH = ZoneInfo("Asia/Shanghai")


def sh(*args: int) -> datetime:
    return datetime(*args, tzinfo=SH)


def test_quiet_hours_across_midnight(settings):
    s = settings.model_copy(update={"quiet_hours_start": "21:00", "quiet_hours_end": "08:00"})
    assert routing.quiet_until(sh(2026, 11, 27, 22, 15), s) == sh(2026, 11, 28, 8, 0)
    assert routing.quiet_until(sh(2026, 11, 28, 7, 59), s) == sh(2026, 11, 28, 8, 0)
    assert routing.quiet_until(sh(2026, 11, 27, 21, 0), s) == sh(2026, 11, 28, 8, 0)
    assert routing.quiet_until(sh(2026, 11, 28, 8, 0), s) is None
    assert routing.quiet_until(sh(2026, 11, 27, 20, 59), s) is None
    # the same instant in UTC
    assert routing.quiet_until(datetime(2026, 11, 27, 14, 30, tzinfo=UTC), s) == sh(
        2026, 11, 28, 8, 0
    )


def test_quiet_hours_within_a_day_and_switched_off(settings):
    s = settings.model_copy(update={"quiet_hours_start": "12:00", "quiet_hours_end": "14:00"})
    assert routing.quiet_until(sh(2026, 11, 27, 13, 0), s) == sh(2026, 11, 27, 14, 0)
    assert routing.quiet_until(sh(2026, 11, 27, 14, 0), s) is None
    off = settings.model_copy(update={"quiet_hours_start": "00:00", "quiet_hours_end": "00:00"})
    assert routing.quiet_until(sh(2026, 11, 27, 23, 0), off) is None


def next_local(hour: int) -> datetime:
    """The next ``hour``:00 in Shanghai from now (the worker's clock in a test)."""
    now = datetime.now(SH)
    at = now.replace(hour=hour, minute=0, second=0, microsecond=0)
    return at if at > now else at + timedelta(days=1)


async def test_quiet_hours_hold_a_citizen_sms_but_not_a_login_code(settings, fake_sms, tls_files):
    [held] = await add_rows(1, "case_received")
    login = await enqueue(
        "login_code", {"code": "112233"}, channel="sms", recipient_kind="phone",
        address="13800138000",
    )
    [unit_msg] = await add_rows(1, "unit_supervised", phone=lambda i: None,
                                recipient_kind="unit", channel="unit")
    night = next_local(23)
    s = sms_settings(settings, fake_sms, tls_files, quiet_hours_start="21:00",
                     quiet_hours_end="08:00")
    worker = Worker(s, clock=lambda: night)
    await worker.drain()
    await worker.close()
    rows = {r.id: r for r in await OutboxMessage.all()}
    assert rows[held].status == "pending" and rows[held].attempts == 0
    assert rows[held].next_attempt_at == (night + timedelta(hours=9))  # 08:00 the next morning
    assert rows[login.id].status == "sent"
    assert rows[unit_msg].status == "sent"  # e-mail (here: the console) knows no quiet hours
    assert set(fake_sms.messages) == {f"hl{login.id}"}
    # in the morning it goes
    morning = Worker(s, clock=lambda: night + timedelta(hours=9, minutes=1))
    await morning.drain()
    await morning.close()
    assert (await OutboxMessage.get(id=held)).status == "sent"
    assert f"hl{held}" in fake_sms.messages


def msg(recipient_kind: str, recipient_id: str | None, template: str = "unit_red") -> Message:
    return Message(1, template, {}, "", recipient_kind, recipient_id, None, None, False, 1, "unit")


async def test_units_by_email_supervisors_up_the_tree(settings):
    hz = await Unit.get(code="HZ-STHJJ")
    centre = await Unit.get(code="ZJ12345")
    await Unit.filter(id=hz.id).update(email="hz-sthjj@example.gov.cn")
    try:
        route = await routing.unit_route(msg("unit", str(hz.id)))
        assert (route.channel, route.address) == ("email", "hz-sthjj@example.gov.cn")
        # the supervisors of a case at HZ-STHJJ are at the 12345 centre (the demo's supervisor)
        route = await routing.supervisors_route(msg("supervisors", str(hz.id)))
        assert route.address is None and centre.name in route.label  # no e-mail: the console
        await Unit.filter(id=centre.id).update(email="duban@12345.example.gov.cn")
        route = await routing.supervisors_route(msg("supervisors", str(hz.id)))
        assert route.address == "duban@12345.example.gov.cn"
    finally:
        await Unit.filter(id__in=[hz.id, centre.id]).update(email=None)


async def test_a_citizen_without_any_channel_is_dead_not_retried(settings):
    row = await OutboxMessage.create(
        channel="sms", template="case_reopened", recipient_kind="citizen", recipient_id="999999",
        address_enc=None, params_enc=encrypt('{"tracking_no": "20261127-000001"}'),
        next_attempt_at=datetime.now(UTC), created_at=datetime.now(UTC),
    )
    worker = Worker(quiet_off(settings))
    await worker.drain()
    row = await OutboxMessage.get(id=row.id)
    assert row.status == "dead" and "no channel" in row.last_error
