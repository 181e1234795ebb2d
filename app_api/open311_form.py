"""The form of an Open311 POST (GeoReport v2 "POST Service Request") read into the same
submission ``POST /cases`` files, through the same body model (``CaseIn``) and input policy.

Fields: ``api_key`` (required, read by the router), ``service_code`` (required),
``lat``/``long`` or ``address_string`` or ``address_id`` (one of them required),
``description`` (the case's content), ``first_name``/``last_name`` (the contact's name, family
name first), ``phone`` (the contact phone), ``attribute[kind]``, ``attribute[region_code]``,
``attribute[public]`` (see the service definition). ``jurisdiction_id``, ``email``,
``device_id``, ``account_id`` and ``media_url`` are accepted and not used (photos are
uploaded to the platform itself). Anything wrong is a 400 naming the field.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, Final

from pydantic import ValidationError

from app_api.schemas import CaseIn
from app_api.schemas.inputs import clean_line
from casework.intake import Submission
from hotline.errors import Problem
from open311 import services
from partners.keys import CHANNEL

IGNORED: Final = frozenset({"api_key", "jurisdiction_id", "email", "device_id", "account_id",
                            "media_url", "address_id"})
FIELDS: Final = frozenset({"service_code", "lat", "long", "address_string", "description",
                           "first_name", "last_name", "phone"})
ATTRIBUTES: Final = ("kind", "region_code", "public")
BOOLEANS: Final = {"true": True, "false": False, "1": True, "0": False}


def bad(detail: str, code: str = "bad_request") -> Problem:
    return Problem(detail, code=code, status=400)


def _number(form: Mapping[str, str], name: str) -> float:
    try:
        value = float(form[name])
    except ValueError:
        raise bad(f"{name} 须为数字", "invalid_location") from None
    if not math.isfinite(value):
        raise bad(f"{name} 须为数字", "invalid_location")
    return value


def _attributes(form: Mapping[str, str]) -> dict[str, str]:
    attrs: dict[str, str] = {}
    for name, value in form.items():
        if name.startswith("attribute[") and name.endswith("]"):
            code = name[len("attribute["):-1]
            if code not in ATTRIBUTES:
                raise bad(f"不支持的属性 {code}", "unknown_attribute")
            attrs[code] = value.strip()
        elif name not in FIELDS and name not in IGNORED:
            raise bad(f"不支持的参数 {name}", "unknown_parameter")
    return attrs


def _name(form: Mapping[str, str]) -> str | None:
    name = (form.get("last_name", "").strip() + form.get("first_name", "").strip()) or None
    if name is not None:
        try:
            name = clean_line(name)[:64]
        except ValueError:
            raise bad("姓名不得包含控制字符", "invalid_text") from None
    return name


def _why(exc: ValidationError) -> str:
    fields = {"content": "description", "lat": "lat", "lng": "long", "address": "address_string",
              "contact_phone": "phone", "category_code": "service_code", "kind": "attribute[kind]",
              "region_code": "attribute[region_code]"}
    parts = []
    for err in exc.errors():
        loc = [str(p) for p in err.get("loc", ())]
        name = next((fields[p] for p in reversed(loc) if p in fields), ".".join(loc) or "表单")
        parts.append(f"{name}：{err.get('msg', '')}")
    return "；".join(parts)


async def read(form: Mapping[str, str]) -> Submission:
    """The submission a POST's form describes (a 400 for what is missing or wrong, a 404 for a
    service code that is not an Open311 service)."""
    attrs = _attributes(form)
    code = form.get("service_code", "").strip()
    if not code:
        raise bad("缺少 service_code", "missing_service_code")
    cat = await services.service(code)
    kinds = services.kinds_of(cat)
    kind = attrs.get("kind") or kinds[0]
    if kind not in kinds:
        raise bad(f"attribute[kind] 须为 {'、'.join(kinds)} 之一", "kind_not_accepted")
    public = BOOLEANS.get(attrs.get("public", "false").lower())
    if public is None:
        raise bad("attribute[public] 须为 true 或 false", "invalid_attribute")
    has_point = "lat" in form or "long" in form
    address = form.get("address_string", "").strip() or None
    if has_point and not ("lat" in form and "long" in form):
        raise bad("lat 和 long 须同时提供", "invalid_location")
    if not has_point and address is None and not form.get("address_id", "").strip():
        raise bad("须提供位置：lat 和 long，或 address_string，或 address_id",
                  "missing_location")
    region = attrs.get("region_code") or None
    body: dict[str, Any] = {
        "kind": kind, "category_code": code, "content": form.get("description", ""),
        "public": public, "contact_phone": form.get("phone", "").strip() or None,
    }
    if has_point:
        body["location"] = {"lat": _number(form, "lat"), "lng": _number(form, "long"),
                            "address": address, "region_code": region}
    try:
        case = CaseIn.model_validate(body)
        if not has_point and (address is not None or region is not None):  # same checks
            CaseIn.model_validate(body | {"location": {"lat": 30.0, "lng": 120.0,
                                                       "address": address,
                                                       "region_code": region}})
    except ValidationError as exc:
        raise bad(_why(exc), "invalid_request") from None
    sub = case.to_submission(CHANNEL, _name(form))
    if not has_point:
        sub.address, sub.region_code = address, region
    return sub
