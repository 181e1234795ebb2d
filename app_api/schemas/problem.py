"""The problem+json body (RFC 9457) and how an operation declares the errors it can return."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

PROBLEM_MEDIA_TYPE = "application/problem+json"

# what each status means to a client, as shown in /openapi.json
STATUS_TEXT: dict[int, str] = {
    400: "请求体不是合法的 JSON，或请求格式错误",
    401: "未登录或登录已失效",
    403: "无权执行此操作",
    404: "未找到（或不在调用者的可见范围内）",
    409: "与当前状态冲突（例如该状态下不允许此操作）",
    413: "请求体过大",
    415: "不支持的内容类型",
    422: "输入不合法（errors 指出字段）",
    429: "请求过于频繁或已被暂时锁定（见 Retry-After）",
    503: "服务暂不可用",
}


class ProblemOut(BaseModel):
    """An error: a stable machine ``code`` and a Chinese ``detail`` to show people."""

    model_config = ConfigDict(
        extra="allow",
        json_schema_extra={
            "examples": [
                {
                    "type": "about:blank",
                    "status": 422,
                    "title": "Invalid input",
                    "detail": "请求参数不合法",
                    "code": "validation_error",
                    "errors": [{"loc": ["body", "content"], "msg": "...", "type": "..."}],
                }
            ]
        },
    )

    type: str = Field(default="about:blank", description="问题类型（固定为 about:blank）")
    status: int = Field(description="HTTP 状态码")
    title: str = Field(description="英文简短标题")
    detail: str = Field(description="中文说明，可直接展示给用户")
    code: str = Field(description="稳定的机器可读错误码，例如 validation_error、not_found")


def problems(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """``responses=`` for an operation: each status documented as problem+json.

    List the statuses specific to the operation (403, 404, 409, 429, ...). The app's OpenAPI
    hook (``app_api.openapi``) adds what the edge answers by itself (401 for an authenticated
    operation, 400/413/422 for a body, 422 for parameters) and puts every error under
    ``application/problem+json`` only.
    """
    return {
        status: {
            "description": STATUS_TEXT.get(status, "错误"),
            "model": ProblemOut,
            "content": {PROBLEM_MEDIA_TYPE: {}},
        }
        for status in statuses
    }
