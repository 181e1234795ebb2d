"""Cases full of personal data, filed through the API and brought to a publishable state."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from models.case import Case
from tests.conftest import bearer

PERSONAL_CONTENT = (
    "我叫王小明，电话13912345678，身份证330106199001011234。楼下业主李建国把车浙AD12345"
    "停在消防通道，住在文三路88号华星小区3栋2单元501室，邮箱wangxm@example.com。"
)
REPLY = "经查，已联系车主李建国将浙AD12345移走，并告知王小明（13912345678）处理结果。"
ORIGINALS = ("王小明", "13912345678", "330106199001011234", "李建国", "浙AD12345",
             "wangxm@example.com", "88号", "501室", "3栋2单元", "30.27412", "120.15513")


async def file_case(client: Any, token: str, *, public: bool = True,
                    content: str = PERSONAL_CONTENT, category_code: str = "ENV-NOISE",
                    region_code: str = "330106", photo_ids: list[int] | None = None,
                    **state: Any) -> str:
    body = {
        "kind": "complaint", "category_code": category_code, "content": content,
        "public": public, "photo_ids": photo_ids or [],
        "location": {"lat": 30.27412, "lng": 120.15513, "region_code": region_code,
                     "address": "杭州市西湖区文三路88号华星小区3栋2单元501室"},
    }
    r = await client.post("/api/v1/cases", json=body, headers=bearer(token))
    assert r.status_code == 201, r.text
    no = r.json()["tracking_no"]
    fields = {"status": "replied", "reply_content": REPLY,
              "replied_at": datetime.now(UTC), "reply_round": 1} | state
    await Case.filter(tracking_no=no).update(**fields)
    return no


async def publish(client: Any, token: str, no: str, **extra: Any) -> dict[str, Any]:
    r = await client.get(f"/api/v1/staff/cases/{no}/publication", headers=bearer(token))
    assert r.status_code == 200, r.text
    draft = r.json()["draft"]
    body = {"summary": draft["summary"], "result": draft["result"], **extra}
    r = await client.post(f"/api/v1/staff/cases/{no}/publish", json=body, headers=bearer(token))
    assert r.status_code == 200, r.text
    out: dict[str, Any] = r.json()
    return out
