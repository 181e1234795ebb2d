"""Mapping every failure to RFC 9457 problem+json; bad input is never a 500."""

from __future__ import annotations

import logging

from asyncpg.exceptions import DataError as PgDataError
from asyncpg.exceptions import InterfaceError as PgInterfaceError
from asyncpg.exceptions import InternalClientError as PgInternalClientError
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from tortoise.exceptions import IntegrityError, OperationalError
from tortoise.exceptions import ValidationError as FieldValidationError

from app_api import deps
from app_api.responses import ProblemJSON, problem
from app_api.schemas.inputs import PROBLEM_CODES
from hotline.errors import Problem

log = logging.getLogger("hotline.api")


def _validation_detail(exc: RequestValidationError) -> tuple[str, str, list[dict[str, object]]]:
    errors: list[dict[str, object]] = []
    code = "validation_error"
    named = ""  # the first input-policy error (app_api.schemas.inputs), shown with its field
    unknown = ""  # else the first field the body may not have
    for err in exc.errors():
        if err.get("type") == "json_invalid":
            code = "malformed_json"
        elif err.get("type") in PROBLEM_CODES and not named:
            field = ".".join(str(p) for p in err.get("loc", ())[1:]) or "body"
            code, named = str(err["type"]), f"{field}：{err.get('msg', '')}"
        elif err.get("type") == "extra_forbidden" and not unknown:  # a field nobody reads
            unknown = "不支持的字段：" + ".".join(str(p) for p in err.get("loc", ())[1:])
        errors.append(
            {
                "loc": [str(p) for p in err.get("loc", ())],
                "msg": str(err.get("msg", "")),
                "type": str(err.get("type", "")),
            }
        )
    detail = named or unknown or "请求参数不合法"
    if code == "malformed_json":
        detail = "请求体不是合法的 JSON"
    return code, detail, errors


def _data_exception(exc: BaseException) -> bool:
    """The database refused a value itself (SQLSTATE class 22 on PostgreSQL: a NUL byte in
    text, a number past its column), anywhere in the exception's chain."""
    seen: BaseException | None = exc
    while seen is not None:
        if str(getattr(seen, "sqlstate", "") or "").startswith("22"):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def _invalid_value(request: Request, exc: BaseException) -> ProblemJSON:
    # The input was bad, whichever check should have stopped it earlier: log it to be found.
    log.warning("refused value on %s %s: %r", request.method, request.url.path, exc)
    detail = "请求中的某个值超出允许范围或含有非法字符"
    return problem(422, "invalid_value", "Invalid input", detail)


def _database_away(exc: BaseException) -> bool:
    """The database cannot be reached or is restarting (not a fault of this request):
    a refused or lost connection (:func:`_every_address_failed` too), SQLSTATE class 08 or
    57P (admin shutdown, starting up), or a pooled connection the server ended under asyncpg
    (:func:`_connection_ended`)."""
    seen: BaseException | None = exc
    while seen is not None:
        state = str(getattr(seen, "sqlstate", "") or "")
        if state.startswith(("08", "57P")):
            return True
        if isinstance(seen, (ConnectionError, PgInterfaceError, TimeoutError)):
            return True
        if _connection_ended(seen) or _every_address_failed(seen):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def _every_address_failed(exc: BaseException) -> bool:
    """asyncio's connect to a host name with several addresses (IPv4 and IPv6, say), each
    failing differently: a plain ``OSError("Multiple exceptions: [Errno 111] Connect call
    failed …")`` without an errno, not a ``ConnectionError``. Other ``OSError``s (a file not
    found, permission denied) are not the database's and stay 500s."""
    return (
        type(exc) is OSError and exc.errno is None
        and str(exc).startswith("Multiple exceptions:")
    )


