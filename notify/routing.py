"""Which channel reaches a recipient, decided by the worker at send time; and quiet hours.

Callers enqueue citizen messages as ``channel="sms"`` with the phone as address, and unit
messages as ``channel="unit"`` with the unit's id; this module turns that into routes, best
first:

* login codes (and anything addressed to a bare phone) — SMS, always, at once;
* a citizen who came through WeChat (the case's channel is ``wechat_mini``/``wechat_oa``, or
  there is no case and the citizen has a WeChat identity) — a mini-program subscribe message
  when a consent for that template is left, an official-account template message when the
  citizen follows the account, then SMS to the case's contact phone;
* anyone else — SMS;
* a partner system — its webhook URL (``partners.delivery``);
* a unit — its e-mail; supervisors — the e-mail of the nearest unit at or above the case's unit
  that has an active supervisor (the platform centre last). Without SMTP or an address, the
  console sink prints the message.

Preferences (``PATCH /me``: ``notify.sms``, ``notify.wechat``, read with the claim, see
``notify.worker``): a message to a citizen account goes only on the channels the citizen left
on; the other routes remain as fallbacks among themselves. When none is left the message is
``suppressed`` (recorded, not sent, not retried). Templates marked ``required`` (login codes,
the phone-change notice, reward pickup codes and payout notices) ignore the preferences, and
messages to a bare phone (a caller without an account) have none.

Quiet hours (``HOTLINE_QUIET_HOURS_START``/``END``, civil time of ``HOTLINE_QUIET_HOURS_TZ``,
default 21:00–08:00 Asia/Shanghai): an SMS to a citizen that is not urgent (only login codes
are) is held until the end of the quiet hours. Other channels are not held.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from hotline.settings import Settings
from models.case import Case
from models.citizen import Citizen
from models.org import Staff, Unit
from models.wechat import SubscriptionConsent
from notify.delivery import Message, Permanent, Route, Suppressed
from notify.templates import TEMPLATES

CITIZEN_KINDS = ("citizen", "phone")
WECHAT_CASE_CHANNELS = ("wechat_mini", "wechat_oa")
ALWAYS_SMS = ("login_code",)


def _hhmm(value: str) -> time:
    hours, minutes = value.strip().split(":")
    return time(int(hours), int(minutes))


def quiet_until(now: datetime, settings: Settings) -> datetime | None:
    """The end of the quiet hours ``now`` falls in, or None outside them (or when disabled)."""
    start, end = _hhmm(settings.quiet_hours_start), _hhmm(settings.quiet_hours_end)
    if start == end:
        return None
    tz = ZoneInfo(settings.quiet_hours_tz)
    local = now.astimezone(tz)
    t = local.time()
    inside = start <= t < end if start < end else (t >= start or t < end)
    if not inside:
        return None
    day = local.date() if t < end else local.date() + timedelta(days=1)
    return datetime.combine(day, end, tzinfo=tz)


def held_until(msg: Message, route: Route, now: datetime, settings: Settings) -> datetime | None:
    """When a message that must not go out now may go out (None: it may go now)."""
    if route.channel != "sms" or msg.recipient_kind not in CITIZEN_KINDS or msg.urgent:
        return None
    return quiet_until(now, settings)


def is_citizen(msg: Message) -> bool:
    return msg.recipient_kind in CITIZEN_KINDS


async def routes(msg: Message, settings: Settings) -> list[Route]:
    if is_citizen(msg):
        return await citizen_routes(msg, settings)
    if msg.recipient_kind == "supervisors":
        return [await supervisors_route(msg)]
    if msg.recipient_kind == "unit":
        return [await unit_route(msg)]
    if msg.recipient_kind == "partner":  # a webhook (partners.events wrote it)
        from partners.delivery import route

        return [await route(msg)]
    return [Route("email", msg.address, label=f"{msg.recipient_kind} {msg.recipient_id}")]


def preferences_apply(msg: Message) -> bool:
    """Whether the citizen's choices limit this message's channels."""
    tpl = TEMPLATES.get(msg.template)
    return msg.recipient_kind == "citizen" and not (tpl is not None and tpl.required)


def turned_off(msg: Message) -> str | None:
    """Why the routes left for ``msg`` are all it gets: the channels the citizen turned off
    (None when the preferences do not apply or nothing is off)."""
    if not preferences_apply(msg):
        return None
    off = [name for name, on in (("SMS", msg.notify_sms), ("WeChat", msg.notify_wechat)) if not on]
    return f"the citizen turned off {' and '.join(off)} messages" if off else None


async def citizen_routes(msg: Message, settings: Settings) -> list[Route]:
    limited = preferences_apply(msg)
    sms_ok = msg.notify_sms or not limited
    wechat_ok = msg.notify_wechat or not limited
    found: list[Route] = []
    if (
        wechat_ok and msg.template not in ALWAYS_SMS and msg.recipient_kind == "citizen"
        and msg.recipient_id
    ):
        found = await wechat_routes(msg, settings)
    if msg.address and sms_ok:
        found.append(Route("sms", msg.address))
    if not found:
        reason = turned_off(msg)
        if reason:
            raise Suppressed(reason)
        raise Permanent("no channel reaches this citizen (no phone, no WeChat consent)")
    return found


async def wechat_routes(msg: Message, settings: Settings) -> list[Route]:
    mini_tpl = settings.wechat_mini_templates.get(msg.template)
    oa_tpl = settings.wechat_oa_templates.get(msg.template)
    if not mini_tpl and not oa_tpl:
        return []
    citizen = await Citizen.get_or_none(id=int(msg.recipient_id or 0))
    if citizen is not None and citizen.merged_into_id:  # its WeChat identity moved there
        citizen = await Citizen.get_or_none(id=citizen.merged_into_id)
    if citizen is None or not (citizen.openid_mini or citizen.openid_oa):
        return []
    if msg.case_id is not None:
        channel = await Case.filter(id=msg.case_id).values_list("channel", flat=True)
        if not channel or str(channel[0]) not in WECHAT_CASE_CHANNELS:
            return []
    found: list[Route] = []
    mini_ok = bool(settings.wechat_mini_appid and settings.wechat_mini_secret)
    if mini_ok and mini_tpl and citizen.openid_mini:
        left = await SubscriptionConsent.filter(
            citizen_id=citizen.id, template_id=mini_tpl["id"], remaining__gt=0
        ).exists()
        if left:
            found.append(
                Route("wechat_mini", citizen.openid_mini, extra={"citizen_id": citizen.id})
            )
    oa_ok = bool(settings.wechat_oa_appid and settings.wechat_oa_secret)
    if oa_ok and oa_tpl and citizen.openid_oa and citizen.oa_follower:
        found.append(Route("wechat_oa", citizen.openid_oa, extra={"citizen_id": citizen.id}))
    return found


async def unit_route(msg: Message) -> Route:
    unit = await Unit.get_or_none(id=int(msg.recipient_id)) if msg.recipient_id else None
    if unit is None:
        return Route("email", msg.address, label=f"unit {msg.recipient_id}")
    return Route("email", msg.address or unit.email, label=unit.name)


async def supervisors_route(msg: Message) -> Route:
    """The nearest unit at or above the given one with an active supervisor (and its e-mail)."""
    unit = await Unit.get_or_none(id=int(msg.recipient_id)) if msg.recipient_id else None
    if msg.address or unit is None:
        return Route("email", msg.address, label=f"supervisors of {msg.recipient_id}")
    chain = [int(p) for p in unit.path.strip("/").split("/") if p][::-1] or [unit.id]
    staff = await Staff.filter(unit_id__in=chain, active=True).values_list("unit_id", "roles")
    with_supervisor = {unit_id for unit_id, roles in staff if "supervisor" in (roles or [])}
    units = {u.id: u for u in await Unit.filter(id__in=chain)}
    candidates = [units[i] for i in chain if i in with_supervisor and i in units]
    if not candidates:  # nobody supervises: the top of the tree
        candidates = [units[chain[-1]]] if chain[-1] in units else [unit]
    best = next((u for u in candidates if u.email), candidates[0])
    return Route("email", best.email, label=f"{best.name}督办人员")
