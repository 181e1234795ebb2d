"""Mounting the citizen pages (``/h5/``) and the kiosk pages (``/kiosk/``) on the application
(called from app_api.app.create_app); their static files at ``/portal/static``."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from portal import (
    h5,
    h5_filing,
    h5_session,
    h5_wechat,
    kiosk,
    kiosk_device,
    pairing,
    rating,
    templating,
)
from portal.templating import HERE


def mount_portal(app: FastAPI) -> None:
    citizen = APIRouter(prefix="/h5")
    citizen.include_router(rating.router)
    citizen.include_router(h5_filing.router)
    citizen.include_router(h5_wechat.router)
    citizen.include_router(h5.router)
    app.include_router(citizen, include_in_schema=False)
    app.add_api_route("/h5", lambda: RedirectResponse("/h5/", status_code=308),
                      include_in_schema=False)
    booth = APIRouter(prefix="/kiosk")
    booth.include_router(pairing.router)
    booth.include_router(kiosk.router)
    app.include_router(booth, include_in_schema=False)
    app.add_api_route("/kiosk", lambda: RedirectResponse("/kiosk/", status_code=308),
                      include_in_schema=False)
    app.mount("/portal/static", StaticFiles(directory=HERE / "static"), name="portal-static")

    async def not_paired(request: Request, exc: kiosk_device.NotPaired) -> Response:
        return kiosk_device.to_pairing()

    async def cross_site(request: Request, exc: kiosk_device.CrossSite) -> Response:
        return templating.render(request, "kiosk/refused.html", status=403)

    async def sign_in(request: Request, exc: h5_session.SignInRequired) -> Response:
        return RedirectResponse(h5_session.login_url(exc.target), status_code=303)

    async def write_refused(request: Request, exc: h5_session.WriteRefused) -> Response:
        return templating.render(request, "h5/message.html", {
            "title": "请求被拒绝", "text": "此请求未通过安全校验（页面已过期），请刷新页面后重试。",
        }, status=403)

    app.add_exception_handler(h5_session.SignInRequired, sign_in)  # type: ignore[arg-type]
    app.add_exception_handler(h5_session.WriteRefused, write_refused)  # type: ignore[arg-type]
    app.add_exception_handler(kiosk_device.NotPaired, not_paired)  # type: ignore[arg-type]
    app.add_exception_handler(kiosk_device.CrossSite, cross_site)  # type: ignore[arg-type]
