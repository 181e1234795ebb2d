"""A real HTTP server on 127.0.0.1 that speaks the parts of WeChat's API the platform uses.

    fake = FakeWeChat(apps={"wx-mini": "mini-secret"}).start()
    fake.base_url                      # point HOTLINE_WECHAT_API_BASE here
    fake.add_login("code-1", "o-mini-1", unionid="u-1")
    fake.fail("wxa/msg_sec_check", errcode=-1)      # next call answers errcode -1
    fake.fail("cgi-bin/media/get", status=500)      # ... or HTTP 500
    fake.fail("wxa/msg_sec_check", hang=5)          # ... or hangs (released by stop())
    fake.stop()

Endpoints: sns/jscode2session, cgi-bin/stable_token, cgi-bin/token,
wxa/business/getuserphonenumber, wxa/msg_sec_check (v2), cgi-bin/media/get,
cgi-bin/ticket/getticket (type=jsapi: the JS-SDK ticket, the same one until it expires, like
WeChat's; ``jsapi_ticket(appid)`` tells a test which it is), cgi-bin/message/custom/send,
cgi-bin/message/template/send, cgi-bin/message/subscribe/send,
sns/oauth2/access_token. Token rules follow WeChat's: an unknown or superseded token answers
40001, an expired one 42001; ``stable_token`` returns the same token until it expires or
``force_refresh`` is set. Every request is recorded in ``calls``.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

TOKEN_PATHS = {
    "wxa/business/getuserphonenumber",
    "wxa/msg_sec_check",
    "cgi-bin/media/get",
    "cgi-bin/ticket/getticket",
    "cgi-bin/message/custom/send",
    "cgi-bin/message/template/send",
    "cgi-bin/message/subscribe/send",
}
SEND_PATHS = {p for p in TOKEN_PATHS if p.startswith("cgi-bin/message/")}


@dataclass
class Call:
    method: str
    path: str
    query: dict[str, str]
    body: Any
    thread: str


@dataclass
class Fault:
    errcode: int | None = None
    errmsg: str = "injected"
    status: int | None = None
    hang: float | None = None


@dataclass
class FakeWeChat:
    apps: dict[str, str] = field(default_factory=dict)  # appid -> secret
    token_ttl: int = 7200
    ticket_ttl: int = 7200
    risky_words: set[str] = field(default_factory=lambda: {"违禁词"})
    review_words: set[str] = field(default_factory=lambda: {"待审词"})

    def __post_init__(self) -> None:
        self.calls: list[Call] = []
        self.logins: dict[str, dict[str, str]] = {}
        self.used_codes: set[str] = set()
        self.phones: dict[str, dict[str, str]] = {}
        self.oauth: dict[str, dict[str, str]] = {}
        self.media: dict[str, tuple[bytes, str]] = {}
        self.faults: dict[str, list[Fault]] = {}
        self.tokens: dict[str, dict[str, Any]] = {}  # token -> {appid, expires_at, valid}
        self.tickets: dict[str, tuple[str, float]] = {}  # appid -> (jsapi ticket, expires_at)
        self._seq = itertools.count(1)
        self._lock = threading.Lock()
        self._release = threading.Event()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> FakeWeChat:
        fake = self

        class Handler(_Handler):
            owner = fake

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
        self._server = None

    @property
    def base_url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}/"

    def reset(self) -> None:
        with self._lock:
            self.calls.clear()
            self.logins.clear()
            self.used_codes.clear()
            self.phones.clear()
            self.oauth.clear()
            self.media.clear()
            self.faults.clear()
            self.tokens.clear()
            self.tickets.clear()
        self._release.set()
        self._release = threading.Event()

    # ------------------------------------------------------------------ scripting

    def add_login(self, code: str, openid: str, *, unionid: str | None = None,
                  session_key: str = "c2Vzc2lvbi1rZXktMTIzNA==") -> None:
        entry = {"openid": openid, "session_key": session_key}
        if unionid:
            entry["unionid"] = unionid
        self.logins[code] = entry

    def add_phone(self, code: str, phone: str, country: str = "86") -> None:
        self.phones[code] = {"phone": phone, "country": country}

    def add_oauth(self, code: str, openid: str, *, unionid: str | None = None) -> None:
        entry = {"openid": openid}
        if unionid:
            entry["unionid"] = unionid
        self.oauth[code] = entry

    def add_media(self, media_id: str, data: bytes, content_type: str = "image/jpeg") -> None:
        self.media[media_id] = (data, content_type)

    def fail(self, path: str, *, errcode: int | None = None, errmsg: str = "injected",
             status: int | None = None, hang: float | None = None, times: int = 1) -> None:
        with self._lock:
            self.faults.setdefault(path, []).extend(
                Fault(errcode, errmsg, status, hang) for _ in range(times)
            )

    def expire_tokens(self) -> None:
        with self._lock:
            for t in self.tokens.values():
                t["expires_at"] = time.time() - 1

    def revoke_tokens(self) -> None:
        with self._lock:
            for t in self.tokens.values():
                t["valid"] = False

    def jsapi_ticket(self, appid: str) -> str | None:
        held = self.tickets.get(appid)
        return held[0] if held and held[1] > time.time() else None

    def expire_tickets(self) -> None:
        with self._lock:
            self.tickets = {a: (t, time.time() - 1) for a, (t, _) in self.tickets.items()}

    def calls_to(self, path: str) -> list[Call]:
        return [c for c in self.calls if c.path == path]

    def sent(self) -> list[Call]:
        return [c for c in self.calls if c.path in SEND_PATHS]

    # ------------------------------------------------------------------ behaviour

    def _take_fault(self, path: str) -> Fault | None:
        with self._lock:
            queue = self.faults.get(path)
            return queue.pop(0) if queue else None

    def _issue_token(self, appid: str, force: bool) -> dict[str, Any]:
        with self._lock:
            now = time.time()
            live = [
                (tok, t) for tok, t in self.tokens.items()
                if t["appid"] == appid and t["valid"] and t["expires_at"] > now
            ]
            if live and not force:
                tok, t = live[-1]
                return {"access_token": tok, "expires_in": int(t["expires_at"] - now)}
            for _, t in live:
                t["valid"] = False
            tok = f"ACCESS-{appid}-{next(self._seq)}"
            self.tokens[tok] = {"appid": appid, "expires_at": now + self.token_ttl, "valid": True}
            return {"access_token": tok, "expires_in": self.token_ttl}

    def _issue_ticket(self, appid: str) -> dict[str, Any]:
        with self._lock:
            now = time.time()
            held = self.tickets.get(appid)
            if held is None or held[1] <= now:
                held = (f"TICKET-{appid}-{next(self._seq)}", now + self.ticket_ttl)
                self.tickets[appid] = held
            return {"ticket": held[0], "expires_in": int(held[1] - now)}

    def _check_token(self, token: str | None) -> tuple[dict[str, Any] | None, str | None]:
        if not token:
            return {"errcode": 41001, "errmsg": "access_token missing"}, None
        with self._lock:
            t = self.tokens.get(token)
            if t is None or not t["valid"]:
                return {"errcode": 40001, "errmsg": "invalid credential"}, None
            if t["expires_at"] <= time.time():
                return {"errcode": 42001, "errmsg": "access_token expired"}, None
            return None, t["appid"]

    def respond(self, method: str, path: str, q: dict[str, str], body: Any) -> tuple[int, Any]:
        """(HTTP status, JSON object or (bytes, content type)) for one request."""
        if path in TOKEN_PATHS:
            err, appid = self._check_token(q.get("access_token"))
            if err:
                return 200, err
        if path in ("cgi-bin/stable_token", "cgi-bin/token"):
            src = body if path == "cgi-bin/stable_token" else q
            src = src if isinstance(src, dict) else {}
            appid, secret = str(src.get("appid", "")), str(src.get("secret", ""))
            if self.apps.get(appid) != secret or src.get("grant_type") != "client_credential":
                return 200, {"errcode": 40013, "errmsg": "invalid appid or secret"}
            return 200, self._issue_token(appid, bool(src.get("force_refresh")))
        if path in ("sns/jscode2session", "sns/oauth2/access_token"):
            if self.apps.get(q.get("appid", "")) != q.get("secret"):
                return 200, {"errcode": 40013, "errmsg": "invalid appid"}
            code = q.get("js_code" if path == "sns/jscode2session" else "code", "")
            table = self.logins if path == "sns/jscode2session" else self.oauth
            if code in self.used_codes:
                return 200, {"errcode": 40163, "errmsg": "code been used"}
            if code not in table:
                return 200, {"errcode": 40029, "errmsg": "invalid code"}
            self.used_codes.add(code)
            extra = {"access_token": "OAUTH-TOKEN", "expires_in": 7200, "refresh_token": "R",
                     "scope": "snsapi_base"} if path == "sns/oauth2/access_token" else {}
            return 200, {**table[code], **extra}
        if path == "wxa/business/getuserphonenumber":
            entry = self.phones.get(str((body or {}).get("code", "")))
            if entry is None:
                return 200, {"errcode": 40029, "errmsg": "invalid code"}
            return 200, {"errcode": 0, "errmsg": "ok", "phone_info": {
                "phoneNumber": entry["phone"], "purePhoneNumber": entry["phone"],
                "countryCode": entry["country"],
                "watermark": {"timestamp": int(time.time()), "appid": appid}}}
        if path == "wxa/msg_sec_check":
            b = body if isinstance(body, dict) else {}
            if b.get("version") != 2 or not b.get("openid") or b.get("scene") not in (1, 2, 3, 4):
                return 200, {"errcode": 47001, "errmsg": "data format error"}
            content = str(b.get("content", ""))
            suggest, label = "pass", 100
            if any(w in content for w in self.risky_words):
                suggest, label = "risky", 20001
            elif any(w in content for w in self.review_words):
                suggest, label = "review", 21000
            return 200, {"errcode": 0, "errmsg": "ok", "trace_id": f"t{next(self._seq)}",
                         "result": {"suggest": suggest, "label": label}, "detail": []}
        if path == "cgi-bin/media/get":
            item = self.media.get(q.get("media_id", ""))
            if item is None:
                return 200, {"errcode": 40007, "errmsg": "invalid media_id"}
            return 200, item
        if path == "cgi-bin/ticket/getticket":
            if q.get("type") != "jsapi":
                return 200, {"errcode": 40097, "errmsg": "invalid args"}
            return 200, {"errcode": 0, "errmsg": "ok", **self._issue_ticket(str(appid))}
        if path in SEND_PATHS:
            return 200, {"errcode": 0, "errmsg": "ok", "msgid": next(self._seq)}
        return 404, {"errcode": 404, "errmsg": "unknown path"}


class _Handler(BaseHTTPRequestHandler):
    owner: FakeWeChat
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        return None

    def _handle(self, method: str) -> None:
        parts = urlsplit(self.path)
        path = parts.path.lstrip("/")
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body: Any = json.loads(raw) if raw else None
        except ValueError:
            body = raw
        fake = self.owner
        fake.calls.append(Call(method, path, query, body, threading.current_thread().name))
        fault = fake._take_fault(path)
        if fault is not None and fault.hang:
            fake._release.wait(fault.hang)
            self.close_connection = True
            return
        if fault is not None and fault.status:
            self._send(fault.status, b"server error", "text/plain")
            return
        if fault is not None and fault.errcode is not None:
            self._json(200, {"errcode": fault.errcode, "errmsg": fault.errmsg})
            return
        status, reply = fake.respond(method, path, query, body)
        if isinstance(reply, tuple):
            self._send(status, reply[0], reply[1])
        else:
            self._json(status, reply)

    def _json(self, status: int, obj: Any) -> None:
        self._send(status, json.dumps(obj, ensure_ascii=False).encode(), "application/json")

    def _send(self, status: int, data: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:  # noqa: N802
        self._handle("GET")

    def do_POST(self) -> None:  # noqa: N802
        self._handle("POST")
