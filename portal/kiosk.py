"""The kiosk's pages (``/kiosk/``): start, file a case (phone proven by an SMS code, then an
optional real-name by the ID-card reader), the printable receipt, tracking by number and query
code, and the knowledge base.

The ID-card reader (HOTLINE_KIOSK_ID_READER=keyboard; off by default) is modelled as most
hall kiosks run one: the reader's vendor agent, in keyboard (HID) mode, types the card's name,
a Tab, the ID number and Enter into the focused field of the real-name step. The page keeps
what it types in a script variable (never in the DOM), posts it with the phone proof to
``POST /kiosk/real-name`` (``identity.real_name.at_kiosk_proven``), and shows only the masked
reply. Nothing of it is logged, and the idle reset drops it with the page."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import BaseModel, Field

from casework import queries
from hotline import ratelimit
from hotline import settings as settings_mod
from hotline.crypto import mask_phone
from hotline.errors import NotFound, Problem
from identity import citizens, devices, phone_proofs, real_name
from identity.principal import Principal
from knowledge import items as kb_items
from knowledge import search as kb_search
from portal import forms, receipts, templating
from portal.kiosk_device import kiosk

router = APIRouter()
Kiosk = Annotated[Principal, Depends(kiosk)]
KEY = re.compile(r"[A-Za-z0-9-]{8,64}")
KINDS = [("complaint", "投诉"), ("help", "求助"), ("consultation", "咨询"), ("report", "举报"),
         ("suggestion", "建议"), ("praise", "表扬")]


def _page(request: Request, name: str, ctx: dict[str, Any] | None = None,
          status: int = 200) -> HTMLResponse:
    s = settings_mod.current()
    base = {"idle_s": s.kiosk_idle_s, "confirm_s": s.kiosk_confirm_s,
            "id_reader": s.kiosk_id_reader != "off"}
    return templating.render(request, name, base | (ctx or {}), status=status)


def _scope(who: Principal) -> str:
    return f"kiosk:{who.id}"


@router.get("/")
async def start(request: Request, who: Kiosk) -> HTMLResponse:
    return _page(request, "kiosk/start.html", {"hall": await devices.hall_name(who.id)})


# -- filing -----------------------------------------------------------------------------------


async def _file_form(request: Request, values: dict[str, Any] | None = None,
                     error: str = "", status: int = 200) -> HTMLResponse:
    return _page(request, "kiosk/file.html", {
        "kinds": KINDS, "categories": await forms.categories_for(), "v": values or {},
        "error": error, "key": uuid.uuid4().hex,
    }, status)


@router.get("/file")
async def file_form(request: Request, who: Kiosk) -> HTMLResponse:
    return await _file_form(request)


class PhoneIn(BaseModel):
    phone: str = Field(max_length=20)


class CodeIn(PhoneIn):
    code: str = Field(max_length=8)


def _refused(exc: Problem) -> JSONResponse:
    return JSONResponse({"message": forms.words(exc)}, status_code=exc.status)


@router.post("/sms-code", status_code=202)
async def sms_code(body: PhoneIn, who: Kiosk) -> Response:
    """A login code to the citizen's phone; the kiosk, shared by many, has its own limit."""
    try:
        await citizens.request_login_code(body.phone, _scope(who),
                                          settings_mod.current().kiosk_sms_codes_hourly)
    except Problem as exc:
        return _refused(exc)
    return JSONResponse({"sent": True}, status_code=202)


@router.post("/verify-phone")
async def verify_phone(body: CodeIn, who: Kiosk) -> Response:
    """The code spent; the reply is a proof of the phone for this kiosk's filing."""
    try:
        phone = await citizens.verify_login_code(body.phone, body.code)
    except Problem as exc:
        return _refused(exc)
    return JSONResponse({"proof": phone_proofs.issue(phone, _scope(who)),
                         "phone_masked": mask_phone(phone)})


class RealNameIn(BaseModel):
    proof: str = Field(max_length=100)
    name: str = Field(max_length=real_name.NAME_MAX)
    id_number: str = Field(max_length=32)


