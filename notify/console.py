"""The console sink: what every channel falls back to when its provider is not configured.

It prints one line per message to stdout — the README tells newcomers to read their SMS login
code there (``[console sms] to 138****8000: 您的验证码为…``).
"""

from __future__ import annotations

import logging

from hotline.crypto import mask_phone
from notify.delivery import Message, Route, Sent

log = logging.getLogger("hotline.notify")


class Console:
    def __init__(self, name: str = "console") -> None:
        self.name = name  # the channel it stands in for: sms, email, ...

    async def send(self, msg: Message, route: Route) -> Sent:
        if route.address and route.channel == "sms":
            shown = mask_phone(route.address)
        else:
            shown = route.address or route.label or msg.recipient_kind
        print(f"[console {route.channel}] to {shown}: {msg.text}", flush=True)
        log.info("console sink delivered outbox row %s (%s)", msg.id, msg.template)
        return Sent(route.channel, f"console-{msg.id}", "console")

    async def close(self) -> None:
        return None
