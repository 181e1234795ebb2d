"""Errors on console pages are pages, not problem+json: a missing session sends the person to
sign in (htmx: the HX-Redirect header), a refusal or a domain problem shows what happened in
Chinese. Everything outside /console keeps the API's handlers."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import quote, urlsplit

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from console import templating
from console.csrf import CsrfRefused
from console.session import LOGIN_PATH, LoginRequired, RoleRefused
from hotline.errors import Problem

Handler = Callable[[Request, Any], Awaitable[Response]]

HTTP_MESSAGES = {404: "页面不存在", 405: "不支持此操作", 422: "提交的内容有误，请检查后重试"}


def _is_console(request: Request) -> bool:
    return request.url.path == "/console" or request.url.path.startswith("/console/")


def error_page(request: Request, status: int, title: str, detail: str) -> Response:
    session = getattr(request.state, "console_session", None)
    if request.headers.get("hx-request") == "true":
        # htmx swaps only a 2xx reply by default: the message replaces the target
        return templating.render(request, "_message.html", {"kind": "error", "text": detail},
                                 status=200)
    return templating.render(request, "error.html", {"title": title, "detail": detail},
                             session=session, status=status)


def login_redirect(request: Request, exc: LoginRequired) -> Response:
    target = request.url.path
    if request.url.query:
        target += "?" + request.url.query
    if request.headers.get("hx-request") == "true":  # back to the page, not its poll
        current = urlsplit(request.headers.get("hx-current-url", ""))
        target = current.path + (f"?{current.query}" if current.query else "")
    reason = f"&reason={exc.reason}" if exc.reason else ""
    url = f"{LOGIN_PATH}?next={quote(target, safe='')}{reason}"
    if request.headers.get("hx-request") == "true":
        return Response(status_code=200, headers={"HX-Redirect": url})
    return RedirectResponse(url, status_code=303)


def install(app: FastAPI) -> None:
    """Wrap the API's handlers: on /console paths the console answers."""
    api: dict[Any, Handler] = dict(app.exception_handlers)

    async def login_required(request: Request, exc: LoginRequired) -> Response:
        return login_redirect(request, exc)

    async def csrf_refused(request: Request, exc: CsrfRefused) -> Response:
        return error_page(request, 403, "请求被拒绝",
                          "此请求未通过安全校验（跨站请求或页面已过期），请刷新页面后重试。")

    async def role_refused(request: Request, exc: RoleRefused) -> Response:
        request.state.console_session = exc.session
        return error_page(request, 403, "无权访问", "您的角色无权使用此工作台。")

    def wrapped(kind: Any, console: Callable[[Request, Any], Response]) -> Handler:
        fallback = api.get(kind)

        async def handler(request: Request, exc: Any) -> Response:
            if _is_console(request) or fallback is None:
                return console(request, exc)
            return await fallback(request, exc)

        return handler

    def problem(request: Request, exc: Problem) -> Response:
        return error_page(request, exc.status, "无法完成操作", exc.detail)

    def http(request: Request, exc: StarletteHTTPException) -> Response:
        text = HTTP_MESSAGES.get(exc.status_code, "请求有误")
        return error_page(request, exc.status_code, text, text)

    def invalid(request: Request, exc: RequestValidationError) -> Response:
        return error_page(request, 422, "提交有误", HTTP_MESSAGES[422])

    app.add_exception_handler(LoginRequired, login_required)  # type: ignore[arg-type]
    app.add_exception_handler(CsrfRefused, csrf_refused)  # type: ignore[arg-type]
    app.add_exception_handler(RoleRefused, role_refused)  # type: ignore[arg-type]
    app.add_exception_handler(Problem, wrapped(Problem, problem))
    app.add_exception_handler(StarletteHTTPException, wrapped(StarletteHTTPException, http))
    app.add_exception_handler(RequestValidationError, wrapped(RequestValidationError, invalid))
