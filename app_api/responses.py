"""JSON and problem+json responses (UTF-8, Chinese unescaped)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import orjson
from fastapi.responses import JSONResponse, Response, StreamingResponse


class JSON(JSONResponse):
    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        try:
            return orjson.dumps(content)
        except TypeError:  # e.g. an integer past 64 bits echoed back from the input
            return json.dumps(content, ensure_ascii=False, separators=(",", ":")).encode()


class ProblemJSON(JSON):
    media_type = "application/problem+json"


def problem(
    status: int,
    code: str,
    title: str,
    detail: str,
    headers: dict[str, str] | None = None,
    extra: dict[str, Any] | None = None,
) -> ProblemJSON:
    body = {"type": "about:blank", "status": status, "title": title, "detail": detail, "code": code}
    return ProblemJSON((extra or {}) | body, status_code=status, headers=headers)


def csv_doc(description: str) -> dict[int | str, dict[str, Any]]:
    """The OpenAPI entry of a CSV download's 200 reply (merge with ``problems(...)``)."""
    return {200: {"content": {"text/csv": {"schema": {"type": "string"}}},
                  "description": description}}


def csv_download(body: str | AsyncIterator[str], name: str) -> Response:
    """A CSV download named ``name``: the whole text, or chunks streamed as they are made."""
    media_type = "text/csv; charset=utf-8"
    headers = {"Content-Disposition": f'attachment; filename="{name}"'}
    if isinstance(body, str):
        return Response(content=body.encode("utf-8"), media_type=media_type, headers=headers)
    return StreamingResponse(body, media_type=media_type, headers=headers)
