"""Staff password hashing (argon2id)."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from hotline.errors import field_problem

_hasher = PasswordHasher()
# Verifying against this keeps unknown usernames as slow as wrong passwords.
_DUMMY = _hasher.hash("not-a-real-password")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


MIN_LENGTH = 10
_CLASSES = (str.islower, str.isupper, str.isdigit)


def strength_problem(password: str, username: str = "") -> str | None:
    """Why ``password`` is too weak (in Chinese), or None: at least 10 characters, three of
    lowercase, uppercase, digits and other characters, and not containing the username."""
    if len(password) < MIN_LENGTH:
        return f"密码至少需要 {MIN_LENGTH} 个字符"
    kinds = sum(any(test(c) for c in password) for test in _CLASSES)
    kinds += any(not (c.islower() or c.isupper() or c.isdigit()) for c in password)
    if kinds < 3:
        return "密码须包含小写字母、大写字母、数字、其他字符中的至少三类"
    if len(username) >= 3 and username.casefold() in password.casefold():
        return "密码不得包含用户名"
    return None


def check_strength(password: str, username: str = "", field: str = "password") -> None:
    """A 422 ``weak_password`` naming ``field`` unless ``password`` is strong enough
    (:func:`strength_problem`). Account creation, administrators' resets, one's own change and
    the ``hotline create-staff`` command all check here."""
    problem = strength_problem(password, username)
    if problem is not None:
        raise field_problem(field, problem, "weak_password")
