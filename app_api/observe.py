"""A pure-ASGI middleware around every request: its id, its metrics, its access line.

* **Request id** — an incoming ``X-Request-Id`` of 1 to 64 visible ASCII characters is kept,
  anything else is replaced by a new random id (32 hex digits). It is set in
  ``hotline.logs.request_id`` for the request's task (every log record made while answering
  carries it) and echoed in the reply's ``X-Request-Id``.
* **Metrics** — ``hotline_http_requests_total`` and ``hotline_http_request_duration_seconds``
  by method, route template (``/api/v1/cases/{tracking_no}``, never the raw path; a request
  no route matched is ``unmatched``) and status class (``2xx``). The route is the one Starlette
  matched, read from the scope after the app answered, so routes registered on the app itself
  (the intake route) count like the others. Label children are cached per key: a request costs
  two dictionary look-ups and two increments.
* **Access line** — in the JSON log format only (development keeps uvicorn's access log), on
  logger ``hotline.access`` with ``method``, ``route``, ``status``, ``duration_ms`` and
  ``client_ip`` (``app_api.deps.client_ip``); ``HOTLINE_ACCESS_LOG`` = ``all``,
  ``errors`` (the default: 5xx and answers slower than a second) or ``off``. A line costs
  about 20 µs (most of it in the logging module), which at intake rates is several percent of
  a request: behind nginx, whose access log carries the same request id, ``errors`` suffices.

An exception that escapes the app is counted as a 500 and logged here, with the request id,
before Starlette's outermost layer answers it (a 500: a database that cannot be reached is
answered 503 inside this middleware, by ``app_api.errors.DatabaseAway``, and escapes no
further); if the reply had already begun, it is counted with the status that was sent.
"""

from __future__ import annotations

import itertools
import logging
import re
import secrets
import time
from typing import Any

from starlette.requests import Request
from starlette.routing import Mount
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app_api.deps import client_ip
from hotline import logs
from hotline import settings as settings_mod
from hotline.metrics import HTTP_DURATION, HTTP_REQUESTS
from hotline.settings import Settings

access_log = logging.getLogger("hotline.access")
log = logging.getLogger("hotline.http")

_VALID_ID = re.compile(rb"[\x21-\x7e]{1,64}")
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
_CLASSES = {n: f"{n}xx" for n in range(1, 6)}
_SLOW_S = 1.0


def incoming_id(headers: list[tuple[bytes, bytes]]) -> str | None:
    for name, value in headers:
        if name == b"x-request-id":
            return value.decode("ascii") if _VALID_ID.fullmatch(value) else None
    return None


class _Ids:
    """New request ids: 20 random hex digits per process, then a counter (32 hex digits in
    all) — unique across processes and hosts, without a system call per request."""

    def __init__(self) -> None:
        self.prefix = secrets.token_hex(10)
        self.count = itertools.count(1)

    def __call__(self) -> str:
        return f"{self.prefix}{next(self.count) & 0xFFFFFFFFFFFF:012x}"


new_id = _Ids()


class Observe:
    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.access = settings.access_log if logs.log_format(settings) == "json" else "off"
        self._children: dict[tuple[str, str, str], tuple[Any, Any]] = {}
        self._proxies: list[str] | None = None
        self._ips: dict[tuple[str, tuple[bytes, ...]], str] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        rid = incoming_id(scope["headers"]) or new_id()
        header = (b"x-request-id", rid.encode("ascii"))
        token = logs.request_id.set(rid)
        status = 500

        started_reply = False

        async def send_with_id(message: Message) -> None:
            nonlocal status, started_reply
            if message["type"] == "http.response.start":
                status, started_reply = message["status"], True
                message["headers"] = [*message.get("headers", ()), header]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception:
            if not started_reply:  # else the client already has its status (and a cut reply)
                status = 500
            log.exception("unhandled error answering %s %s", scope["method"], _route(scope))
            raise
        finally:
            elapsed = time.perf_counter() - started
            self._record(scope, status, elapsed)
            logs.request_id.reset(token)

    def _record(self, scope: Scope, status: int, elapsed: float) -> None:
        method = scope["method"] if scope["method"] in _METHODS else "OTHER"
        route = _route(scope)
        key = (method, route, _CLASSES.get(status // 100, "other"))
        children = self._children.get(key)
        if children is None:
            children = self._children[key] = (
                HTTP_REQUESTS.labels(*key), HTTP_DURATION.labels(*key)
            )
        children[0].inc()
        children[1].observe(elapsed)
        if self.access == "all" or (
            self.access == "errors" and (status >= 500 or elapsed >= _SLOW_S)
        ):
            access_log.info(
                "%s %s %d", method, route, status,
                extra={
                    "method": method, "route": route, "status": status,
                    "duration_ms": round(elapsed * 1000, 2),
                    "client_ip": self._client_ip(scope),
                },
            )

    def _client_ip(self, scope: Scope) -> str:
        """``client_ip``'s answer, remembered per peer and forwarded-for chain (parsing
        addresses costs more than the rest of an access line)."""
        proxies = settings_mod.current().trusted_proxies
        if proxies is not self._proxies:  # the trust changed (tests): forget what was decided
            self._proxies, self._ips = proxies, {}
        peer = scope.get("client")
        forwarded = tuple(v for n, v in scope["headers"] if n == b"x-forwarded-for")
        key = (peer[0] if peer else "", forwarded)
        ip = self._ips.get(key)
        if ip is None:
            if len(self._ips) >= 4096:
                self._ips.clear()
            ip = self._ips[key] = client_ip(Request(scope))
        return ip


def _route(scope: Scope) -> str:
    """The template of the route that answered, prefix included: ``/api/v1/cases/{no}``.

    FastAPI leaves in the scope the route object as its router declared it (``/cases/{no}``,
    without the prefix it was included under); the prefix is the part of the path before the
    segments the template matched. A mount is shown as its own template (``/h5/{path}``)."""
    route = scope.get("route")
    template = getattr(route, "path_format", None)
    if not isinstance(template, str) or not template:
        return "unmatched"
    if isinstance(route, Mount) or ":path}" in getattr(route, "path", ""):
        return template
    depth = template.count("/")
    prefix = scope["path"].rsplit("/", depth)[0] if depth else ""
    return prefix + template if prefix else template
