"""A real SMTP server on 127.0.0.1 (aiosmtpd, in its own thread): STARTTLS required before
AUTH (``starttls``), implicit TLS (``ssl``) or plain (``none``); AUTH PLAIN/LOGIN against one
user; every accepted message kept, parsed, in ``messages``."""

from __future__ import annotations

import socket
import ssl
import threading
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any, Literal

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class FakeSmtp:
    def __init__(
        self,
        mode: Literal["none", "starttls", "ssl"] = "starttls",
        *,
        certfile: str | None = None,
        keyfile: str | None = None,
        user: str = "hotline",
        password: str = "mail-secret",
    ) -> None:
        self.mode = mode
        self.user, self.password = user, password
        self.messages: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self.logins: list[str] = []
        self.refuse_rcpt: dict[str, str] = {}  # address -> SMTP reply, e.g. "550 no such user"
        self.lock = threading.Lock()
        self.port = free_port()
        context = None
        if mode != "none":
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(certfile or "", keyfile)
        kwargs: dict[str, Any] = {
            "authenticator": self.authenticate,
            "auth_required": mode != "none",
            # aiosmtpd counts only STARTTLS as TLS; with implicit TLS the whole session is
            "auth_require_tls": mode == "starttls",
        }
        if mode == "starttls":
            kwargs.update(tls_context=context, require_starttls=True)
        elif mode == "ssl":
            kwargs["ssl_context"] = context
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port, **kwargs)

    def authenticate(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        ok = (
            isinstance(data, LoginPassword)
            and data.login.decode() == self.user
            and data.password.decode() == self.password
        )
        if ok:
            with self.lock:
                self.logins.append(f"{mechanism}:{self.user}")
        return AuthResult(success=ok)

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list
    ) -> str:
        if address in self.refuse_rcpt:
            return self.refuse_rcpt[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        content = envelope.original_content or envelope.content or b""
        if isinstance(content, str):
            content = content.encode()
        parsed = message_from_bytes(content, policy=policy.default)
        with self.lock:
            self.messages.append(parsed)  # type: ignore[arg-type]
            self.envelopes.append((envelope.mail_from or "", list(envelope.rcpt_tos)))
        return "250 Message accepted for delivery"

    def start(self) -> FakeSmtp:
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()

    def settings(self, ca: str) -> dict[str, Any]:
        """The HOTLINE_SMTP_* settings that reach this server."""
        return {
            "smtp_host": "127.0.0.1",
            "smtp_port": self.port,
            "smtp_tls": self.mode,
            "smtp_user": self.user if self.mode != "none" else "",
            "smtp_password": self.password if self.mode != "none" else "",
            "smtp_ca_bundle": ca,
            "smtp_timeout_s": 5.0,
            "mail_from": "12345@hotline.example",
        }
