"""``/kiosk/pair``: an administrator enters the kiosk's device key once; it goes into an
HttpOnly cookie and is shown nowhere after (the form posts it in the body, never in a URL)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from console.csrf import same_origin
from portal import kiosk_device, templating

router = APIRouter()


@router.get("/pair")
async def pair_form(request: Request) -> Response:
    paired = await kiosk_device.principal_of(request.cookies.get(kiosk_device.COOKIE))
    return templating.render(request, "kiosk/pair.html", {"paired": paired is not None})


@router.post("/pair")
async def pair(request: Request,
               key: Annotated[str, Form(max_length=kiosk_device.KEY_MAX)] = "") -> Response:
    if not same_origin(request):
        raise kiosk_device.CrossSite()
    if await kiosk_device.principal_of(key.strip()) is None:
        return templating.render(request, "kiosk/pair.html",
                                 {"error": "设备密钥无效或该终端已停用，请核对后重新输入"},
                                 status=401)
    response = RedirectResponse("/kiosk/", status_code=303)
    kiosk_device.remember(response, key.strip())
    return response
