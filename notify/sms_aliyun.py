"""Aliyun SMS: requests defined by the official SDK (``aliyun-python-sdk-dysmsapi``), sent from
the event loop.

Each call is the SDK's own ``SendSmsRequest`` / ``QuerySendDetailsRequest``, signed with the
documented RPC signature (byte for byte what the SDK's composer computes) and sent by
:mod:`notify.aliyun_rpc`'s HTTP/1.1 client on the event loop (keep-alive, at most
``HOTLINE_SMS_POOL_SIZE`` connections and calls at once, explicit connect/read timeouts) — not by
the SDK's vendored ``requests`` in threads, which cost milliseconds of CPU per call and fought the
event loop for the GIL. No automatic retries: the outbox retries, so a retry is visible and
bounded.

Requests go to ``HOTLINE_SMS_ENDPOINT`` (``host``, ``host:port`` or ``scheme://host:port``)
over HTTPS, verified against ``HOTLINE_SMS_CA_BUNDLE`` (default: certifi's bundle, as the SDK),
or plain HTTP when the endpoint says ``http://``. ``OutId`` is ``HOTLINE_SMS_OUT_ID_PREFIX`` +
the outbox row id, so an attempt that may have gone through (a timeout, a 5xx, a broken
connection, a worker that died mid-send) is looked up with ``QuerySendDetails`` before sending
again. A connection refused means nothing was sent.

Business results come back on HTTP 200 with ``Code != "OK"``: throttling is retried later,
invalid number / template / sign / parameters kill the row, account problems are retried.
"""

from __future__ import annotations

import asyncio
import json
import logging
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from aliyunsdkdysmsapi.request.v20170525.QuerySendDetailsRequest import QuerySendDetailsRequest
from aliyunsdkdysmsapi.request.v20170525.SendSmsRequest import SendSmsRequest

from hotline.settings import Settings
from hotline.timefmt import SHANGHAI
from notify.aliyun_rpc import Broken, RpcTransport, Unreachable
from notify.delivery import Message, Permanent, Route, Sent, Transient
from notify.templates import TEMPLATES, placeholders

log = logging.getLogger("hotline.notify.sms")

PARAM_MAX_CHARS = 35  # Aliyun's default limit for one template variable
QUERY_PAGE_SIZE = 50
QUERY_MAX_PAGES = 10

THROTTLED = {
    "isv.BUSINESS_LIMIT_CONTROL", "isv.DAY_LIMIT_CONTROL", "Throttling", "Throttling.User",
    "Throttling.Api", "Throttling.Resource",
}
# errors of the account or its configuration: an operator can fix them, so keep retrying
ACCOUNT = {
    "isv.AMOUNT_NOT_ENOUGH", "isv.OUT_OF_SERVICE", "isv.ACCOUNT_ABNORMAL",
    "isv.ACCOUNT_NOT_EXISTS", "isp.RAM_PERMISSION_DENY", "InvalidAccessKeyId.NotFound",
    "InvalidAccessKeyId", "SignatureDoesNotMatch", "InvalidTimeStamp.Expired",
    "SignatureNonceUsed", "Forbidden.RAM", "isv.SMS_SIGN_NOT_APPROVED",
}
SUCCESS = 3  # QuerySendDetails SendStatus: 1 waiting for the receipt, 2 failed, 3 delivered
FAILED = 2


def classify(
    code: str, detail: str, http_status: int | None, throttle_delay: float = 60.0
) -> Transient | Permanent:
    """The outbox's view of an Aliyun error code."""
    text = f"{code}: {detail}" if detail else code
    if code in THROTTLED:
        return Transient(text, code=code, retry_after=throttle_delay)
    if code in ACCOUNT:
        log.error("Aliyun SMS account/configuration error: %s", text)
        return Transient(text, code=code)
    if code.startswith("isv."):
        return Permanent(text, code=code)
    if http_status is not None and http_status >= 500 or code.startswith("isp."):
        return Transient(text, code=code, ambiguous=True)
    if http_status is not None and 400 <= http_status < 500:
        return Transient(text, code=code)
    return Transient(text, code=code, ambiguous=True)


