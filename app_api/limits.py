"""A pure-ASGI guard that refuses oversized request bodies with problem+json (413)."""

from __future__ import annotations

import orjson
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

_BODY = orjson.dumps(
    {
        "type": "about:blank",
        "status": 413,
        "title": "Payload too large",
        "detail": "请求体过大",
        "code": "payload_too_large",
    }
)


class BodyTooLarge(HTTPException):
    """Raised from ``receive`` when a streamed body passes the limit; mapped to 413."""

    def __init__(self) -> None:
        super().__init__(413, "Payload too large")


class BodyLimit:
    def __init__(self, app: ASGIApp, default_max: int, overrides: dict[str, int]) -> None:
        self.app = app
        self.default_max = default_max
        self.overrides = overrides

    def limit_for(self, path: str) -> int:
        for prefix, limit in self.overrides.items():
            if path.startswith(prefix):
                return limit
        return self.default_max

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope["path"])
        for name, value in scope["headers"]:
            if name == b"content-length":
                if not value.isdigit() or int(value) > limit:
                    await send(
                        {
                            "type": "http.response.start",
                            "status": 413,
                            "headers": [
                                (b"content-type", b"application/problem+json"),
                                (b"content-length", str(len(_BODY)).encode()),
                                (b"connection", b"close"),
                            ],
                        }
                    )
                    await send({"type": "http.response.body", "body": _BODY})
                    return
                break
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge()
            return message

        await self.app(scope, limited_receive, send)
