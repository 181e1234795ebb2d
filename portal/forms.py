"""What the citizen and kiosk forms share: a filing checked by the API's own body
(``CaseIn``), its idempotency fingerprint, the categories for a kind, and a problem in words."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from app_api.schemas import CaseIn
from casework import intake, reference
from hotline.errors import Problem, RateLimited
from identity.principal import Principal

CONTENT_MIN = 5
CONTENT_SHORT = "问题描述请至少写 5 个字"
FIELD_WORDS = {"kind": "诉求类型", "category_code": "类别", "content": "问题描述",
               "location": "地点", "photo_ids": "照片"}


class FormProblem(Exception):
    """What to fix, in the words of the form."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def case_in(data: dict[str, Any]) -> CaseIn:
    try:
        return CaseIn.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        name = str(first["loc"][0]) if first["loc"] else ""
        if name == "content" and first["type"] == "string_too_short":
            raise FormProblem(CONTENT_SHORT) from None
        raise FormProblem(f"请检查“{FIELD_WORDS.get(name, name)}”一项") from None


async def file(who: Principal, body: CaseIn, path: str, key: str | None, *,
               contact_phone: str | None = None) -> dict[str, Any]:
    """File through intake (the API's service), honouring the idempotency key."""
    sub = body.to_submission(who.channel or "web")
    if contact_phone:
        sub.contact_phone = contact_phone
    fingerprint = intake.request_fingerprint(path, body.fingerprint_body()) if key else ""
    _, reply = await intake.submit(who, sub, idempotency_key=key, fingerprint=fingerprint)
    return reply


def words(exc: Problem) -> str:
    if isinstance(exc, RateLimited):
        return "操作过于频繁，请稍后再试"
    return exc.detail


async def categories_for(kind: str | None = None) -> list[dict[str, Any]]:
    """Active leaf categories (those a case can be filed under), with the kinds each takes."""
    return [
        {"code": c.code, "name": c.name, "kinds": " ".join(sorted(c.kinds))}
        for c in (await reference.categories()).values()
        if c.active and c.leaf and (kind is None or kind in c.kinds)
    ]
