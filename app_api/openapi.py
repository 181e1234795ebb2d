"""The app's OpenAPI document: every error as problem+json, with the statuses that occur.

FastAPI documents an error response's model under ``application/json`` and adds its own 422
``HTTPValidationError``, which this API never sends. :func:`install` replaces ``app.openapi``
with a version that, for every operation:

* moves each error response (4xx/5xx declared with :func:`app_api.schemas.problem.problems`, or
  FastAPI's 422) to ``application/problem+json`` with the ``ProblemOut`` schema, and nothing
  else;
* adds the statuses the edge itself can answer: 401 and 403 (a staff account that must change
  its password first) where the operation is authenticated, 400,
  413 and 422 for a JSON body (malformed JSON, body limit, invalid input), 422 for any other
  input, 413 for any write (the body limit reads ``Content-Length`` before routing);
* drops the now unused ``HTTPValidationError`` and ``ValidationError`` schemas.

An error response declared with a schema of its own (``/readyz``'s 503) is left as it is.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from app_api.schemas.problem import PROBLEM_MEDIA_TYPE, STATUS_TEXT, ProblemOut

PROBLEM_REF = {"$ref": "#/components/schemas/ProblemOut"}
_FASTAPI_422 = "#/components/schemas/HTTPValidationError"
_WRITES = {"post", "put", "patch", "delete"}
_METHODS = _WRITES | {"get", "head", "options"}


def _is_problem(response: dict[str, Any]) -> bool:
    """An error response to rewrite: no content, or only FastAPI's / ProblemOut's schema."""
    content = response.get("content") or {}
    for media_type, media in content.items():
        schema = media.get("schema")
        if schema is None and media_type in ("application/json", PROBLEM_MEDIA_TYPE):
            continue
        if (schema or {}).get("$ref") not in (PROBLEM_REF["$ref"], _FASTAPI_422):
            return False
    return True


def _problem_response(status: int, description: str | None = None) -> dict[str, Any]:
    return {
        "description": description or STATUS_TEXT.get(status, "错误"),
        "content": {PROBLEM_MEDIA_TYPE: {"schema": dict(PROBLEM_REF)}},
    }


def _edge_statuses(method: str, operation: dict[str, Any]) -> set[int]:
    statuses: set[int] = set()
    if operation.get("security"):
        # 401 without valid credentials; 403 for a staff account whose password an
        # administrator reset (``password_change_required``) or a role the operation refuses
        statuses |= {401, 403}
    body = (operation.get("requestBody") or {}).get("content") or {}
    if "application/json" in body:
        statuses |= {400, 413, 422}
    elif body:
        statuses.add(413)
    if operation.get("parameters"):
        statuses.add(422)
    if method in _WRITES:
        statuses.add(413)
    return statuses


def problem_json(schema: dict[str, Any]) -> dict[str, Any]:
    """Rewrite ``schema`` (FastAPI's document) in place as the module docstring says."""
    for item in schema.get("paths", {}).values():
        for method, operation in item.items():
            if method not in _METHODS:
                continue
            responses: dict[str, Any] = operation.setdefault("responses", {})
            for status in _edge_statuses(method, operation):
                responses.setdefault(str(status), _problem_response(status))
            for code, response in list(responses.items()):
                if response.get("description") == "Successful Response":
                    response["description"] = "成功"
                if not code.isdigit() or int(code) < 400 or not _is_problem(response):
                    continue
                text = response.get("description")
                if code == "422" or text in (None, "", "Validation Error"):
                    text = None
                responses[code] = _problem_response(int(code), text)
            operation["responses"] = dict(sorted(responses.items()))
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    for unused in ("HTTPValidationError", "ValidationError"):
        components.pop(unused, None)
    components.setdefault(
        "ProblemOut", ProblemOut.model_json_schema(ref_template="#/components/schemas/{model}")
    )
    return schema


def install(app: FastAPI) -> None:
    """Serve :func:`problem_json`'s version of the document (built once, as FastAPI does)."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = problem_json(build())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]  # FastAPI's documented override
