"""A route class for the hottest endpoint: the JSON body parsed and checked in one pass.

FastAPI answers a body route by reading the body, decoding it with ``json.loads``, then solving
the endpoint's dependency tree, which validates the decoded object against the model. Under
intake load that machinery cost about as much as authenticating and answering together. A
:class:`LeanRoute` endpoint has the fixed shape ``async (body: Model, request) -> Response``:
the route hands the raw bytes to pydantic-core (``model_validate_json``, decoding and validating
at once) and calls the endpoint directly. What clients see is unchanged: the same OpenAPI
(the signature is still FastAPI's to document) and the same strict content type. A body the
one-pass parse refuses takes FastAPI's own path (``json.loads``, then validation), so a UTF-8
BOM or UTF-16 body is still read and every problem keeps FastAPI's status, code and location.
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, cast

from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from pydantic import BaseModel, ValidationError
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from app_api.schemas.inputs import CURSOR_MAX

Endpoint = Callable[[Any, Request], Awaitable[Response]]


def is_json(content_type: str | None) -> bool:
    """``application/json`` or ``application/*+json``, parameters ignored (as FastAPI decides)."""
    if not content_type:
        return False
    mime = content_type.partition(";")[0].strip().lower()
    return mime == "application/json" or (
        mime.startswith("application/") and mime.endswith("+json")
    )


def _invalid(exc: ValidationError) -> RequestValidationError:
    errors = exc.errors(include_url=False, include_context=False)
    for err in errors:
        err["loc"] = ("body", *err["loc"])
    return RequestValidationError(errors)


class LeanRoute(APIRoute):
    """An :class:`APIRoute` whose endpoint takes ``(body, request)``; see the module docstring."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        field = self.body_field
        model = field.field_info.annotation if field is not None else None
        if not (isinstance(model, type) and issubclass(model, BaseModel)):
            raise TypeError(f"{self.path}: a LeanRoute endpoint takes one pydantic model body")
        body_model: type[BaseModel] = model
        endpoint = cast(Endpoint, self.endpoint)

        async def handler(request: Request) -> Response:
            try:
                raw = await request.body()
            except HTTPException:  # the body limit's 413
                raise
            except Exception as exc:  # a client gone mid-body: FastAPI's answer, not a 500
                raise HTTPException(400, "There was an error parsing the body") from exc
            if not raw:
                missing = {"type": "missing", "loc": ("body",), "msg": "Field required"}
                raise RequestValidationError([missing | {"input": None}])
            json_body = is_json(request.headers.get("content-type"))
            try:
                body = body_model.model_validate_json(raw) if json_body else None
            except ValidationError:
                body = None
            if body is None:  # refused, or not JSON: FastAPI's own path, for its exact answer
                body = _as_fastapi_would(body_model, raw, json_body)
            return await endpoint(body, request)

        return handler


def _as_fastapi_would(model: type[BaseModel], raw: bytes, json_body: bool) -> BaseModel:
    """Decode and validate ``raw`` as FastAPI does, raising what it raises.

    Only bodies the one-pass parse refused come here: ``json.loads`` also reads a UTF-8 BOM and
    UTF-16/32, and each failure keeps FastAPI's status, code, location and wording.
    """
    value: Any = raw
    if json_body:
        try:
            value = json.loads(raw)
        except json.JSONDecodeError as exc:
            error = {"type": "json_invalid", "loc": ("body", exc.pos), "msg": "JSON decode error"}
            raise RequestValidationError(
                [error | {"input": {}, "ctx": {"error": exc.msg}}]
            ) from None
        except Exception as exc:  # not text at all
            raise HTTPException(400, "There was an error parsing the body") from exc
    try:
        return model.model_validate(value, from_attributes=True)
    except ValidationError as exc:
        raise _invalid(exc) from None


# -- read routes with a fast path -----------------------------------------------------------
FastPath = Callable[[Request], Awaitable[Response | None]]
PLAIN = re.compile(r"[0-9A-Za-z-]{1,32}")
"""A path or query value no check can refuse or change (a tracking number, a query code)."""


class FastPathRoute(APIRoute):
    """A GET route answering ordinary requests without FastAPI's per-request machinery.

    The endpoint keeps its normal signature (FastAPI documents its parameters, security and
    ``response_model`` from it) and carries a ``fast_path(request)`` attribute (see
    :func:`fast_path`). That function reads the parameters itself when they are plain (no
    check could refuse them), authenticates with the same dependency functions called
    directly, calls the same service and returns the service's reply as JSON, unvalidated:
    the reply model describes it exactly (the tests compare them). For anything else it
    returns None and the request takes FastAPI's own path, so every refusal keeps FastAPI's
    status, code and wording.
    """

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        standard = super().get_route_handler()
        fast: FastPath = self.endpoint.fast_path  # type: ignore[attr-defined]

        async def handler(request: Request) -> Response:
            response = await fast(request)
            return response if response is not None else await standard(request)

        return handler


def fast_path(fast: FastPath) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Attach ``fast`` to an endpoint mounted with :class:`FastPathRoute`."""

    def attach(endpoint: Callable[..., Any]) -> Callable[..., Any]:
        endpoint.fast_path = fast  # type: ignore[attr-defined]
        return endpoint

    return attach


def plain_query(request: Request, allowed: frozenset[str]) -> dict[str, str] | None:
    """The query parameters when each is named in ``allowed``, given once and plain (else
    None: FastAPI's path decides)."""
    items = request.query_params.multi_items()
    if not items:
        return {}
    params = dict(items)
    if len(params) != len(items) or not params.keys() <= allowed:
        return None
    return params


def plain_limit(params: dict[str, str], default: int, most: int) -> int | None:
    """``?limit=`` when it is plain digits within 1..``most`` (absent: ``default``), else None."""
    raw = params.get("limit")
    if raw is None:
        return default
    value = int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 4 else 0
    return value if 1 <= value <= most else None


def plain_cursor(params: dict[str, str]) -> tuple[bool, str | None]:
    """``?cursor=`` and whether it is within the declared length (the service checks it)."""
    cursor = params.get("cursor")
    return cursor is None or len(cursor) <= CURSOR_MAX, cursor
