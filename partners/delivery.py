"""Sending a webhook row: the notify worker's ``webhook`` channel.

The worker claims the row like any outbox message (``notify.worker``) and routes it here
(``notify.routing``): the partner is read at send time, so a deactivated partner, a cleared URL
or a dropped ``events`` scope stops its deliveries (dead, with the reason). Each attempt is
signed afresh (``partners.signing``) and POSTed with a timeout (``HOTLINE_WEBHOOK_TIMEOUT_S``);
a 2xx is delivered, anything else (an error status, a timeout, a refused connection) is
retried with the worker's exponential backoff until ``give_up_at`` (a day after the event,
``HOTLINE_WEBHOOK_GIVE_UP_S``), then dead. The worker keeps at most
``HOTLINE_WEBHOOK_CONCURRENCY`` deliveries per partner in flight, so a slow receiver holds
only its own rows back.

A webhook host that is a name is resolved here, before the POST, and refused (dead) when it
resolves to a private or loopback address, unless ``HOTLINE_WEBHOOK_ALLOW_PRIVATE=true``.
"""

from __future__ import annotations

import asyncio
import socket
import time
from datetime import datetime
from urllib.parse import urlsplit

import httpx

from hotline.crypto import decrypt
from hotline.settings import Settings
from models.partner import Partner
from notify.delivery import Message, Permanent, Route, Sent, Transient
from partners import signing, targets

NAME = "webhook"


# a partner as routing last read it, for this long: a busy partner's rows do not each read its
# row and decrypt its secret; a deactivation or a new URL or secret holds within this delay
ROUTE_TTL_S = 2.0
_routes: dict[str, tuple[float, Route | Permanent]] = {}


async def route(msg: Message) -> Route:
    """Where the row goes and with which secrets, as the partner stands (at most
    ``ROUTE_TTL_S`` ago)."""
    key = msg.recipient_id or ""
    now = time.monotonic()
    cached = _routes.get(key)
    if cached is None or cached[0] <= now:
        try:
            found: Route | Permanent = await _route(key)
        except Permanent as exc:
            found = exc
        if len(_routes) > 10_000:
            _routes.clear()
        cached = _routes[key] = (now + ROUTE_TTL_S, found)
    if isinstance(cached[1], Permanent):
        raise Permanent(cached[1].detail, code=cached[1].code)
    return cached[1]


def forget() -> None:
    """Drop what routing remembers of partners: called on every change to one, so a worker in
    the same process sees it at once (a worker elsewhere within ``ROUTE_TTL_S``)."""
    _routes.clear()


async def _route(key: str) -> Route:
    partner = await Partner.get_or_none(id=int(key or 0))
    if partner is None or not partner.active:
        raise Permanent("the partner is deactivated", code="partner_inactive")
    if not partner.webhook_url:
        raise Permanent("the partner has no webhook URL", code="no_webhook_url")
    if "events" not in partner.scopes:
        raise Permanent("the partner lacks the events scope", code="scope_missing")
    secrets = [decrypt(partner.webhook_secret_enc) or ""]
    until = partner.old_secret_until
    if partner.old_secret_enc and until is not None and until.timestamp() > time.time():
        secrets.append(decrypt(partner.old_secret_enc) or "")
    return Route(NAME, partner.webhook_url, label=partner.name, extra={"secrets": secrets})


async def _resolves_internal(host: str) -> bool:
    if targets.internal_host(host):
        return True
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except OSError:
        return False  # the POST will fail and be retried
    return any(targets.internal_host(str(info[4][0])) for info in infos)


class Webhook:
    """The channel: an HTTP client (a keep-alive pool as large as the partner's concurrency)
    per partner, so one receiver's connections never queue another's requests."""

    name = NAME

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.clients: dict[str, httpx.AsyncClient] = {}

    def client(self, partner: str) -> httpx.AsyncClient:
        found = self.clients.get(partner)
        if found is None:
            size = max(1, self.settings.webhook_concurrency)
            found = self.clients[partner] = httpx.AsyncClient(
                timeout=httpx.Timeout(self.settings.webhook_timeout_s), follow_redirects=False,
                limits=httpx.Limits(max_connections=size, max_keepalive_connections=size),
                headers={"User-Agent": "hotline-webhooks/1"},
            )
        return found

    def gives_up(self, msg: Message, now: datetime) -> bool:
        """Whether a failed row is past its day of retries (then dead)."""
        return now.timestamp() >= float(msg.params.get("give_up_at", 0))

    async def send(self, msg: Message, route: Route) -> Sent:
        url = route.address or ""
        if not self.settings.webhook_allow_private and await _resolves_internal(
            urlsplit(url).hostname or ""
        ):
            raise Permanent("the webhook host resolves to an internal address",
                            code="webhook_target_private")
        body = str(msg.params["body"]).encode()
        headers = signing.headers(route.extra["secrets"], str(msg.params["type"]),
                                  str(msg.params["event_id"]), body)
        try:
            r = await self.client(msg.recipient_id or "").post(url, content=body,
                                                                headers=headers)
        except httpx.TimeoutException as exc:
            raise Transient(f"timed out: {exc!r}", code="timeout", ambiguous=True) from exc
        except httpx.HTTPError as exc:
            raise Transient(f"{type(exc).__name__}: {exc}", code="unreachable") from exc
        if 200 <= r.status_code < 300:
            return Sent(NAME, provider_id=None, provider_status=str(r.status_code))
        retry_after = r.headers.get("Retry-After", "")
        raise Transient(
            f"HTTP {r.status_code}: {r.text[:200]}", code=str(r.status_code),
            retry_after=float(retry_after) if retry_after.isdigit() else None,
        )

    async def close(self) -> None:
        clients, self.clients = list(self.clients.values()), {}
        for client in clients:
            await client.aclose()
