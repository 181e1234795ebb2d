"""Filing on the citizen pages: one scrolling form (kind → category → text → photos → where),
photos uploaded one by one with progress and retry, knowledge answers and similar open cases
shown as the citizen types (never blocking), and an idempotency key so a double tap or a
dropped connection files once. The same services as the API: media, intake, similar, search.
Inside WeChat with the JS-SDK on, photos may come by ``wx.uploadImage`` (``/h5/photos/wechat``)."""

from __future__ import annotations

import logging
import re
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import BaseModel, Field
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.formparsers import MultiPartException

from casework import similar
from casework.precheck import KB_KINDS
from hotline import ratelimit
from hotline.errors import Problem
from knowledge import search as kb_search
from media import service as media_service
from portal import forms, h5_wechat
from portal.h5 import page
from portal.h5_session import Citizen
from portal.kiosk import KINDS
from wechat import jssdk
from wechat.client import WeChatError

log = logging.getLogger("hotline.portal")
router = APIRouter()
KEY = re.compile(r"[A-Za-z0-9-]{8,64}")
WX_MEDIA_HOURLY = 60  # photos one citizen may have fetched from WeChat an hour
PHOTO_IDS = re.compile(r"\d{1,18}(,\d{1,18}){0,8}")


async def _form_page(request: Request, who: Any, values: dict[str, Any] | None = None,
                     error: str = "", status: int = 200) -> HTMLResponse:
    wx = await h5_wechat.jssdk_config(request)
    return page(request, "h5/file.html", {
        "kinds": KINDS, "categories": await forms.categories_for(), "v": values or {},
        "error": error, "key": (values or {}).get("key") or uuid.uuid4().hex,
        "wx": wx, "wx_script": jssdk.SCRIPT,
    }, status=status, who=who, headers=h5_wechat.jssdk_headers(wx))


@router.get("/file")
async def file_form(request: Request, who: Citizen) -> HTMLResponse:
    return await _form_page(request, who)


@router.post("/photos", status_code=201)
async def upload_photo(request: Request, who: Citizen) -> Response:
    """One photo (field ``file``) through the media service; JSON for the page's script."""
    try:
        form = await request.form(max_files=1, max_fields=8, max_part_size=16 * 1024)
    except (MultiPartException, HTTPException):
        return JSONResponse({"message": "上传失败，请重试"}, status_code=400)
    try:
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            return JSONResponse({"message": "请选择照片"}, status_code=422)
        reply = await media_service.get_service().ingest(who, upload)
    except Problem as exc:
        return JSONResponse({"message": forms.words(exc)}, status_code=exc.status)
    finally:
        await form.close()
    return JSONResponse({"id": reply["id"], "thumb_url": reply["thumb_url"]}, status_code=201)


class MediaIn(BaseModel):
    media_id: str = Field(pattern=r"^[A-Za-z0-9_-]{1,128}$")


@router.post("/photos/wechat", status_code=201)
async def photo_from_wechat(body: MediaIn, who: Citizen) -> Response:
    """A photo chosen with ``wx.chooseImage`` and sent with ``wx.uploadImage``: the server
    fetches it from WeChat (``cgi-bin/media/get``) into the media service, like an upload."""
    if not jssdk.enabled():
        return JSONResponse({"message": "请使用“拍照或从相册选择”上传"}, status_code=404)
    try:
        await ratelimit.hit(f"h5-wx-media:{who.id}", WX_MEDIA_HOURLY, 3600)  # WeChat's quota
    except Problem as exc:
        return JSONResponse({"message": forms.words(exc)}, status_code=exc.status)
    try:
        data, _ = await jssdk.media(body.media_id)
    except WeChatError as exc:
        log.warning("could not fetch a photo from WeChat: %s", exc)
        return JSONResponse({"message": "照片获取失败"}, status_code=502)
    try:
        reply = await media_service.get_service().ingest(who, data)
    except Problem as exc:
        return JSONResponse({"message": forms.words(exc)}, status_code=exc.status)
    return JSONResponse({"id": reply["id"], "thumb_url": reply["thumb_url"]}, status_code=201)


@router.get("/file/hints")
async def hints(
    request: Request, who: Citizen,
    q: Annotated[str, Query(max_length=200)] = "",
    kind: Annotated[str, Query(max_length=16)] = "",
    category_code: Annotated[str, Query(max_length=32)] = "",
    lat: Annotated[float | None, Query(ge=-90, le=90)] = None,
    lng: Annotated[float | None, Query(ge=-180, le=180)] = None,
) -> HTMLResponse:
    """As the citizen types: knowledge answers (for a consultation) and similar open cases."""
    text = q.strip()
    answers = await kb_search.search(text, limit=3) if kind in KB_KINDS and text else []
    near = await similar.similar(category_code=category_code or None, lat=lat, lng=lng,
                                 q=text or None) if text or lat is not None else {"items": []}
    return page(request, "h5/_hints.html", {"answers": answers, "similar": near["items"][:3]})


@router.post("/file")
async def file_case(
    request: Request, who: Citizen,
    kind: Annotated[str, Form(max_length=16)] = "",
    category_code: Annotated[str, Form(max_length=32)] = "",
    content: Annotated[str, Form(max_length=5000)] = "",
    photo_ids: Annotated[str, Form(max_length=200)] = "",
    lat: Annotated[str, Form(max_length=20)] = "",
    lng: Annotated[str, Form(max_length=20)] = "",
    address: Annotated[str, Form(max_length=200)] = "",
    key: Annotated[str, Form(max_length=64)] = "",
) -> HTMLResponse:
    values = {"kind": kind, "category_code": category_code, "content": content,
              "address": address, "lat": lat, "lng": lng, "key": key}
    data: dict[str, Any] = {"kind": kind, "category_code": category_code,
                            "content": content.strip()}
    if PHOTO_IDS.fullmatch(photo_ids):
        data["photo_ids"] = [int(p) for p in photo_ids.split(",")]
    try:
        if len(content.strip()) < forms.CONTENT_MIN:
            raise forms.FormProblem(forms.CONTENT_SHORT)
        if lat and lng:
            data["location"] = {"lat": _number(lat), "lng": _number(lng),
                                "address": address.strip() or None}
        elif address.strip():
            data["content"] += f"\n地点：{address.strip()}"
        body = forms.case_in(data)
        case = await forms.file(who, body, "/h5/file", key if KEY.fullmatch(key) else None)
    except forms.FormProblem as exc:
        return await _form_page(request, who, values, exc.message, 422)
    except Problem as exc:
        return await _form_page(request, who, values, forms.words(exc), exc.status)
    return page(request, "h5/filed.html", {"c": case}, who=who)


def _number(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise forms.FormProblem("位置信息有误，请重新定位或直接填写地址") from None
