"""Mapping every failure to RFC 9457 problem+json; bad input is never a 500."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from tortoise.exceptions import ValidationError as FieldValidationError

from app_api.responses import ProblemJSON, problem
from hotline.errors import Problem

log = logging.getLogger("hotline.api")


def _validation_detail(exc: RequestValidationError) -> tuple[str, str, list[dict[str, object]]]:
    errors: list[dict[str, object]] = []
    code = "validation_error"
    for err in exc.errors():
        if err.get("type") == "json_invalid":
            code = "malformed_json"
        errors.append(
            {
                "loc": [str(p) for p in err.get("loc", ())],
                "msg": str(err.get("msg", "")),
                "type": str(err.get("type", "")),
            }
        )
    detail = "请求体不是合法的 JSON" if code == "malformed_json" else "请求参数不合法"
    return code, detail, errors


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
        # A value the database column cannot hold (too long, out of range) reached a query: the
        # input was bad, whichever check should have stopped it earlier.
        log.warning("field validation on %s %s: %s", request.method, request.url.path, exc)
        return problem(422, "invalid_value", "Invalid input", "请求中的某个值超出允许范围")

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> ProblemJSON:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return problem(500, "internal_error", "Internal error", "服务器内部错误，请稍后再试")
