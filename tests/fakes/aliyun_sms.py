"""A local stand-in for Aliyun's SMS API (``dysmsapi``, RPC style, version 2017-05-25).

A real HTTP(S) server on 127.0.0.1 (uvicorn, in a thread with its own event loop, or as a
process: ``python -m tests.fakes.aliyun_sms --port P [--cert F --key F]``). It checks what the
real one checks — the RPC signature (HMAC-SHA1 over ``METHOD&%2F&encode(canonical query)``, key
= secret + "&"), the access key, the timestamp window and nonce reuse — and answers SendSms and
QuerySendDetails with the real shapes: business errors on HTTP 200 with ``Code != "OK"``.

Switches (attributes, or ``POST /_fake/config`` with JSON): ``fail_rate`` / ``fail_next``
(HTTP 500, message not accepted), ``throttle_next`` / ``throttle_phones``
(``isv.BUSINESS_LIMIT_CONTROL``), ``business_errors`` (phone -> isv code), ``hang_next`` /
``hang_s`` (hold the answer past the client's timeout; with ``hang_after_accept`` the message is
accepted first, as a real timeout may be), ``latency_s``, ``receipts`` (phone -> SendStatus,
ErrCode). Accepted messages are kept by OutId: ``messages`` (first acceptance) and ``sends``
(how many times each OutId was accepted — more than once is a duplicate SMS to a citizen).
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import functools
import hashlib
import hmac
import json
import random
import re
import threading
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl, quote
from zoneinfo import ZoneInfo

import uvicorn

from tests.fakes.serving import Background

CHINA = ZoneInfo("Asia/Shanghai")
PHONE = re.compile(r"^(\+?86)?1\d{10}$")
STAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")
Reply = tuple[int, dict[str, Any]]


@functools.lru_cache(maxsize=4096)  # parameter names and most values repeat
def percent(value: str) -> str:
    return quote(value, safe="~")


def string_to_sign(method: str, params: dict[str, str]) -> str:
    canonical = "&".join(f"{percent(k)}={percent(v)}" for k, v in sorted(params.items()))
    return f"{method}&{percent('/')}&{percent(canonical)}"


def sign(secret: str, text: str) -> str:
    digest = hmac.new(f"{secret}&".encode(), text.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


class FakeAliyunSms:
    def __init__(
        self,
        access_keys: dict[str, str] | None = None,
        *,
        sign_names: set[str] | None = None,
        template_codes: set[str] | None = None,
        seed: int = 12345,
    ) -> None:
        self.access_keys = access_keys or {"test-ak": "test-secret"}
        self.sign_names = sign_names  # None: any non-empty sign
        self.template_codes = template_codes  # None: any SMS_ code
        self.lock = threading.Lock()
        self.seed = seed
        self.url = ""
        self._serving = Background("the fake Aliyun SMS server")
        self.reset()

    def reset(self) -> None:
        """Every switch off and nothing recorded (between tests)."""
        self.random = random.Random(self.seed)
        self.fail_rate = 0.0
        self.fail_next = 0
        self.throttle_next = 0
        self.throttle_phones: set[str] = set()
        self.business_errors: dict[str, str] = {}
        self.hang_next = 0
        self.hang_s = 0.0
        self.hang_after_accept = True
        self.latency_s = 0.0
        self.receipts: dict[str, tuple[int, str]] = {}
        self.messages: dict[str, dict[str, Any]] = {}
        self.sends: Counter[str] = Counter()
        self.requests: Counter[str] = Counter()
        self.nonces: set[str] = set()

    # -- results --------------------------------------------------------------------------
    @property
    def duplicates(self) -> dict[str, int]:
        return {out_id: n for out_id, n in self.sends.items() if n > 1}

    def stats(self) -> dict[str, Any]:
        with self.lock:
            return {
                "messages": len(self.messages),
                "sends": sum(self.sends.values()),
                "duplicates": len(self.duplicates),
                "requests": dict(self.requests),
            }

    def configure(self, **switches: Any) -> None:
        with self.lock:
            for name, value in switches.items():
                if name.startswith("_") or not hasattr(self, name):
                    raise AttributeError(name)
                current = getattr(self, name)
                setattr(self, name, set(value) if isinstance(current, set) else value)

    # -- the API --------------------------------------------------------------------------
    def _error(self, status: int, code: str, message: str) -> Reply:
        return status, {"RequestId": str(uuid.uuid4()).upper(), "Code": code, "Message": message}

    def authenticate(self, method: str, params: dict[str, str]) -> Reply | None:
        secret = self.access_keys.get(params.get("AccessKeyId", ""))
        if secret is None:
            return self._error(
                404, "InvalidAccessKeyId.NotFound", "Specified access key is not found."
            )
        given = params.pop("Signature", "")
        text = string_to_sign(method, params)
        if not hmac.compare_digest(given, sign(secret, text)):
            return self._error(
                400,
                "SignatureDoesNotMatch",
                "Specified signature is not matched with our calculation. "
                f"server string to sign is:{text}",
            )
        given_stamp = params.get("Timestamp", "")
        try:
            if not STAMP.fullmatch(given_stamp):  # yyyy-MM-ddTHH:mm:ssZ, as strptime would
                raise ValueError(given_stamp)
            stamp = datetime.fromisoformat(given_stamp[:-1])
        except ValueError:
            return self._error(400, "MissingTimestamp", "Timestamp is mandatory for this action.")
        if abs(stamp.replace(tzinfo=UTC) - datetime.now(UTC)) > timedelta(minutes=15):
            return self._error(
                400, "InvalidTimeStamp.Expired", "Specified time stamp or date value is expired."
            )
        nonce = params.get("SignatureNonce", "")
        with self.lock:
            if not nonce or nonce in self.nonces:
                return self._error(
                    400, "SignatureNonceUsed", "Specified signature nonce was used already."
                )
            self.nonces.add(nonce)
        if params.get("Version") != "2017-05-25":
            return self._error(400, "InvalidVersion", "Specified parameter Version is not valid.")
        return None

    async def send_sms(self, p: dict[str, str]) -> Reply:
        for name in ("PhoneNumbers", "SignName", "TemplateCode"):
            if not p.get(name):
                return self._error(400, f"Missing{name}", f"{name} is mandatory for this action.")
        phones = p["PhoneNumbers"].split(",")
        hang = 0.0
        with self.lock:
            if self.fail_next > 0 or (self.fail_rate and self.random.random() < self.fail_rate):
                self.fail_next = max(0, self.fail_next - 1)
                return self._error(
                    500, "InternalError", "The request processing has failed (unknown error)."
                )
            if self.throttle_next > 0 or self.throttle_phones.intersection(phones):
                self.throttle_next = max(0, self.throttle_next - 1)
                return self._error(200, "isv.BUSINESS_LIMIT_CONTROL", "触发分钟级流控Permits:1")
            if self.hang_next > 0:
                self.hang_next -= 1
                hang = self.hang_s
            errors = self.business_errors
            failed = next((errors[x] for x in phones if x in errors), None)
        if failed:
            return self._error(200, failed, "业务错误")
        if not all(PHONE.match(x) for x in phones):
            return self._error(200, "isv.MOBILE_NUMBER_ILLEGAL", "非法手机号")
        if self.sign_names is not None and p["SignName"] not in self.sign_names:
            return self._error(200, "isv.SMS_SIGNATURE_ILLEGAL", "该账号下找不到对应签名")
        codes_ok = self.template_codes is None or p["TemplateCode"] in self.template_codes
        if not codes_ok or not p["TemplateCode"].startswith("SMS_"):
            return self._error(200, "isv.SMS_TEMPLATE_ILLEGAL", "该账号下找不到对应模板")
        try:
            params = json.loads(p.get("TemplateParam") or "{}")
        except ValueError:
            return self._error(200, "isv.INVALID_JSON_PARAM", "JSON参数不合法，只接受字符串值")
        if hang and not self.hang_after_accept:
            await asyncio.sleep(hang)
        biz_id = f"{self.random.randrange(10**17, 10**18)}^0"
        out_id = p.get("OutId", "")
        with self.lock:
            self.sends[out_id] += 1
            self.messages.setdefault(out_id, {
                "phones": phones, "sign": p["SignName"], "template": p["TemplateCode"],
                "params": params, "out_id": out_id, "biz_id": biz_id,
                "at": datetime.now(CHINA),
            })
        if hang and self.hang_after_accept:
            await asyncio.sleep(hang)
        request_id = str(uuid.uuid4()).upper()
        return 200, {"Message": "OK", "RequestId": request_id, "Code": "OK", "BizId": biz_id}

    def query_send_details(self, p: dict[str, str]) -> Reply:
        for name in ("PhoneNumber", "SendDate", "PageSize", "CurrentPage"):
            if not p.get(name):
                return self._error(400, f"Missing{name}", f"{name} is mandatory for this action.")
        size, page = int(p["PageSize"]), int(p["CurrentPage"])
        if not 1 <= size <= 50:
            return self._error(200, "isv.INVALID_PARAMETERS", "参数异常")
        with self.lock:
            found = [
                m for m in self.messages.values()
                if p["PhoneNumber"] in m["phones"]
                and m["at"].strftime("%Y%m%d") == p["SendDate"]
                and (not p.get("BizId") or m["biz_id"] == p["BizId"])
            ]
            status, err = self.receipts.get(p["PhoneNumber"], (3, "DELIVERED"))
        chunk = found[(page - 1) * size: page * size]
        dtos = [
            {
                "ErrCode": err, "TemplateCode": m["template"], "OutId": m["out_id"],
                "ReceiveDate": (m["at"] + timedelta(seconds=5)).strftime("%Y-%m-%d %H:%M:%S")
                if status == 3 else "",
                "SendDate": m["at"].strftime("%Y-%m-%d %H:%M:%S"),
                "PhoneNum": p["PhoneNumber"],
                "Content": f"【{m['sign']}】{json.dumps(m['params'], ensure_ascii=False)}",
                "SendStatus": status,
            }
            for m in chunk
        ]
        return 200, {
            "TotalCount": len(found), "Message": "OK", "RequestId": str(uuid.uuid4()).upper(),
            "SmsSendDetailDTOs": {"SmsSendDetailDTO": dtos}, "Code": "OK",
        }

    async def handle(self, method: str, params: dict[str, str]) -> Reply:
        if self.latency_s:
            await asyncio.sleep(self.latency_s)
        action = params.get("Action", "")
        with self.lock:
            self.requests[action] += 1
        denied = self.authenticate(method, params)
        if denied:
            return denied
        if action == "SendSms":
            return await self.send_sms(params)
        if action == "QuerySendDetails":
            return self.query_send_details(params)
        return self._error(404, "InvalidAction.NotFound", "Specified api is not found.")

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        body = b""
        while True:
            event = await receive()
            body += event.get("body", b"")
            if not event.get("more_body"):
                break
        path, method = scope["path"], scope["method"]
        if path.startswith("/_fake/"):
            status, reply = self.admin(path, method, body)
        else:
            params = dict(parse_qsl(scope["query_string"].decode(), keep_blank_values=True))
            params.update(parse_qsl(body.decode(), keep_blank_values=True))
            status, reply = await self.handle(method, params)
        payload = json.dumps(reply, ensure_ascii=False).encode()
        headers = [(b"content-type", b"application/json;charset=utf-8"),
                   (b"content-length", str(len(payload)).encode())]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": payload})

    def admin(self, path: str, method: str, body: bytes) -> Reply:
        if path == "/_fake/ping":  # the plainest request, for the benchmark's baseline
            return 200, {"Code": "OK", "Message": "OK"}
        if path == "/_fake/sends":  # acceptances by OutId (the fault script checks "once")
            with self.lock:
                return 200, {"sends": dict(self.sends)}
        if path == "/_fake/config" and method == "POST":
            self.configure(**json.loads(body or b"{}"))
        return 200, self.stats()

    # -- serving --------------------------------------------------------------------------
    def start(self, *, certfile: str | None = None, keyfile: str | None = None,
              port: int = 0) -> str:
        """Serve in a background thread; returns the base URL."""
        bound = self._serving.start(lambda p: uvicorn.Config(
            self, host="127.0.0.1", port=p, ssl_certfile=certfile, ssl_keyfile=keyfile,
            log_level="critical", access_log=False, lifespan="off", loop="asyncio",
            http="httptools", timeout_graceful_shutdown=0,
        ), port)
        scheme = "https" if certfile else "http"
        self.url = f"{scheme}://127.0.0.1:{bound}"
        return self.url

    def stop(self) -> None:
        self._serving.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--cert")
    parser.add_argument("--key")
    parser.add_argument("--access-key", default="test-ak:test-secret")
    args = parser.parse_args()
    ak, secret = args.access_key.split(":", 1)
    fake = FakeAliyunSms({ak: secret})
    config = uvicorn.Config(
        fake, host="127.0.0.1", port=args.port, ssl_certfile=args.cert, ssl_keyfile=args.key,
        log_level="warning", access_log=False, lifespan="off", http="httptools",
        timeout_graceful_shutdown=1,
    )
    uvicorn.Server(config).run()


if __name__ == "__main__":
    main()
