"""Server-side sessions of the staff console (``console/``).

A session is a random id in a cookie; the database keeps only its digest, in the token store
(``refresh_token``: subject ``staff:<id>``, ``expires_at`` the idle deadline). So a logout
ends it at once, and so does everything that ends a staff member's sessions
(``tokens.revoke_all``: deactivation, a password reset, logging out everywhere), on every
process. The session's start is kept in its row id (``web:<start ms>:<digest>``) for the
absolute limit. Idle time slides at most once a minute (one write), and only for requests a
person made, never for a page's own polling.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from hotline import settings as settings_mod
from hotline import sqlread
from hotline.crypto import token_digest
from identity.principal import Principal
from models.ops import RefreshToken

PREFIX = "web:"
SLIDE_EVERY_S = 60


@dataclass(frozen=True)
class WebSession:
    """A live console session: who, and the facts the pages show in the top bar."""

    principal: Principal
    display_name: str
    unit_name: str
    csrf_token: str


def _row_id(session_id: str, started_ms: int) -> str:
    return f"{PREFIX}{started_ms}:{token_digest(session_id)[:40]}"


def csrf_token(session_id: str) -> str:
    """The session's form token: derived, so nothing more is stored."""
    key = settings_mod.current().secret_key.encode()
    return hmac.new(key, f"console-csrf:{session_id}".encode(), hashlib.sha256).hexdigest()


async def start(staff_id: int) -> str:
    """A new session for an account already authenticated; returns the cookie value."""
    s = settings_mod.current()
    started_ms = int(time.time() * 1000)
    secret = secrets.token_urlsafe(32)
    cookie = f"{started_ms}.{secret}"
    await RefreshToken.create(
        jti=_row_id(cookie, started_ms), subject=f"staff:{staff_id}",
        expires_at=datetime.now(UTC) + timedelta(seconds=s.console_idle_s),
    )
    return cookie


def _started_ms(cookie: str) -> int | None:
    head, _, rest = cookie.partition(".")
    if not (head.isascii() and head.isdigit()) or len(head) > 15 or not rest:
        return None
    return int(head)


async def end(cookie: str) -> None:
    """Logout: the session is spent at once (an unknown cookie changes nothing)."""
    started = _started_ms(cookie)
    if started is not None:
        await RefreshToken.filter(jti=_row_id(cookie, started)).update(used=True)


async def resolve(cookie: str | None, *, activity: bool) -> WebSession | None:
    """The live session a cookie names, or None (unknown, logged out, idle or too old, the
    account deactivated or its sessions ended). ``activity``: a person's request, which
    moves the idle deadline."""
    if not cookie or len(cookie) > 100:
        return None
    started = _started_ms(cookie)
    if started is None:
        return None
    s = settings_mod.current()
    now = time.time()
    if now - started / 1000 > s.console_max_s:
        return None
    row_id = _row_id(cookie, started)
    rows = await sqlread.fetch(_SESSION, [row_id, False])
    if not rows:
        return None
    expires = sqlread.when(rows[0]["expires_at"])
    subject = str(rows[0]["subject"])
    if expires is None or expires.timestamp() <= now or not subject.startswith("staff:"):
        return None
    staff = await sqlread.fetch(_STAFF, [int(subject[6:]), True])
    if not staff:
        return None
    row = staff[0]
    revoked = sqlread.when(row["sessions_revoked_at"])
    if revoked is not None and revoked.timestamp() * 1000 > started:
        return None
    if activity and expires.timestamp() - now < s.console_idle_s - SLIDE_EVERY_S:
        await RefreshToken.filter(jti=row_id, used=False).update(
            expires_at=datetime.fromtimestamp(now + s.console_idle_s, UTC)
        )
    who = Principal(
        kind="staff", id=row["id"], roles=frozenset(sqlread.json_value(row["roles"])),
        unit_id=row["unit_id"], unit_path=row["unit_path"], name=row["username"],
        issued_at=started / 1000, must_change_password=bool(row["must_change_password"]),
    )
    return WebSession(who, row["display_name"] or row["username"], row["unit_name"],
                      csrf_token(cookie))


_SESSION = "SELECT subject, expires_at FROM refresh_token WHERE jti = ? AND used = ?"
_STAFF = (
    "SELECT s.id, s.roles, s.username, s.display_name, s.must_change_password, "
    "s.sessions_revoked_at, u.id AS unit_id, u.path AS unit_path, u.name AS unit_name "
    "FROM staff s JOIN unit u ON u.id = s.unit_id WHERE s.id = ? AND s.active = ?"
)
