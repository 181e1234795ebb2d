"""E-mail digests: 日日清 — each unit's cases to sign and its yellow/red cases, daily; 周周审 —
a weekly summary of a supervising unit's subtree, on ``HOTLINE_DIGEST_WEEKLY_DAY``.

Both go out from ``HOTLINE_DIGEST_DAILY_AT`` (civil time, ``HOTLINE_QUIET_HOURS_TZ``) to units
with an e-mail address. "Once per period" is the unique ``digest_run (kind, recipient,
period)`` row, inserted in the same transaction as the outbox row carrying the e-mail: however
many replicas run this, one wins, and the outbox worker delivers (and retries) it. A unit with
nothing to report gets no e-mail, but its period is marked done all the same.

The lights follow ``casework.deadlines``: red when ``next_due_at < now``, yellow when
``warn_at <= now <= next_due_at``, for open cases, by the unit responsible now (``unit_path``).
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from tortoise.exceptions import IntegrityError
from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from hotline import settings as settings_mod
from hotline.settings import Settings
from models.case import Case, CaseEvent, Rating
from models.org import Staff, Unit
from models.outbox import DigestRun
from notify.outbox import enqueue
from notify.templates import DUE_LABELS

log = logging.getLogger("hotline.notify.digests")

# the same as casework.transitions.OPEN_STATES (tests check): notify does not import casework
OPEN_STATES = (
    "submitted", "returned", "transfer_requested",
    "dispatched", "signed", "noticed", "reopened", "extension_requested",
)
MAX_LINES = 30


@dataclass
class OpenCase:
    tracking_no: str
    unit_path: str
    status: str
    due_kind: str | None
    due_at: datetime | None
    warn_at: datetime | None

    def light(self, now: datetime) -> str | None:
        if self.due_at is None:
            return None
        if now > self.due_at:
            return "red"
        if self.warn_at is not None and now >= self.warn_at:
            return "yellow"
        return "green"


@dataclass
class DigestResult:
    daily: int = 0
    weekly: int = 0


async def open_cases(now: datetime) -> list[OpenCase]:
    """Open cases waiting for a unit's signature, or yellow or red now."""
    rows = await Case.filter(
        Q(status="dispatched")
        | Q(status__in=OPEN_STATES, warn_at__lte=now)
        | Q(status__in=OPEN_STATES, next_due_at__lt=now)
    ).values_list("tracking_no", "unit_path", "status", "next_due_kind", "next_due_at", "warn_at")
    cases = [OpenCase(*r) for r in rows]
    return sorted(cases, key=lambda c: (c.due_at or now, c.tracking_no))


def _local(at: datetime | None, tz: ZoneInfo) -> str:
    return at.astimezone(tz).strftime("%m-%d %H:%M") if at else "—"


def _section(title: str, cases: list[OpenCase], tz: ZoneInfo) -> str:
    if not cases:
        return ""
    lines = [f"{title}（{len(cases)}件）："]
    for c in cases[:MAX_LINES]:
        label = DUE_LABELS.get(c.due_kind or "", "时限")
        lines.append(f"  {c.tracking_no}  {label} {_local(c.due_at, tz)}")
    if len(cases) > MAX_LINES:
        lines.append(f"  ……另有{len(cases) - MAX_LINES}件")
    return "\n".join(lines)


def summarise(cases: list[OpenCase], now: datetime) -> dict[str, list[OpenCase]]:
    return {
        "to_sign": [c for c in cases if c.status == "dispatched"],
        "red": [c for c in cases if c.light(now) == "red"],
        "yellow": [c for c in cases if c.light(now) == "yellow"],
    }


async def _record_and_enqueue(
    kind: str, recipient: str, period: str, message: tuple[str, dict[str, Any], Unit] | None
) -> bool:
    """Mark the period done and queue the e-mail, together; False if another run did it."""
    if await DigestRun.exists(kind=kind, recipient=recipient, period=period):
        return False
    try:
        async with in_transaction() as conn:
            await DigestRun.create(
                kind=kind, recipient=recipient, period=period, created_at=datetime.now(UTC),
                using_db=conn,
            )
            if message is not None:
                template, params, unit = message
                await enqueue(
                    template, params, channel="email",
                    recipient_kind="unit" if kind == "daily" else "supervisors",
                    recipient_id=str(unit.id), address=unit.email, using_db=conn,
                )
    except IntegrityError:
        return False
    return message is not None