def _connection_ended(exc: BaseException) -> bool:
    """asyncpg refusing to start a statement on a connection whose protocol is not idle:
    ``InternalClientError: cannot switch to state 12; another operation (2) is in progress``.

    A statement only starts on a connection nobody else is using (asyncpg checks that first,
    with an ``InterfaceError``), so a connection found busy was left so by the server: when
    PostgreSQL stops (or ends a session) it sends each idle connection a FATAL error
    (57P01) and then closes it. The error, arriving while asyncpg expected nothing, puts the
    protocol in its error state; until the close that follows is read (a moment later, longer
    on a busy host) the pool still hands the connection out as open, and the next statement on
    it fails like this, before anything is sent (asyncpg issue 1069). The connection is dead
    (the pool terminates it on release): the database is away for this request, and a retry
    finds a fresh connection. asyncpg's other internal errors (codecs and the like) are bugs,
    and stay 500s."""
    return isinstance(exc, PgInternalClientError) and str(exc).startswith(
        "cannot switch to state"
    )


def _unavailable(request: Request, exc: BaseException) -> ProblemJSON:
    log.warning("database unavailable on %s %s: %r", request.method, request.url.path, exc)
    detail = "服务暂时不可用，请稍后重试"
    return problem(
        503, "service_unavailable", "Service unavailable", detail, {"Retry-After": "2"}
    )


class DatabaseAway:
    """Answers a request that failed because the database is away (:func:`_database_away`)
    with the 503 problem, inside :class:`app_api.observe.Observe`.

    Registered as a handler for ``Exception`` alone, such a failure would be answered by
    Starlette's outermost layer, which re-raises after answering: every 503 while PostgreSQL
    restarts was then also an "Exception in ASGI application" traceback, and was counted and
    logged as a 500 by ``Observe``, which saw the exception and not the answer. Here the
    exception ends with its answer (unless the reply had already begun: then it goes on up).
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def watch(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, watch)
        except Exception as exc:
            if started or not _database_away(exc):
                raise
            await _unavailable(Request(scope), exc)(scope, receive, send)


def _internal(request: Request) -> ProblemJSON:
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return problem(500, "internal_error", "Internal error", "服务器内部错误，请稍后再试")


def install(app: FastAPI) -> None:
    @app.exception_handler(Problem)
    async def _problem(_: Request, exc: Problem) -> ProblemJSON:
        return problem(exc.status, exc.code, exc.title, exc.detail, exc.headers, exc.extra)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError) -> ProblemJSON:
        code, detail, errors = _validation_detail(exc)
        status = 400 if code == "malformed_json" else 422
        return problem(status, code, "Invalid input", detail, extra={"errors": errors})

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> ProblemJSON:
        codes = {404: "not_found", 405: "method_not_allowed", 413: "payload_too_large"}
        code = codes.get(exc.status_code, "http_error")
        return problem(
            exc.status_code, code, str(exc.detail), str(exc.detail), getattr(exc, "headers", None)
        )

    @app.exception_handler(FieldValidationError)
    async def _field(request: Request, exc: FieldValidationError) -> ProblemJSON:
        # a value its model field cannot hold (too long, out of range) reached a query
        return _invalid_value(request, exc)

    @app.exception_handler(OverflowError)
    async def _overflow(request: Request, exc: OverflowError) -> ProblemJSON:
        # a number past what the driver can bind (SQLite 2^63, asyncpg int32/int64)
        return _invalid_value(request, exc)

    @app.exception_handler(PgDataError)
    async def _pg_data(request: Request, exc: PgDataError) -> ProblemJSON:
        return _invalid_value(request, exc)

    @app.exception_handler(OperationalError)
    async def _database(request: Request, exc: OperationalError) -> ProblemJSON:
        if _data_exception(exc):  # Tortoise wraps asyncpg's DataError in OperationalError
            return _invalid_value(request, exc)
        if _database_away(exc):
            return _unavailable(request, exc)
        return _internal(request)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> ProblemJSON:
        # a database away is answered before this, by DatabaseAway (app_api.app adds it
        # inside Observe); kept for an app built without it
        if _database_away(exc):  # e.g. PostgreSQL restarting: the client retries (Idempotency-Key)
            return _unavailable(request, exc)
        return _internal(request)

    @app.exception_handler(IntegrityError)
    async def _integrity(request: Request, exc: IntegrityError) -> ProblemJSON:
        # a write naming a citizen whose (still valid) token outlived them: app_api.deps
        if await deps.caller_vanished(request):
            detail = "登录已失效，请重新登录"
            return problem(401, "invalid_token", "Authentication required", detail)
        return _internal(request)
