"""Aliyun SMS through the official SDK (``aliyun-python-sdk-core`` + ``-dysmsapi``).

The SDK is synchronous (a vendored ``requests``): every call runs in this channel's own thread
pool (``HOTLINE_SMS_POOL_SIZE`` threads, one ``AcsClient`` and keep-alive connection pool per
thread) with explicit connect/read timeouts, and the event loop gives up on it a little after.
The SDK's own retries are off — the outbox retries, so a retry is visible and bounded.

Requests go to ``HOTLINE_SMS_ENDPOINT`` (``host``, ``host:port`` or ``scheme://host:port``)
over HTTPS (the SDK's default is plain HTTP), or plain HTTP when the endpoint says
``http://``. ``OutId`` is ``HOTLINE_SMS_OUT_ID_PREFIX`` +
the outbox row id, so an attempt that may have gone through (a timeout, a 5xx, a worker that
died mid-send) is looked up with ``QuerySendDetails`` before sending again.

Business results come back on HTTP 200 with ``Code != "OK"``: throttling is retried later,
invalid number / template / sign / parameters kill the row, account problems are retried.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from typing import Any, TypeVar
from urllib.parse import urlsplit

from aliyunsdkcore.acs_exception.exceptions import ClientException, ServerException
from aliyunsdkcore.client import AcsClient
from aliyunsdkcore.http import protocol_type
from aliyunsdkdysmsapi.request.v20170525.QuerySendDetailsRequest import QuerySendDetailsRequest
from aliyunsdkdysmsapi.request.v20170525.SendSmsRequest import SendSmsRequest

from hotline.settings import Settings
from hotline.timefmt import SHANGHAI
from notify.delivery import Message, Permanent, Route, Sent, Transient
from notify.templates import TEMPLATES, placeholders

log = logging.getLogger("hotline.notify.sms")
T = TypeVar("T")

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
        self.settings = settings
        self.host, self.port, scheme = parse_endpoint(
            settings.sms_endpoint, settings.sms_protocol
        )
        self.protocol = protocol_type.HTTPS if scheme == "https" else protocol_type.HTTP
        self.pool = ThreadPoolExecutor(settings.sms_pool_size, thread_name_prefix="aliyun-sms")
        self.slots = asyncio.Semaphore(settings.sms_pool_size)
        self._local = threading.local()
        self.call_timeout = settings.sms_connect_timeout_s + settings.sms_timeout_s + 0.5
        self.throttle = settings.sms_throttle_delay_s
        # after a timeout, give a request stalled on the way time to land before looking it up
        self.settle = 2 * settings.sms_timeout_s
        missing = sorted(
            name for name, t in TEMPLATES.items()
            if not t.email_only and not name.startswith(("unit_", "supervisor_"))
            and name not in settings.sms_template_codes
        )
        if missing:
            log.warning("no Aliyun template code (HOTLINE_SMS_TEMPLATE_CODES) for: %s; "
                        "such messages cannot go by SMS", ", ".join(missing))

    def out_id(self, row_id: int) -> str:
        return f"{self.settings.sms_out_id_prefix}{row_id}"

    # -- the synchronous side, run in the pool --------------------------------------------
    def _client(self) -> AcsClient:
        client = getattr(self._local, "client", None)
        if client is None:
            s = self.settings
            client = AcsClient(
                s.sms_access_key_id,
                s.sms_access_key_secret,
                s.sms_region_id,
                auto_retry=False,
                max_retry_time=0,
                port=self.port,
                connect_timeout=s.sms_connect_timeout_s,
                timeout=s.sms_timeout_s,
                verify=s.sms_ca_bundle or None,
                pool_size=2,
            )
            self._local.client = client
        return client

    def _do(self, request: Any) -> dict[str, Any]:
        request.set_endpoint(self.host)
        request.set_protocol_type(self.protocol)
        request.set_accept_format("JSON")
        body = self._client().do_action_with_exception(request)
        return json.loads(body)

    def _send_sync(self, phone: str, code: str, params: str, out_id: str) -> dict[str, Any]:
        request = SendSmsRequest()
        request.set_PhoneNumbers(phone)
        request.set_SignName(self.settings.sms_sign_name)
        request.set_TemplateCode(code)
        request.set_TemplateParam(params)
        request.set_OutId(out_id)
        return self._do(request)

    def _query_sync(self, phone: str, date: str, biz_id: str | None, page: int) -> dict[str, Any]:
        request = QuerySendDetailsRequest()
        request.set_PhoneNumber(phone)
        request.set_SendDate(date)
        request.set_PageSize(QUERY_PAGE_SIZE)
        request.set_CurrentPage(page)
        if biz_id:
            request.set_BizId(biz_id)
        return self._do(request)

    # -- the async side -------------------------------------------------------------------
    async def _call(self, fn: Callable[..., T], *args: Any) -> T:
        loop = asyncio.get_running_loop()
        try:
            async with self.slots, asyncio.timeout(self.call_timeout):
                # a free thread for each call, so its timeout is its own (the SDK's connect and
                # read timeouts bound the thread; this bounds the wait, should they not)
                return await loop.run_in_executor(self.pool, fn, *args)
        except ServerException as exc:
            raise classify(
                exc.get_error_code(), exc.get_error_msg(), exc.get_http_status(), self.throttle
            ) from None
        except ClientException as exc:
            detail = f"{exc.get_error_code()}: {exc.get_error_msg()}"
            refused = "NewConnectionError" in detail or "Connection refused" in detail
            code = exc.get_error_code()
            raise Transient(
                detail[:500], code=code, ambiguous=not refused,
                retry_after=None if refused else self.settle,
            ) from None
        except TimeoutError:
            raise Transient(
                "SMS call timed out", code="timeout", ambiguous=True, retry_after=self.settle
            ) from None

    async def send(self, msg: Message, route: Route) -> Sent:
        code = self.settings.sms_template_codes.get(msg.template)
        if not code:
            raise Permanent(f"no Aliyun template code for {msg.template!r}", code="no_template")
        if not route.address:
            raise Permanent("no phone number", code="no_address")
        reply = await self._call(
            self._send_sync, route.address, code, template_param(msg), self.out_id(msg.id)
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
            reply = await self._call(self._query_sync, phone, date, biz_id, page)
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
        self.pool.shutdown(wait=False, cancel_futures=True)