async def daily(now: datetime, settings: Settings) -> int:
    tz = ZoneInfo(settings.quiet_hours_tz)
    local = now.astimezone(tz)
    period = local.date().isoformat()
    units = await Unit.filter(email__isnull=False).exclude(email="")
    if not units:
        return 0
    by_path: dict[str, list[OpenCase]] = defaultdict(list)
    for case in await open_cases(now):
        by_path[case.unit_path].append(case)
    sent = 0
    for unit in units:
        parts = summarise(by_path.get(unit.path, []), now)
        message = None
        if any(parts.values()):
            details = "\n\n".join(
                s for s in (
                    _section("待签收", parts["to_sign"], tz),
                    _section("红灯超期", parts["red"], tz),
                    _section("黄灯预警", parts["yellow"], tz),
                ) if s
            )
            params = {
                "unit_name": unit.name, "date": period, "as_of": local.strftime("%m月%d日%H:%M"),
                "to_sign": len(parts["to_sign"]), "yellow": len(parts["yellow"]),
                "red": len(parts["red"]), "details": details,
            }
            message = ("unit_daily_digest", params, unit)
        sent += await _record_and_enqueue("daily", str(unit.id), period, message)
    return sent


async def supervising_units() -> list[Unit]:
    staff = await Staff.filter(active=True).values_list("unit_id", "roles")
    ids = {unit_id for unit_id, roles in staff if "supervisor" in (roles or [])}
    return list(await Unit.filter(id__in=ids, email__isnull=False).exclude(email=""))


async def weekly(now: datetime, settings: Settings) -> int:
    tz = ZoneInfo(settings.quiet_hours_tz)
    local = now.astimezone(tz).date()
    monday = local - timedelta(days=local.isoweekday() - 1 + 7)  # last week's Monday
    period = iso_week(monday)
    # (UTC: filters hand datetimes to SQLite as they are, and rows are stored in UTC)
    start = datetime.combine(monday, time(0), tzinfo=tz).astimezone(UTC)
    end = start + timedelta(days=7)
    units = await supervising_units()
    cases = await open_cases(now) if units else []
    names = dict(await Unit.all().values_list("path", "name"))
    sent = 0
    for unit in units:
        params = await week_figures(unit, start, end, [c for c in cases if
                                                      c.unit_path.startswith(unit.path)], now)
        params.update(
            unit_name=unit.name, week=period,
            period=f"{monday:%m月%d日}—{monday + timedelta(days=6):%m月%d日}",
        )
        params["details"] = _by_unit(params.pop("_cases"), names, now)
        sent += await _record_and_enqueue(
            "weekly", f"supervisors:{unit.id}", period, ("supervisor_weekly", params, unit)
        )
    return sent


async def week_figures(
    unit: Unit, start: datetime, end: datetime, cases: list[OpenCase], now: datetime
) -> dict[str, Any]:
    subtree = {"unit_path__startswith": unit.path}
    parts = summarise(cases, now)
    return {
        "received": await Case.filter(created_at__gte=start, created_at__lt=end, **subtree).count(),
        "replied": await Case.filter(replied_at__gte=start, replied_at__lt=end, **subtree).count(),
        "returned": await CaseEvent.filter(
            action="return", at__gte=start, at__lt=end, case__unit_path__startswith=unit.path
        ).count(),
        "unsatisfied": await Rating.filter(
            score__lte=2, created_at__gte=start, created_at__lt=end,
            case__unit_path__startswith=unit.path,
        ).count(),
        "red": len(parts["red"]), "yellow": len(parts["yellow"]),
        "to_sign": len(parts["to_sign"]), "_cases": cases,
    }


def _by_unit(cases: list[OpenCase], names: dict[str, str], now: datetime) -> str:
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for c in cases:
        light = c.light(now)
        if light in ("red", "yellow"):
            counts[c.unit_path][0 if light == "red" else 1] += 1
    if not counts:
        return "本周无红灯、黄灯诉求。"
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1][0], -kv[1][1]))[:MAX_LINES]
    lines = ["各单位红灯、黄灯情况："]
    lines += [f"  {names.get(p, p)}：红灯{r}件，黄灯{y}件" for p, (r, y) in ranked]
    return "\n".join(lines)


def _due(now: datetime, settings: Settings) -> tuple[bool, bool]:
    tz = ZoneInfo(settings.quiet_hours_tz)
    local = now.astimezone(tz)
    hours, minutes = settings.digest_daily_at.split(":")
    after = local.time() >= time(int(hours), int(minutes))
    return after, after and local.isoweekday() == settings.digest_weekly_day


async def run_due(now: datetime | None = None, settings: Settings | None = None) -> DigestResult:
    """Queue the digests whose time has come and that no run has queued yet."""
    settings = settings or settings_mod.current()
    now = (now or datetime.now(UTC)).astimezone(UTC)
    daily_due, weekly_due = _due(now, settings)
    result = DigestResult()
    if daily_due:
        result.daily = await daily(now, settings)
    if weekly_due:
        result.weekly = await weekly(now, settings)
    return result


async def run_forever(settings: Settings | None = None) -> None:
    settings = settings or settings_mod.current()
    while True:
        try:
            result = await run_due(settings=settings)
            if result.daily or result.weekly:
                log.info("queued %d daily and %d weekly digests", result.daily, result.weekly)
        except Exception:
            log.exception("digest pass failed")
        await asyncio.sleep(settings.digest_interval_s)


def iso_week(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"
