"""Partner systems as administrators register them: a key and a webhook secret shown once and
kept only as a keyed digest and a sealed secret, scopes, unit scope, webhook targets checked,
deactivation refusing the key at once, and every write in the audit log."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from hotline import settings as settings_mod
from hotline.crypto import decrypt
from hotline.errors import Forbidden, Unauthorized
from models.audit import AuditEntry
from models.org import Unit
from models.partner import Partner
from partners import keys, targets
from tests.conftest import bearer, login_staff

API = "/api/v1"
GRID = {"name": "省平安建设网格系统", "scopes": ["cases:create", "cases:read"],
        "webhook_url": "https://grid.example.gov.cn/hooks/12345"}


async def call(client: httpx.AsyncClient, token: str, method: str, path: str,
               body: Any = None, status: int = 200) -> Any:
    r = await client.request(method, API + path, json=body, headers=bearer(token))
    assert r.status_code == status, r.text
    return r.json()


@pytest.fixture
async def admin(client: httpx.AsyncClient) -> str:
    return await login_staff(client, "admin")


@pytest.fixture
def allow_private(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(settings_mod.current(), "webhook_allow_private", True)


async def test_a_partner_is_registered_with_a_key_and_secret_shown_once(client, admin):
    made = await call(client, admin, "POST", "/admin/partners", GRID, 201)
    assert made["api_key"].startswith("hlp_") and made["webhook_secret"].startswith("whsec_")
    assert made["scopes"] == ["cases:create", "cases:read"] and made["active"] is True
    assert made["unit"] is None

    row = await Partner.get(id=made["id"])
    assert made["api_key"] not in row.key_digest
    assert row.key_digest == keys.digest(made["api_key"])  # keyed: not a plain sha256
    assert decrypt(row.webhook_secret_enc) == made["webhook_secret"]
    assert made["webhook_secret"] not in row.webhook_secret_enc

    listed = await call(client, admin, "GET", "/admin/partners")
    assert [p["id"] for p in listed["items"]] == [made["id"]]
    assert "api_key" not in listed["items"][0] and "webhook_secret" not in listed["items"][0]

    entry = await AuditEntry.get(action="partner.create", target=f"partner:{made['id']}")
    assert entry.after is not None and entry.after["name"] == GRID["name"]
    logged = str(entry.after)
    assert made["api_key"] not in logged and made["webhook_secret"] not in logged


async def test_authenticate_checks_key_scope_and_active(client, admin):
    made = await call(client, admin, "POST", "/admin/partners",
                      GRID | {"scopes": ["cases:read"]}, 201)
    partner = await keys.authenticate(made["api_key"], "cases:read")
    assert partner.id == made["id"]
    assert keys.principal(partner).scope_key == f"partner:{made['id']}"
    with pytest.raises(Forbidden) as missing:
        await keys.authenticate(made["api_key"], "cases:create")
    assert missing.value.code == "scope_missing"
    for wrong in (None, "", "hlp_not-a-key", made["api_key"] + "x", "密钥"):
        with pytest.raises(Unauthorized):
            await keys.authenticate(wrong, "cases:read")

    await call(client, admin, "PATCH", f"/admin/partners/{made['id']}", {"active": False})
    with pytest.raises(Unauthorized):
        await keys.authenticate(made["api_key"], "cases:read")
    entry = await AuditEntry.get(action="partner.update", target=f"partner:{made['id']}")
    assert entry.before == {"active": True} and entry.after == {"active": False}


async def test_patch_changes_only_what_is_given(client, admin):
    made = await call(client, admin, "POST", "/admin/partners", GRID, 201)
    unit = await Unit.get(code="HZ12345")
    got = await call(client, admin, "PATCH", f"/admin/partners/{made['id']}",
                     {"scopes": ["events", "cases:create"], "unit_id": unit.id,
                      "webhook_url": None})
    assert got["scopes"] == ["cases:create", "events"]
    assert got["unit"] == {"id": unit.id, "name": unit.name} and got["webhook_url"] is None
    assert got["name"] == GRID["name"]
    await call(client, admin, "PATCH", "/admin/partners/999999", {"active": False}, 404)
    bad = await call(client, admin, "PATCH", f"/admin/partners/{made['id']}",
                     {"name": None}, 422)
    assert bad["code"] == "validation_error"


@pytest.mark.parametrize("url", [
    "http://127.0.0.1:8080/hook", "http://localhost/hook", "https://10.1.2.3/x",
    "http://192.168.1.10/x", "http://172.16.0.1/x", "http://169.254.169.254/latest",
    "http://[::1]/x", "http://[::ffff:10.0.0.1]/x", "http://0.0.0.0/x", "http://100.64.0.1/x",
    "http://printer.local/x",
])
async def test_private_webhook_targets_are_refused(client, admin, url):
    got = await call(client, admin, "POST", "/admin/partners", GRID | {"webhook_url": url}, 422)
    assert got["code"] == "webhook_target_private"
    assert await Partner.all().count() == 0


@pytest.mark.parametrize("url", ["ftp://grid.example.gov.cn/x", "grid.example.gov.cn/x",
                                 "https://user:pw@grid.example.gov.cn/", "http://h:port/"])
async def test_webhook_urls_must_be_plain_http(client, admin, url):
    got = await call(client, admin, "POST", "/admin/partners", GRID | {"webhook_url": url}, 422)
    assert got["code"] == "invalid_webhook_url"


async def test_private_targets_allowed_by_the_setting(client, admin, allow_private):
    made = await call(client, admin, "POST", "/admin/partners",
                      GRID | {"webhook_url": "http://127.0.0.1:9000/hook"}, 201)
    assert made["webhook_url"] == "http://127.0.0.1:9000/hook"
    assert targets.check_webhook_url("https://8.8.8.8/x") == "https://8.8.8.8/x"


async def test_bad_bodies_are_422(client, admin):
    for body in ({"name": "x", "scopes": []}, {"name": "x", "scopes": ["cases:delete"]},
                 {"scopes": ["events"]}, GRID | {"api_key": "mine"}, GRID | {"unit_id": 2**40}):
        await call(client, admin, "POST", "/admin/partners", body, 422)


async def test_a_city_admin_administers_its_units_partners_only(client, admin):
    city = await login_staff(client, "admin_hz")
    hz, other = await Unit.get(code="HZ12345"), await Unit.get(code="ZJ12345")
    refused = await call(client, city, "POST", "/admin/partners", GRID, 403)
    assert refused["code"] == "province_admin_only"
    await call(client, city, "POST", "/admin/partners", GRID | {"unit_id": other.id}, 422)
    mine = await call(client, city, "POST", "/admin/partners", GRID | {"unit_id": hz.id}, 201)
    province = await call(client, admin, "POST", "/admin/partners", GRID, 201)
    listed = await call(client, city, "GET", "/admin/partners")
    assert [p["id"] for p in listed["items"]] == [mine["id"]]
    await call(client, city, "PATCH", f"/admin/partners/{province['id']}", {"active": False}, 404)
    await call(client, city, "PATCH", f"/admin/partners/{mine['id']}", {"unit_id": None}, 403)
    everyone = await call(client, admin, "GET", "/admin/partners")
    assert len(everyone["items"]) == 2
    handler = await login_staff(client, "handler")
    await call(client, handler, "GET", "/admin/partners", status=403)
