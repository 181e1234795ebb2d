"""Phone number rules: mainland mobile numbers for login, mobile or landline for contact."""

from __future__ import annotations

import re

from hotline.errors import ValidationProblem

_MOBILE = re.compile(r"^1[3-9][0-9]{9}$")
_LANDLINE = re.compile(r"^0[0-9]{2,3}[0-9]{7,8}$")


def _strip(raw: str) -> str:
    value = re.sub(r"[\s\-()]", "", raw or "")
    if value.startswith("+86"):
        value = value[3:]
    elif value.startswith("0086"):
        value = value[4:]
    return value


def normalize_mobile(raw: str) -> str:
    value = _strip(raw)
    if not _MOBILE.match(value):
        raise ValidationProblem("手机号码格式不正确", code="invalid_phone")
    return value


def normalize_contact_phone(raw: str) -> str:
    value = _strip(raw)
    if not (_MOBILE.match(value) or _LANDLINE.match(value)):
        raise ValidationProblem("联系电话格式不正确", code="invalid_phone")
    return value
