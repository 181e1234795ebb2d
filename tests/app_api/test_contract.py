"""The typed contract in /openapi.json: reply models, problem+json errors, and replies that
match their models field for field."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import httpx
from pydantic import BaseModel

from app_api.schemas.cases import CaseOut
from app_api.schemas.photos import PhotoOut
from app_api.schemas.problem import PROBLEM_MEDIA_TYPE
from tests.conftest import COMPLAINT, bearer, login_citizen, login_staff
from tests.media import fixtures as fx

PROBLEM = {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/ProblemOut"}}}
# error replies that are not problem+json on purpose: readiness keeps its own shape for
# probes, and WeChat expects the official account's plain-text "forbidden"
NOT_PROBLEMS = {
    ("get", "/readyz", "503"),
    ("get", "/wechat/official-account", "403"),
    ("post", "/wechat/official-account", "403"),
}
# operations whose success is not a JSON model: files, redirects, WeChat's own formats
NOT_JSON = {
    ("get", "/api/v1/photos/{photo_id}/{variant}"),
    ("get", "/api/v1/wechat/oauth/authorize"),
    ("get", "/api/v1/admin/rewards/export.csv"),
    ("get", "/api/v1/admin/audit.csv"),
    ("get", "/metrics"),
    ("get", "/api/v1/staff/search.csv"),
    ("get", "/api/v1/public/feeds/category/{code}.atom"),
    ("get", "/api/v1/public/feeds/region/{code}.atom"),
    ("get", "/wechat/official-account"),
    ("post", "/wechat/official-account"),
}
# Open311 GeoReport v2 answers in the spec's own XML and JSON shapes (and errors as its
# [{code, description}]), checked against the spec in tests/open311/
OPEN311 = "/open311/v2/"


def operations(doc: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method, path, op)
        for path, item in doc["paths"].items()
        for method, op in item.items()
        if method in ("get", "post", "put", "patch", "delete")
    ]


def test_every_error_is_problem_json_only(app: Any) -> None:
    doc = app.openapi()
    for method, path, op in operations(doc):
        for status, response in op["responses"].items():
            if (int(status) >= 400 and (method, path, status) not in NOT_PROBLEMS
                    and not path.startswith(OPEN311)):
                assert response["content"] == PROBLEM, (method, path, status)
    assert "HTTPValidationError" not in doc["components"]["schemas"]


def test_every_success_has_a_reply_model(app: Any) -> None:
    for method, path, op in operations(app.openapi()):
        if (method, path) in NOT_JSON or path.startswith(OPEN311):
            continue
        ok = [r for s, r in op["responses"].items() if s.startswith("2")]
        assert len(ok) == 1, (method, path)
        if "204" in op["responses"]:
            assert "content" not in ok[0], (method, path)  # no body to describe
            continue
        schema = ok[0]["content"]["application/json"]["schema"]
        ref = schema.get("$ref") or schema.get("items", {}).get("$ref")
        assert ref and ref.endswith("Out"), (method, path, schema)


def test_edge_statuses_are_declared(app: Any) -> None:
    for method, path, op in operations(app.openapi()):
        declared = set(op["responses"])
        if op.get("security"):
            assert "401" in declared, (method, path)
        if "application/json" in op.get("requestBody", {}).get("content", {}):
            assert {"400", "413", "422"} <= declared, (method, path)


def test_every_reply_model_describes_its_fields_and_has_an_example(app: Any) -> None:
    schemas = app.openapi()["components"]["schemas"]
    replies = {name: s for name, s in schemas.items() if name.endswith("Out")}
    assert len(replies) > 40
    for name, schema in replies.items():
        assert schema.get("examples"), name
        for field, prop in schema["properties"].items():
            assert prop.get("description"), (name, field)


def _fields(model: type[BaseModel]) -> set[str]:
    return {f.alias or name for name, f in model.model_fields.items()}


async def test_filing_replies_have_exactly_the_documented_fields(
    client: httpx.AsyncClient, citizen_token: str
) -> None:
    r = await client.post("/api/v1/cases", json=COMPLAINT, headers=bearer(citizen_token))
    assert r.status_code == 201
    assert set(r.json()) == _fields(CaseOut)
    CaseOut.model_validate(r.json())  # the nested models too: they forbid undeclared keys
    assert r.json()["query_code"] and r.json()["flags"] is None

    body = COMPLAINT | {"channel": "phone", "citizen": {"name": "王小明", "phone": "13900139000"}}
    operator = await login_staff(client, "operator")
    r = await client.post("/api/v1/intake/cases", json=body, headers=bearer(operator))
    assert r.status_code == 201
    assert set(r.json()) == _fields(CaseOut)
    CaseOut.model_validate(r.json())
    assert r.json()["query_code"] and r.json()["flags"] == []  # staff see the flags


async def test_photo_reply_has_exactly_the_documented_fields(client: httpx.AsyncClient) -> None:
    token = (await login_citizen(client, "13800138001"))["access_token"]
    jpeg = fx.make_jpeg(640, 480, gps=(30.2741, 120.1551), taken_at=datetime(2024, 5, 6, 7, 8))
    r = await client.post(
        "/api/v1/photos", files={"file": ("a.jpg", jpeg, "image/jpeg")}, headers=bearer(token)
    )
    assert r.status_code == 201, r.text
    assert set(r.json()) == _fields(PhotoOut)
    PhotoOut.model_validate(r.json())


async def test_fastapis_own_validation_errors_are_problem_json(client: httpx.AsyncClient) -> None:
    r = await client.get("/api/v1/staff/cases", params={"limit": "many"})
    assert r.status_code in (401, 422)
    r = await client.post("/api/v1/auth/sms-code", json={"phone": 13800138000})
    assert r.status_code == 422
    assert r.headers["content-type"] == PROBLEM_MEDIA_TYPE
    assert r.json()["code"] == "validation_error"