def error_info(body: bytes) -> tuple[str, str]:
    """(Code, Message) of an error reply, as the SDK reads them (``ServerException``)."""
    code, detail = "SDK.UnknownServerError", f"ServerResponseBody: {body[:500]!r}"
    try:
        reply = json.loads(body)
    except ValueError:
        return code, detail
    if isinstance(reply, dict):
        code = str(reply.get("Code", code))
        detail = str(reply.get("Message", detail))
    return code, detail


def parse_endpoint(endpoint: str, protocol: str) -> tuple[str, int, str]:
    """``host``, ``host:port`` or ``scheme://host:port`` -> (host, port, scheme).

    A scheme in the endpoint decides (``http://`` means plain HTTP, as API.md says); without
    one, ``HOTLINE_SMS_PROTOCOL`` (default https) does.
    """
    parts = urlsplit(endpoint if "://" in endpoint else f"//{endpoint}")
    scheme = (parts.scheme or protocol).lower()
    if scheme not in ("http", "https"):
        raise ValueError(f"HOTLINE_SMS_ENDPOINT: unsupported scheme {parts.scheme!r}")
    default = 443 if scheme == "https" else 80
    return parts.hostname or endpoint, parts.port or default, scheme


def send_date(at: datetime) -> str:
    return at.astimezone(SHANGHAI).strftime("%Y%m%d")


def template_param(msg: Message) -> str:
    values = {}
    for name in sorted(placeholders(msg.template)):
        value = str(msg.params.get(name, ""))
        if len(value) > PARAM_MAX_CHARS and not value.startswith(("http://", "https://")):
            value = value[: PARAM_MAX_CHARS - 1] + "…"
        values[name] = value
    return json.dumps(values, ensure_ascii=False, separators=(",", ":"))


