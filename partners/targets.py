"""Where a partner's webhooks may go: http(s) only, and no private, loopback, link-local or
otherwise internal address unless ``HOTLINE_WEBHOOK_ALLOW_PRIVATE=true``.

Checked when a partner is created or changed, on the URL as written (an IP literal, or a name
such as ``localhost``). A name that resolves to an internal address is the delivery's to catch
(it resolves at send time)."""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from hotline import settings as settings_mod
from hotline.errors import field_problem

INTERNAL_NAMES = ("localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback")


def internal_host(host: str) -> bool:
    """Whether ``host`` (a name or an address literal) names this machine or a private net."""
    host = host.strip("[]").rstrip(".").lower()
    if host in INTERNAL_NAMES or host.endswith((".localhost", ".local", ".internal")):
        return True
    try:
        addr = ipaddress.ip_address(host)
    except ValueError:
        return False
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped is not None:
        addr = addr.ipv4_mapped
    return not addr.is_global or addr.is_multicast


def check_webhook_url(url: str | None, field: str = "webhook_url") -> str | None:
    """The URL as stored (None clears it); a 422 naming ``field`` when it may not be used."""
    if url is None:
        return None
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        parts.port  # noqa: B018 - a port that is not a number raises here
    except ValueError:
        raise field_problem(field, "回调地址不是合法的 URL", "invalid_webhook_url") from None
    if parts.scheme not in ("http", "https") or not host:
        raise field_problem(field, "回调地址须为 http 或 https 地址", "invalid_webhook_url")
    if parts.username or parts.password:
        raise field_problem(field, "回调地址不得包含用户名或密码", "invalid_webhook_url")
    if internal_host(host) and not settings_mod.current().webhook_allow_private:
        raise field_problem(field, "回调地址不得指向内网、本机或保留地址",
                            "webhook_target_private")
    return url
