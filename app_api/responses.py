"""JSON and problem+json responses (UTF-8, Chinese unescaped)."""

from __future__ import annotations

import json
from typing import Any

import orjson
from fastapi.responses import JSONResponse


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
