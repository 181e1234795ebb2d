"""What the worker hands a channel, what a channel hands back, and how a send can fail."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass
class Message:
    """One claimed outbox row, decrypted and rendered."""

    id: int
    template: str
    params: dict[str, Any]
    text: str  # the rendered Chinese text (console, e-mail, fallback WeChat data)
    recipient_kind: str  # citizen, phone, unit, supervisors, staff
    recipient_id: str | None
    address: str | None  # phone or e-mail as enqueued (None: resolved by routing)
    case_id: int | None
    urgent: bool
    attempts: int  # including the one being made
    channel: str  # the channel last attempted (or asked for, before any attempt)
    unconfirmed: bool = False  # an earlier attempt on ``channel`` may have reached the provider
    # the recipient citizen's preferences (PATCH /me), read by the worker's claim; True for
    # anyone who is not a citizen account
    notify_sms: bool = True
    notify_wechat: bool = True


@dataclass(frozen=True)
class Route:
    """One way to reach the recipient: a channel and its address there."""

    channel: str  # sms, wechat_mini, wechat_oa, email
    address: str | None  # phone, openid, e-mail; None: no address, so the console sink
    label: str = ""  # who it is, for logs and the console ("unit 12", "supervisors of 3")
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Sent:
    channel: str
    provider_id: str | None
    provider_status: str | None = None


class DeliveryError(Exception):
    def __init__(self, detail: str, *, code: str | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.code = code


class Transient(DeliveryError):
    """Try again later. ``ambiguous``: the provider may have accepted it (timeout, 5xx)."""

    def __init__(
        self,
        detail: str,
        *,
        code: str | None = None,
        ambiguous: bool = False,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(detail, code=code)
        self.ambiguous = ambiguous
        self.retry_after = retry_after


class Permanent(DeliveryError):
    """Will never succeed (invalid number, template, sign): the row is dead at once."""


class Suppressed(DeliveryError):
    """The citizen turned off every channel that could reach them: recorded, never sent."""


class Fallback(DeliveryError):
    """This channel cannot reach the recipient (no consent, user refused): try the next one."""


class Channel(Protocol):
    name: str

    async def send(self, msg: Message, route: Route) -> Sent: ...

    async def close(self) -> None: ...


class Reconciling(Protocol):
    async def reconcile(self, msg: Message, route: Route) -> Sent | None:
        """Whether an earlier, unconfirmed attempt of ``msg`` reached the provider."""
        ...
