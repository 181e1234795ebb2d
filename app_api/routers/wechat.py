"""WeChat sign-in and consents for the mini-program, and OAuth for H5 pages (under /api/v1)."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, FastAPI, Query, Request, Response
from fastapi.responses import RedirectResponse
from pydantic import Field, field_validator

from app_api.deps import citizen, client_ip
from app_api.responses import JSON
from app_api.routers import official_account
from app_api.schemas.auth import CitizenLoginOut
from app_api.schemas.inputs import Line
from app_api.schemas.problem import problems
from app_api.schemas.requests import Strict, example
from app_api.schemas.wechat import ConsentsOut, WeChatPhoneOut
from hotline import settings as settings_mod
from identity.principal import Principal
from wechat import mini, oauth

router = APIRouter(tags=["wechat"])


def install(app: FastAPI, api_prefix: str) -> None:
    """Mount these routes under ``api_prefix`` and the official account's URL at the root."""
    app.include_router(router, prefix=api_prefix)
    app.include_router(official_account.router)


class WeChatCodeIn(Strict):
    """A one-time ``code`` from the mini-program (``wx.login`` or the ``getPhoneNumber`` button)."""

    model_config = example(
        {"code": "0a3Xk8000Lq0aR1W2z200Pa6rY3Xk80b"}, "小程序返回的一次性 code"
    )

    code: str = Field(
        min_length=1, max_length=128, pattern=r"^[A-Za-z0-9_\-]+$",
        description="小程序 wx.login 或手机号按钮返回的一次性 code",
    )


class SubscriptionsIn(Strict):
    """What ``wx.requestSubscribeMessage`` reported: template id -> accept|reject|ban|filter."""

    model_config = example(
        {"results": {"tmpl-case-progress-01": "accept"}}, "订阅消息授权结果"
    )

    results: dict[str, str] = Field(
        min_length=1, max_length=20,
        description="模板 id → accept | reject | ban | filter（wx.requestSubscribeMessage 的结果）",
    )

    @field_validator("results")
    @classmethod
    def _known(cls, value: dict[str, str]) -> dict[str, str]:
        for template_id, state in value.items():
            if not (0 < len(template_id) <= 64) or not template_id.replace("-", "").replace(
                "_", ""
            ).isalnum() or not template_id.isascii():
                raise ValueError(f"invalid template id {template_id!r}")
            if state not in mini.CONSENT_STATES:
                raise ValueError(f"status must be one of {', '.join(mini.CONSENT_STATES)}")
        return value


@router.post(
    "/auth/wechat-login", response_model=CitizenLoginOut, responses=problems(401, 429, 503)
)
async def wechat_login(body: WeChatCodeIn, request: Request) -> dict[str, Any]:
    """``{code}`` from ``wx.login``: tokens for the citizen of that WeChat user (channel
    ``wechat_mini``), created on first sign-in."""
    return await mini.login(body.code, client_ip(request))


@router.post("/wechat/phone", response_model=WeChatPhoneOut, responses=problems(429, 503))
async def wechat_phone(body: WeChatCodeIn, who: Principal = Depends(citizen)) -> dict[str, Any]:
    """``{code}`` from the ``getPhoneNumber`` button: binds the phone. If another citizen already
    has it, this account is merged into that one (cases, consents, photos move) and the reply
    carries new tokens for it, with ``merged: true``."""
    return await mini.bind_phone(who, body.code)


@router.post("/wechat/subscriptions", response_model=ConsentsOut)
async def wechat_subscriptions(
    body: SubscriptionsIn, who: Principal = Depends(citizen)
) -> dict[str, Any]:
    """Record subscribe-message consents: each ``accept`` allows one more message of that
    template; ``ban`` withdraws all. Reply: ``{items: [{template_id, status, remaining}]}``."""
    return await mini.record_consents(who, body.results)


@router.get(
    "/wechat/oauth/authorize",
    status_code=302,
    response_class=RedirectResponse,
    responses={
        302: {
            "description": "转到微信授权页（并设置 state cookie）",
            "headers": {"Location": {"schema": {"type": "string"}, "description": "微信授权页"}},
        },
        **problems(503),
    },
)
async def wechat_oauth_authorize(
    next: Annotated[Line | None, Query(max_length=512, description="登录后返回的本站路径")] = None,
) -> RedirectResponse:
    """Start ``snsapi_base`` OAuth for an H5 page; ``next`` is a path on this site to return to."""
    start = oauth.begin(next)
    response = RedirectResponse(start.url, status_code=302)
    response.set_cookie(
        oauth.COOKIE, start.cookie, max_age=start.max_age, path=oauth.COOKIE_PATH,
        httponly=True, secure=start.secure, samesite="lax",
    )
    return response


@router.get(
    "/wechat/oauth/callback",
    response_model=CitizenLoginOut,
    responses={
        302: {
            "description": "有 next 时：转到 next，令牌在 URL 片段（#access_token=…）中",
            "headers": {"Location": {"schema": {"type": "string"}, "description": "next 页面"}},
        },
        **problems(400, 401, 403, 429, 503),
    },
)
async def wechat_oauth_callback(
    request: Request,
    code: Annotated[Line | None, Query(max_length=128)] = None,
    state: Annotated[Line | None, Query(max_length=128)] = None,
) -> Response:
    """WeChat returns here: state checked against this browser's cookie, code exchanged, tokens
    issued -- in the fragment of a redirect to ``next``, or as JSON without one."""
    reply, nxt = await oauth.complete(code, state, request.cookies.get(oauth.COOKIE))
    response: Response
    if nxt:
        fragment = urlencode({k: reply[k] for k in (
            "access_token", "refresh_token", "token_type", "expires_in")})
        base = settings_mod.current().public_base_url.rstrip("/")
        response = RedirectResponse(f"{base}{nxt}#{fragment}", status_code=302)
    else:
        response = JSON(reply)
    response.delete_cookie(oauth.COOKIE, path=oauth.COOKIE_PATH)
    return response
