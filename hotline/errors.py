"""Domain errors that every layer may raise; the HTTP edge maps them to problem+json."""

from __future__ import annotations

from typing import Any


class Problem(Exception):
    """An error with a stable machine code, an HTTP status and a human-readable detail."""

    status = 400
    code = "bad_request"
    title = "Bad request"

    def __init__(
        self,
        detail: str = "",
        *,
        code: str | None = None,
        status: int | None = None,
        headers: dict[str, str] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(detail or self.title)
        self.detail = detail or self.title
        if code:
            self.code = code
        if status:
            self.status = status
        self.headers = headers or {}
        self.extra = extra or {}


class ValidationProblem(Problem):
    status, code, title = 422, "validation_error", "Invalid input"


class NotFound(Problem):
    status, code, title = 404, "not_found", "Not found"


class Forbidden(Problem):
    status, code, title = 403, "forbidden", "Forbidden"


class Unauthorized(Problem):
    status, code, title = 401, "unauthorized", "Authentication required"


class Conflict(Problem):
    status, code, title = 409, "conflict", "Conflict"


class InvalidTransition(Problem):
    status, code, title = 409, "invalid_transition", "Action not allowed in this state"


class RateLimited(Problem):
    status, code, title = 429, "rate_limited", "Too many requests"

    def __init__(self, retry_after: int, detail: str = "请求过于频繁，请稍后再试") -> None:
        super().__init__(detail, headers={"Retry-After": str(max(1, int(retry_after)))})
        self.retry_after = retry_after


class Unavailable(Problem):
    status, code, title = 503, "unavailable", "Service unavailable"


def field_problem(field: str, detail: str, code: str, status: int = 422) -> Problem:
    """A problem about one body field, shaped as pydantic's own errors:
    ``errors: [{loc: ["body", field], msg, type}]`` (a 409 for a duplicate code, a 422 else)."""
    cls = Conflict if status == 409 else ValidationProblem
    return cls(detail, code=code, extra={"errors": [{"loc": ["body", field], "msg": detail,
                                                     "type": code}]})