@router.post("/real-name")
async def real_name_by_card(body: RealNameIn, who: Kiosk) -> Response:
    """The optional real-name step: the card as the reader typed it, the phone by its proof.
    The reply (and the page) carry only the masked name and number."""
    s = settings_mod.current()
    if s.kiosk_id_reader == "off":
        return JSONResponse({"message": "本终端未连接身份证阅读器"}, status_code=404)
    try:
        await ratelimit.hit(f"kiosk-real-name:{who.id}", s.kiosk_real_names_hourly, 3600)
        phone = phone_proofs.check(body.proof, _scope(who))
        bound = await real_name.at_kiosk_proven(who, phone, body.name, body.id_number)
    except Problem as exc:
        message = forms.words(exc)
        if exc.code in ("invalid_id_number", "invalid_name"):
            message = "未能读取身份证信息，请重新放置身份证"
        return JSONResponse({"message": message}, status_code=exc.status)
    seen = real_name.summary(bound)  # masked, as the API shows it
    return JSONResponse({"name_masked": seen["name_masked"],
                         "id_number_masked": seen["id_number_masked"]})


@router.post("/file")
async def file_case(
    request: Request, who: Kiosk,
    kind: Annotated[str, Form(max_length=16)] = "",
    category_code: Annotated[str, Form(max_length=32)] = "",
    content: Annotated[str, Form(max_length=5000)] = "",
    address: Annotated[str, Form(max_length=200)] = "",
    proof: Annotated[str, Form(max_length=100)] = "",
    key: Annotated[str, Form(max_length=64)] = "",
) -> HTMLResponse:
    values = {"kind": kind, "category_code": category_code, "content": content,
              "address": address}
    text = content.strip() + (f"\n地点：{address.strip()}" if address.strip() else "")
    try:
        phone = phone_proofs.check(proof, _scope(who))
        values["proof"] = proof  # still valid: a correction needs no second code
        if len(content.strip()) < forms.CONTENT_MIN:
            raise forms.FormProblem(forms.CONTENT_SHORT)
        body = forms.case_in({"kind": kind, "category_code": category_code, "content": text})
        case = await forms.file(who, body, "/kiosk/file", key if KEY.fullmatch(key) else None,
                                contact_phone=phone)
    except forms.FormProblem as exc:
        return await _file_form(request, values, exc.message, 422)
    except Problem as exc:
        return await _file_form(request, values, forms.words(exc), exc.status)
    return _page(request, "kiosk/receipt.html", {
        "case": case, "hall": await devices.hall_name(who.id), "now": datetime.now(UTC),
        "url": receipts.tracking_url(case["tracking_no"]),
        "qr": receipts.qr_svg(receipts.tracking_url(case["tracking_no"])),
    })


# -- tracking and the knowledge base ----------------------------------------------------------


@router.get("/track")
async def track_form(request: Request, who: Kiosk) -> HTMLResponse:
    return _page(request, "kiosk/track.html", {"v": {}})


@router.post("/track")
async def track(
    request: Request, who: Kiosk,
    tracking_no: Annotated[str, Form(max_length=20)] = "",
    code: Annotated[str, Form(max_length=12)] = "",
) -> HTMLResponse:
    values = {"tracking_no": tracking_no.strip()}
    try:
        progress = await queries.track(tracking_no.strip(), code.strip(), _scope(who))
    except Problem as exc:
        return _page(request, "kiosk/track.html", {"v": values, "error": forms.words(exc)},
                     exc.status)
    return _page(request, "kiosk/track.html", {"v": values, "p": progress})


@router.get("/guide")
async def guide(request: Request, who: Kiosk,
                q: Annotated[str, Query(max_length=50)] = "") -> HTMLResponse:
    found = await kb_search.search(q.strip(), limit=8) if q.strip() else []
    return _page(request, "kiosk/guide.html", {"q": q.strip(), "items": found})


@router.get("/guide/{item_id}")
async def guide_item(request: Request, who: Kiosk, item_id: int) -> HTMLResponse:
    try:
        item = await kb_items.published_item(item_id)
    except NotFound:
        return _page(request, "kiosk/guide.html", {"q": "", "items": [],
                                                   "error": "该条目不存在或已下线"}, 404)
    return _page(request, "kiosk/guide_item.html", {"item": item})