class AliyunSms:
    name = "sms"

    def __init__(self, settings: Settings) -> None:
        self.settings = s = settings
        self.host, self.port, scheme = parse_endpoint(s.sms_endpoint, s.sms_protocol)
        self.rpc = RpcTransport(
            scheme, self.host, self.port,
            region_id=s.sms_region_id,
            access_key_id=s.sms_access_key_id,
            access_key_secret=s.sms_access_key_secret,
            ca_bundle=s.sms_ca_bundle,
            connect_timeout_s=s.sms_connect_timeout_s,
            read_timeout_s=s.sms_timeout_s,
            max_connections=s.sms_pool_size,
        )
        self.call_timeout = s.sms_connect_timeout_s + s.sms_timeout_s + 0.5
        self.throttle = s.sms_throttle_delay_s
        # after a timeout, give a request stalled on the way time to land before looking it up
        self.settle = 2 * s.sms_timeout_s
        missing = sorted(
            name for name, t in TEMPLATES.items()
            if not t.email_only and not name.startswith(("unit_", "supervisor_"))
            and name not in s.sms_template_codes
        )
        if missing:
            log.warning("no Aliyun template code (HOTLINE_SMS_TEMPLATE_CODES) for: %s; "
                        "such messages cannot go by SMS", ", ".join(missing))

    def out_id(self, row_id: int) -> str:
        return f"{self.settings.sms_out_id_prefix}{row_id}"

    # -- the requests, as the SDK defines them ---------------------------------------------
    def send_request(self, phone: str, code: str, params: str, out_id: str) -> SendSmsRequest:
        request = SendSmsRequest()
        request.set_PhoneNumbers(phone)
        request.set_SignName(self.settings.sms_sign_name)
        request.set_TemplateCode(code)
        request.set_TemplateParam(params)
        request.set_OutId(out_id)
        return request

    def query_request(
        self, phone: str, date: str, biz_id: str | None, page: int
    ) -> QuerySendDetailsRequest:
        request = QuerySendDetailsRequest()
        request.set_PhoneNumber(phone)
        request.set_SendDate(date)
        request.set_PageSize(QUERY_PAGE_SIZE)
        request.set_CurrentPage(page)
        if biz_id:
            request.set_BizId(biz_id)
        return request

    # -- one call ---------------------------------------------------------------------------
    async def _call(self, request: Any) -> dict[str, Any]:
        """The JSON reply of one call on HTTP 2xx; else the outbox's view of the failure."""
        try:
            async with asyncio.timeout(self.call_timeout):
                # the connect and read timeouts bound the call; this bounds the wait for a free
                # connection and the call, should they not
                status, body = await self.rpc.call(request)
        except Unreachable as exc:  # refused, unresolvable, TLS refused: never sent
            raise Transient(f"SMS endpoint unreachable: {exc}"[:500], code="connect") from None
        except TimeoutError as exc:  # a connect timeout too: a SYN on its way may yet arrive
            raise Transient(
                f"SMS call timed out: {exc}"[:500], code="timeout", ambiguous=True,
                retry_after=self.settle,
            ) from None
        except (Broken, OSError) as exc:  # the connection broke: it may have gone through
            raise Transient(
                f"SMS call failed: {exc}"[:500], code="http_error", ambiguous=True,
                retry_after=self.settle,
            ) from None
        if not 200 <= status < 300:
            code, detail = error_info(body)
            raise classify(code, detail, status, self.throttle)
        try:
            reply = json.loads(body)
        except ValueError:
            raise Transient(
                f"SMS reply is not JSON: {body[:200]!r}", code="bad_reply", ambiguous=True,
                retry_after=self.settle,
            ) from None
        if not isinstance(reply, dict):
            raise Transient("SMS reply is not an object", code="bad_reply", ambiguous=True)
        return reply

    async def send(self, msg: Message, route: Route) -> Sent:
        code = self.settings.sms_template_codes.get(msg.template)
        if not code:
            raise Permanent(f"no Aliyun template code for {msg.template!r}", code="no_template")
        if not route.address:
            raise Permanent("no phone number", code="no_address")
        reply = await self._call(
            self.send_request(route.address, code, template_param(msg), self.out_id(msg.id))
        )
        result = str(reply.get("Code", ""))
        if result == "OK":
            return Sent("sms", str(reply.get("BizId") or ""), "OK")
        raise classify(result, str(reply.get("Message", "")), 200, self.throttle)

    async def query(
        self, phone: str, date: str, biz_id: str | None = None
    ) -> list[dict[str, Any]]:
        """Every record of ``QuerySendDetails`` for a phone and a day (``yyyyMMdd``)."""
        records: list[dict[str, Any]] = []
        for page in range(1, QUERY_MAX_PAGES + 1):
            reply = await self._call(self.query_request(phone, date, biz_id, page))
            if reply.get("Code") != "OK":
                raise classify(
                    str(reply.get("Code")), str(reply.get("Message", "")), 200, self.throttle
                )
            dtos = (reply.get("SmsSendDetailDTOs") or {}).get("SmsSendDetailDTO") or []
            records.extend(dtos)
            if len(records) >= int(reply.get("TotalCount") or 0) or len(dtos) < QUERY_PAGE_SIZE:
                break
        return records

    async def find(
        self, phone: str, row_id: int, dates: list[str], biz_id: str | None = None
    ) -> dict[str, Any] | None:
        out_id = self.out_id(row_id)
        for date in dates:
            for record in await self.query(phone, date, biz_id):
                if record.get("OutId") == out_id:
                    return record
        return None

    async def reconcile(self, msg: Message, route: Route) -> Sent | None:
        """Did an earlier attempt reach Aliyun? Looks for our OutId on today (and yesterday
        early in the morning)."""
        if not route.address:
            return None
        now = datetime.now(SHANGHAI)
        dates = [send_date(now)]
        if now.hour < 2:
            dates.append(send_date(now - timedelta(days=1)))
        record = await self.find(route.address, msg.id, dates)
        if record is None:
            return None
        log.info("outbox row %s had reached Aliyun already (OutId found): not resent", msg.id)
        return Sent("sms", f"out:{self.out_id(msg.id)}", "OK")

    async def close(self) -> None:
        await self.rpc.close()
