"""GeoReport v2 discovery, services and service definitions.

A service is an active leaf category that takes reports or complaints (``casework.reference``'s
cached categories); its code is the category code. Every service has metadata: its definition
lists the attributes a POST may carry (``kind`` when the category takes both, ``region_code``,
``public`` — the citizen's consent to publication). Services are of type ``batch``: a POST
answers a token, which yields the ``service_request_id`` (the public id) once the case is
published.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Final

from casework import reference
from casework.reference import CategoryInfo
from hotline import settings as settings_mod
from hotline.errors import NotFound
from models.audit import AuditEntry
from open311.formats import MEDIA_TYPES, w3c

SERVICE_KINDS: Final = ("report", "complaint")
KIND_NAMES: Final = {"report": "举报", "complaint": "投诉"}
SPECIFICATION: Final = "http://wiki.open311.org/GeoReport_v2"
BASE_PATH: Final = "/open311/v2"
# before any category change is on record (a database seeded long ago)
FIRST_CHANGESET: Final = datetime(2026, 1, 1, tzinfo=UTC)


def kinds_of(cat: CategoryInfo) -> list[str]:
    """The kinds of case Open311 may file under ``cat`` (in the order of :data:`SERVICE_KINDS`)."""
    return [k for k in SERVICE_KINDS if k in cat.kinds]


def is_service(cat: CategoryInfo) -> bool:
    """Active leaf categories (the parents only group them) that take reports or complaints."""
    return cat.active and cat.leaf and bool(kinds_of(cat))


async def service(code: str) -> CategoryInfo:
    """The category behind a service code: 404 when it is not an Open311 service."""
    cat = (await reference.categories()).get(code)
    if cat is None or not is_service(cat):
        raise NotFound(f"服务代码 {code} 不存在", code="service_not_found")
    return cat


async def services() -> list[dict[str, Any]]:
    cats = await reference.categories()
    return [
        {
            "service_code": c.code,
            "service_name": c.name,
            "description": f"{c.name}（受理{'、'.join(KIND_NAMES[k] for k in kinds_of(c))}）",
            "metadata": True,
            "type": "batch",
            "keywords": ",".join(kinds_of(c)),
            "group": _group(cats, c),
        }
        for c in cats.values()
        if is_service(c)
    ]


def _group(cats: dict[str, CategoryInfo], cat: CategoryInfo) -> str:
    parent = cats.get(cat.parent_code) if cat.parent_code else None
    return parent.name if parent else cat.name


def _choice(key: str, name: str) -> dict[str, str]:
    return {"key": key, "name": name}


async def definition(code: str) -> dict[str, Any]:
    cat = await service(code)
    kinds = kinds_of(cat)
    return {
        "service_code": cat.code,
        "attributes": [
            {
                "variable": True, "code": "kind", "datatype": "singlevaluelist",
                "required": False,
                "datatype_description": f"诉求类型，缺省为 {kinds[0]}",
                "order": 1, "description": "诉求类型",
                "values": [_choice(k, KIND_NAMES[k]) for k in kinds],
            },
            {
                "variable": True, "code": "region_code", "datatype": "string",
                "required": False, "datatype_description": "6 位或 9 位行政区划代码",
                "order": 2, "description": "发生地所在行政区划", "values": [],
            },
            {
                "variable": True, "code": "public", "datatype": "singlevaluelist",
                "required": False, "datatype_description": "缺省为 false",
                "order": 3, "description": "市民同意公开办理结果（经审核、去除个人信息后）",
                "values": [_choice("true", "同意公开"), _choice("false", "不公开")],
            },
        ],
    }


async def _changeset() -> datetime:
    """When the services last changed: the newest category change in the audit log."""
    last = (await AuditEntry.filter(action__in=("category.create", "category.update"))
            .order_by("-seq").only("at").first())
    return last.at if last else FIRST_CHANGESET


async def discovery() -> dict[str, Any]:
    base = settings_mod.current().public_base_url.rstrip("/")
    changeset = w3c(await _changeset())
    return {
        "changeset": changeset,
        "contact": "12345 政务服务便民热线平台，" + base,
        "key_service": "API 密钥（api_key）由平台管理员登记合作系统时发放：" + base
                       + "/api/v1/admin/partners",
        "endpoints": [{
            "specification": SPECIFICATION, "url": base + BASE_PATH, "changeset": changeset,
            "type": "production", "formats": [MEDIA_TYPES["xml"].split(";")[0],
                                              MEDIA_TYPES["json"].split(";")[0]],
        }],
    }
