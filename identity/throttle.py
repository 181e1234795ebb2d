"""The staff sign-in lockout, shared by sign-in and the own-password change: a password cannot
be guessed through either faster than through the other."""

from __future__ import annotations

from hotline import ratelimit
from hotline import settings as settings_mod
from hotline.crypto import lookup_hash
from hotline.errors import RateLimited
from identity.passwords import verify_password

LOCKED_DETAIL = "登录失败次数过多，账号或网络已被暂时锁定，请稍后再试"


def lockouts() -> tuple[ratelimit.Lockout, ratelimit.Lockout]:
    s = settings_mod.current()
    user = ratelimit.Lockout(
        s.staff_login_user_failures, s.staff_login_lock_s, s.staff_login_lock_max_s,
        s.staff_login_memory_s,
    )
    ip = ratelimit.Lockout(
        s.staff_login_ip_failures, s.staff_login_lock_s, s.staff_login_lock_max_s,
        s.staff_login_memory_s,
    )
    return user, ip


def user_lock_key(username: str) -> str:
    """The lockout key of a username (whether or not such an account exists)."""
    return f"staff-login-user:{lookup_hash(username.casefold(), 'staff-login')}"


async def check_password_throttled(username: str, password_hash: str, password: str) -> bool:
    """Whether ``password`` is right for an account already signed in, counted against the
    username's sign-in lockout (429 while it is locked; a wrong one is a failure)."""
    user_policy, _ = lockouts()
    key = user_lock_key(username)
    locked = await ratelimit.locked_for(key)
    if locked:
        raise RateLimited(locked, LOCKED_DETAIL)
    if verify_password(password_hash, password):
        return True
    await ratelimit.fail(key, user_policy)
    return False
