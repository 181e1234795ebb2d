"""A real HTTP server on 127.0.0.1 speaking WeChat Pay v2's merchant transfer API (XML in/out).

    fake = FakeWeChatPay(appid="wx-mini", mch_id="1900000109", api_key="k" * 32).start()
    fake.base_url                            # point HOTLINE_WECHAT_PAY_API_BASE here
    fake.timeout_next("transfers", 2.0)      # next transfer: pay, then answer only after 2 s
    fake.timeout_next("transfers", 2.0, process=False)   # ... or hang without paying
    fake.fail_next("transfers", "NOTENOUGH") # next transfer answers that err_code
    fake.moves                               # every transfer that actually moved money
    fake.stop()

Endpoints: ``mmpaymkttransfers/promotion/transfers`` and ``mmpaymkttransfers/gettransferinfo``.
Every request's signature is checked like WeChat does: MD5 (or HMAC-SHA256 when
``sign_type`` says so) over the non-empty parameters sorted by name, ``&key=<api key>``
appended, upper-case hex. Transfers are deduplicated by ``partner_trade_no``: a repeat of a
paid transfer answers the same payment without moving money again.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import threading
from dataclasses import dataclass, field
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import xmltodict

TRANSFERS = "mmpaymkttransfers/promotion/transfers"
QUERY = "mmpaymkttransfers/gettransferinfo"
SHORT = {"transfers": TRANSFERS, "gettransferinfo": QUERY}


def sign(params: dict[str, Any], api_key: str, sign_type: str = "MD5") -> str:
    text = "&".join(f"{k}={params[k]}" for k in sorted(params) if params[k] and k != "sign")
    text += f"&key={api_key}"
    if sign_type == "HMAC-SHA256":
        return hmac.new(api_key.encode(), text.encode(), hashlib.sha256).hexdigest().upper()
    return hashlib.md5(text.encode()).hexdigest().upper()


def to_xml(data: dict[str, Any]) -> bytes:
    parts = ["<xml>"]
    for k, v in data.items():
        parts.append(f"<{k}><![CDATA[{v}]]></{k}>")
    parts.append("</xml>")
    return "".join(parts).encode()


@dataclass
class Transfer:
    trade_no: str
    openid: str
    amount: int
    desc: str
    check_name: str
    real_name: str | None
    payment_no: str
    paid_at: str
    status: str = "SUCCESS"


@dataclass
class Fault:
    hang: float = 0.0  # seconds to wait before answering (longer than the client's timeout)
    process: bool = True  # with a hang: handle the request (pay) before hanging
    err_code: str | None = None


@dataclass
class Call:
    path: str
    params: dict[str, str]
    signature_ok: bool


@dataclass
class FakeWeChatPay:
    appid: str
    mch_id: str
    api_key: str
    calls: list[Call] = field(default_factory=list)
    transfers: dict[str, Transfer] = field(default_factory=dict)
    moves: list[str] = field(default_factory=list)  # trade numbers, once per money movement

    def __post_init__(self) -> None:
        self.faults: dict[str, list[Fault]] = {}
        self._seq = itertools.count(1)
        self._lock = threading.Lock()
        self._release = threading.Event()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> FakeWeChatPay:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                status, reply = fake.handle(self.path.lstrip("/"), body)
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "text/xml; charset=utf-8")
                    self.send_header("Content-Length", str(len(reply)))
                    self.end_headers()
                    self.wfile.write(reply)
                except (BrokenPipeError, ConnectionResetError):  # the client gave up
                    pass

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._release.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    @property
    def base_url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}/"

    # ------------------------------------------------------------------ scripting
    def timeout_next(self, path: str, seconds: float, *, process: bool = True) -> None:
        self.faults.setdefault(SHORT.get(path, path), []).append(Fault(seconds, process))

    def fail_next(self, path: str, err_code: str) -> None:
        self.faults.setdefault(SHORT.get(path, path), []).append(Fault(err_code=err_code))

    def calls_to(self, path: str) -> list[Call]:
        return [c for c in self.calls if c.path == SHORT.get(path, path)]

    # ------------------------------------------------------------------ protocol
    def handle(self, path: str, body: bytes) -> tuple[int, bytes]:
        if path not in (TRANSFERS, QUERY):
            return 404, b"not found"
        try:
            params = dict(xmltodict.parse(body)["xml"])
        except Exception:
            return 200, to_xml({"return_code": "FAIL", "return_msg": "XML格式错误"})
        params = {k: "" if v is None else str(v) for k, v in params.items()}
        expected = sign(params, self.api_key, params.get("sign_type") or "MD5")
        ok = hmac.compare_digest(expected, params.get("sign", ""))
        with self._lock:
            self.calls.append(Call(path, params, ok))
            queue = self.faults.get(path) or []
            fault = queue.pop(0) if queue else None
        if not ok:
            return 200, to_xml({"return_code": "FAIL", "return_msg": "签名错误"})
        if fault is not None and fault.err_code:
            return 200, self._error(fault.err_code)
        if fault is not None and fault.hang and not fault.process:
            self._release.wait(fault.hang)
            return 200, self._error("SYSTEMERROR")
        reply = self._transfer(params) if path == TRANSFERS else self._query(params)
        if fault is not None and fault.hang:
            self._release.wait(fault.hang)  # paid, but the answer comes too late
        return 200, reply

    def _error(self, err_code: str) -> bytes:
        return to_xml(
            {
                "return_code": "SUCCESS",
                "result_code": "FAIL",
                "err_code": err_code,
                "err_code_des": f"injected {err_code}",
            }
        )

    def _transfer(self, p: dict[str, str]) -> bytes:
        if p.get("mch_appid") != self.appid or p.get("mchid") != self.mch_id:
            return self._error("PARAM_ERROR")
        if not p.get("spbill_create_ip") or not p.get("nonce_str"):
            return self._error("PARAM_ERROR")
        if p.get("check_name") == "FORCE_CHECK" and not p.get("re_user_name"):
            return self._error("NAME_MISMATCH")
        trade_no = p.get("partner_trade_no", "")
        with self._lock:
            existing = self.transfers.get(trade_no)
            if existing is None:
                existing = Transfer(
                    trade_no=trade_no,
                    openid=p.get("openid", ""),
                    amount=int(p.get("amount") or 0),
                    desc=p.get("desc", ""),
                    check_name=p.get("check_name", ""),
                    real_name=p.get("re_user_name"),
                    payment_no=f"1000018301{next(self._seq):012d}",
                    paid_at=datetime.now().strftime("%Y-%m-%d %H:%M:%S"),
                )
                self.transfers[trade_no] = existing
                self.moves.append(trade_no)
            elif existing.amount != int(p.get("amount") or 0) or existing.openid != p.get("openid"):
                return self._error("PARAM_ERROR")  # the same trade number for another payment
        return to_xml(
            {
                "return_code": "SUCCESS",
                "result_code": "SUCCESS",
                "mch_appid": self.appid,
                "mchid": self.mch_id,
                "nonce_str": p["nonce_str"],
                "partner_trade_no": trade_no,
                "payment_no": existing.payment_no,
                "payment_time": existing.paid_at,
            }
        )

    def _query(self, p: dict[str, str]) -> bytes:
        if p.get("appid") != self.appid or p.get("mch_id") != self.mch_id:
            return self._error("PARAM_ERROR")
        with self._lock:
            t = self.transfers.get(p.get("partner_trade_no", ""))
        if t is None:
            return self._error("NOT_FOUND")
        return to_xml(
            {
                "return_code": "SUCCESS",
                "result_code": "SUCCESS",
                "mch_id": self.mch_id,
                "appid": self.appid,
                "partner_trade_no": t.trade_no,
                "detail_id": t.payment_no,
                "status": t.status,
                "openid": t.openid,
                "transfer_name": t.real_name or "",
                "payment_amount": t.amount,
                "transfer_time": t.paid_at,
                "payment_time": t.paid_at,
                "desc": t.desc,
            }
        )
