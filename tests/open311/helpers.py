"""A partner with an Open311 key, and the Open311 paths."""

from __future__ import annotations

from typing import Any

import httpx

from tests.conftest import bearer, login_staff

V2 = "/open311/v2"
XML = "text/xml; charset=utf-8"
JSON = "application/json; charset=utf-8"


async def partner(client: httpx.AsyncClient, scopes: list[str] | None = None) -> dict[str, Any]:
    admin = await login_staff(client, "admin")
    r = await client.post("/api/v1/admin/partners", headers=bearer(admin), json={
        "name": "城市随手拍应用", "scopes": scopes or ["cases:create"]})
    assert r.status_code == 201, r.text
    made: dict[str, Any] = r.json()
    return made


REPORT = {
    "service_code": "ENV-NOISE",
    "lat": "30.2741",
    "long": "120.1551",
    "address_string": "杭州市西湖区文三路",
    "description": "小区旁边工地夜间施工噪音很大，影响休息。",
    "first_name": "小明",
    "last_name": "王",
    "phone": "13800138000",
    "attribute[kind]": "complaint",
    "attribute[region_code]": "330106",
}
