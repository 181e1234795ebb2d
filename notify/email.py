"""E-mail to units and supervisors with aiosmtplib: ``HOTLINE_SMTP_TLS`` = ``none``,
``starttls`` (required, not opportunistic) or ``ssl`` (implicit TLS, usually port 465); AUTH
when ``HOTLINE_SMTP_USER`` is set. The Message-ID is derived from the outbox row, so a
message sent again after an unconfirmed attempt can be recognised by the receiving side."""

from __future__ import annotations

import logging
from email.message import EmailMessage
from email.utils import formatdate

import aiosmtplib

from hotline.settings import Settings
from notify.delivery import Message, Permanent, Route, Sent, Transient
from notify.templates import subject

log = logging.getLogger("hotline.notify.email")


class Email:
    name = "email"

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        sender = settings.mail_from
        self.domain = sender.rsplit("@", 1)[-1].strip(">") if "@" in sender else "hotline"

    def build(self, msg: Message, route: Route) -> EmailMessage:
        mail = EmailMessage()
        mail["From"] = self.settings.mail_from
        mail["To"] = route.address or ""
        mail["Subject"] = subject(msg.template, msg.params)
        mail["Date"] = formatdate(localtime=False, usegmt=True)
        mail["Message-ID"] = f"<outbox-{msg.id}@{self.domain}>"
        mail.set_content(msg.text, charset="utf-8")
        return mail

    async def send(self, msg: Message, route: Route) -> Sent:
        if not route.address:
            raise Permanent("no e-mail address", code="no_address")
        s = self.settings
        mail = self.build(msg, route)
        try:
            _, response = await aiosmtplib.send(
                mail,
                hostname=s.smtp_host,
                port=s.smtp_port,
                username=s.smtp_user or None,
                password=s.smtp_password or None,
                use_tls=s.smtp_tls == "ssl",
                start_tls=s.smtp_tls == "starttls",
                cert_bundle=s.smtp_ca_bundle or None,
                timeout=s.smtp_timeout_s,
            )
        except aiosmtplib.SMTPRecipientsRefused as exc:
            codes = [r.code for r in exc.recipients]
            detail = "; ".join(f"{r.recipient}: {r.code} {r.message}" for r in exc.recipients)
            if all(500 <= c < 600 for c in codes):
                raise Permanent(detail, code=f"smtp_{codes[0]}") from None
            raise Transient(detail, code=f"smtp_{codes[0]}") from None
        except aiosmtplib.SMTPAuthenticationError as exc:
            log.error("SMTP authentication failed: %s %s", exc.code, exc.message)
            raise Transient(f"{exc.code} {exc.message}", code="smtp_auth") from None
        except aiosmtplib.SMTPResponseException as exc:
            # a refused sender or message is not going to pass tomorrow; a 4xx may
            if 500 <= exc.code < 600:
                raise Permanent(f"{exc.code} {exc.message}", code=f"smtp_{exc.code}") from None
            raise Transient(f"{exc.code} {exc.message}", code=f"smtp_{exc.code}") from None
        except (aiosmtplib.SMTPServerDisconnected, aiosmtplib.SMTPTimeoutError) as exc:
            raise Transient(repr(exc), code="smtp_lost", ambiguous=True) from None
        except (aiosmtplib.SMTPException, OSError) as exc:
            raise Transient(repr(exc), code="smtp_connect") from None
        return Sent("email", mail["Message-ID"], response[:64] or "250")

    async def close(self) -> None:
        return None
