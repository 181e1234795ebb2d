"""POST /cases decodes and validates its body in one pass (app_api.lean.LeanRoute).

What a client sees must be what FastAPI's own body handling gives: the same statuses, problem
codes and error locations, the same strict content type, the same OpenAPI, nothing written.
"""

from __future__ import annotations

import json

import pytest

from app_api.lean import is_json
from tests.casework.test_intake import counts
from tests.conftest import COMPLAINT, bearer

JSON = "application/json"

# body, content type -> status, problem code, error locations
BAD_BODIES = {
    "empty": (b"", JSON, 422, "validation_error", [["body"]]),
    "no content type": (b'{"kind": "complaint"}', None, 422, "validation_error", [["body"]]),
    "text/plain": (b'{"kind": "complaint"}', "text/plain", 422, "validation_error", [["body"]]),
    "form": (b"kind=complaint", "application/x-www-form-urlencoded", 422, "validation_error",
             [["body"]]),
    "malformed": (b'{"kind": "compl', JSON, 400, "malformed_json", [["body", "9"]]),
    "not utf-8": (b'{"kind": "\xff"}', JSON, 400, "http_error", None),
    "array": (b'["a"]', JSON, 422, "validation_error", [["body"]]),
    "null": (b"null", JSON, 422, "validation_error", [["body"]]),
    "missing fields": (b"{}", "application/json; charset=utf-8", 422, "validation_error",
                       [["body", "kind"], ["body", "category_code"], ["body", "content"]]),
    "wrong types": (
        b'{"kind": 5, "category_code": [], "content": {}, "location": {"lat": "x"}}',
        "application/vnd.hotline+json", 422, "validation_error",
        [["body", "kind"], ["body", "category_code"], ["body", "content"],
         ["body", "location", "lat"], ["body", "location", "lng"]],
    ),
}  # fmt: skip


@pytest.mark.parametrize("name", list(BAD_BODIES))
async def test_bad_bodies_get_fastapis_answers_and_write_nothing(client, citizen_token, name):
    body, content_type, status, code, locations = BAD_BODIES[name]
    headers = bearer(citizen_token) | ({"Content-Type": content_type} if content_type else {})
    r = await client.post("/api/v1/cases", content=body, headers=headers)
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == "application/problem+json"
    problem = r.json()
    assert problem["code"] == code
    assert [e["loc"] for e in problem.get("errors", [])] == (locations or [])
    if name in ("no content type", "text/plain", "form", "array", "null"):  # FastAPI's wording
        assert problem["errors"][0]["type"] == "model_attributes_type"
    assert await counts() == (0, 0, 0)


async def test_a_json_suffix_type_with_parameters_is_read_as_json(client, citizen_token):
    headers = bearer(citizen_token) | {
        "Content-Type": "application/vnd.hotline+json; charset=UTF-8"
    }
    r = await client.post("/api/v1/cases", json=COMPLAINT, headers=headers)
    assert r.status_code == 201, r.text
    assert await counts() == (1, 1, 1)


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16", "utf-32"])
async def test_a_bom_or_utf16_body_is_read_as_fastapi_reads_it(client, citizen_token, encoding):
    body = json.dumps(COMPLAINT, ensure_ascii=False).encode(encoding)
    headers = bearer(citizen_token) | {"Content-Type": "application/json"}
    r = await client.post("/api/v1/cases", content=body, headers=headers)
    assert r.status_code == 201, r.text
    assert r.json()["content"] == COMPLAINT["content"]


def test_json_content_types():
    assert is_json("application/json") and is_json("Application/JSON; charset=utf-8")
    assert is_json("application/problem+json")
    assert not is_json(None) and not is_json("") and not is_json("text/json")
    assert not is_json("application/jsonx") and not is_json("multipart/form-data")


async def test_openapi_still_documents_the_body_and_its_security(client):
    spec = (await client.get("/openapi.json")).json()
    op = spec["paths"]["/api/v1/cases"]["post"]
    schema = op["requestBody"]["content"]["application/json"]["schema"]
    assert schema == {"$ref": "#/components/schemas/CaseIn"}
    assert {"bearer": []} in op["security"] and {"device_key": []} in op["security"]
    assert "201" in op["responses"] and "422" in op["responses"]


async def test_a_client_gone_mid_body_is_a_400_and_no_error(app, citizen_token, caplog):
    messages = iter(
        [
            {"type": "http.request", "body": b'{"kind": "compl', "more_body": True},
            {"type": "http.disconnect"},
        ]
    )
    sent: list[dict] = []

    async def receive() -> dict:
        return next(messages)

    async def send(message: dict) -> None:
        sent.append(message)

    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST",
        "scheme": "http", "path": "/api/v1/cases", "raw_path": b"/api/v1/cases",
        "query_string": b"", "root_path": "", "client": ("127.0.0.1", 1), "server": None,
        "headers": [
            (b"authorization", f"Bearer {citizen_token}".encode()),
            (b"content-type", b"application/json"),
        ],
    }  # fmt: skip
    await app(scope, receive, send)
    assert sent[0]["type"] == "http.response.start" and sent[0]["status"] == 400
    assert not [r for r in caplog.records if r.levelname == "ERROR"]
    assert await counts() == (0, 0, 0)
