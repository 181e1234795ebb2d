"""Staff sign-in under attack: lockouts per username and per client IP, the same answer for
accounts that do not exist, every attempt recorded; refresh and tokens of principals gone."""

from __future__ import annotations

import secrets
import time
from typing import Any

import httpx
import pytest

from hotline import ratelimit
from hotline import settings as settings_mod
from identity.staff import create_staff
from launch.seed import DEMO_PASSWORD
from models.audit import AuditEntry, LoginResult
from models.citizen import Citizen
from models.org import Staff, Unit
from tests.conftest import COMPLAINT, bearer, login_citizen


class Clock:
    """Stands in for the ``time`` module inside hotline.ratelimit."""

    def __init__(self) -> None:
        self.now = time.time()

    def time(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    fake = Clock()
    monkeypatch.setattr(ratelimit, "time", fake)
    return fake


async def login(client: httpx.AsyncClient, username: str, password: str) -> httpx.Response:
    return await client.post(
        "/api/v1/auth/staff-login", json={"username": username, "password": password}
    )


async def test_a_few_wrong_passwords_lock_the_account_even_for_the_right_one(client, settings):
    for _ in range(settings.staff_login_user_failures):
        assert (await login(client, "dispatcher", "wrong-pass")).status_code == 401
    right = await login(client, "dispatcher", DEMO_PASSWORD)
    assert right.status_code == 429
    assert right.headers["content-type"] == "application/problem+json"
    assert right.json()["code"] == "rate_limited"
    assert 1 <= int(right.headers["Retry-After"]) <= settings.staff_login_lock_s + 1
    wrong = await login(client, "dispatcher", "wrong-pass")
    assert (wrong.status_code, wrong.json()) == (429, right.json())


async def test_an_unknown_username_gets_the_very_same_answers(client, settings):
    def seen(r: httpx.Response) -> tuple[Any, ...]:
        return r.status_code, r.json(), "Retry-After" in r.headers

    n = settings.staff_login_user_failures + 2
    known = [seen(await login(client, "dispatcher", "wrong-pass")) for _ in range(n)]
    unknown = [seen(await login(client, "no-such-user", "wrong-pass")) for _ in range(n)]
    assert known == unknown
    assert [s[0] for s in known] == [401] * (n - 2) + [429, 429]


async def test_the_lockout_doubles_with_each_further_failure(client, settings, clock):
    base = settings.staff_login_lock_s
    for _ in range(settings.staff_login_user_failures):
        await login(client, "handler", "wrong-pass")
    r = await login(client, "handler", DEMO_PASSWORD)
    assert r.status_code == 429 and base - 1 <= int(r.headers["Retry-After"]) <= base + 1
    clock.advance(base + 1)
    assert (await login(client, "handler", "wrong-pass")).status_code == 401  # checked again
    r = await login(client, "handler", DEMO_PASSWORD)
    assert r.status_code == 429 and 2 * base - 1 <= int(r.headers["Retry-After"]) <= 2 * base + 1
    clock.advance(2 * base + 1)
    assert (await login(client, "handler", DEMO_PASSWORD)).status_code == 200
    # a success forgets the failures: a few more mistakes do not lock at once
    for _ in range(settings.staff_login_user_failures - 1):
        assert (await login(client, "handler", "wrong-pass")).status_code == 401
    assert (await login(client, "handler", DEMO_PASSWORD)).status_code == 200


async def test_one_client_ip_is_locked_after_failures_across_usernames(app, client, monkeypatch):
    monkeypatch.setattr(settings_mod.current(), "staff_login_ip_failures", 3)
    for i in range(3):
        assert (await login(client, f"guess-{i}", "wrong-pass")).status_code == 401
    assert (await login(client, "supervisor", DEMO_PASSWORD)).status_code == 429
    transport = httpx.ASGITransport(app=app, client=("198.51.100.20", 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as elsewhere:
        assert (await login(elsewhere, "supervisor", DEMO_PASSWORD)).status_code == 200


async def test_every_attempt_is_recorded_for_the_audit(client, settings):
    dispatcher = await Staff.get(username="dispatcher")
    await login(client, "dispatcher", DEMO_PASSWORD)
    await login(client, "nobody-here", "wrong-pass")
    for _ in range(settings.staff_login_user_failures):
        await login(client, "dispatcher", "wrong-pass")
    await login(client, "dispatcher", DEMO_PASSWORD)
    rows = await AuditEntry.filter(action="staff.login").order_by("seq")
    n = settings.staff_login_user_failures
    assert [r.after["result"] for r in rows] == (
        [LoginResult.success, LoginResult.unknown_user] + [LoginResult.wrong_password] * n
        + [LoginResult.locked]
    )
    assert {r.after["ip"] for r in rows} == {"203.0.113.7"}
    assert [r.actor_id for r in rows[:2]] == [dispatcher.id, None]
    assert rows[-1].actor_id == dispatcher.id and rows[-1].actor == "dispatcher"
    assert rows[1].actor == "nobody-here" and rows[1].target == "staff:nobody-here"
    assert all(r.at is not None for r in rows)


async def _fresh_staff() -> Staff:
    unit = await Unit.filter(parent_id=None).order_by("id").first()
    assert unit is not None
    return await create_staff(f"temp-{secrets.token_hex(4)}", DEMO_PASSWORD, ["handler"], unit)


async def test_refresh_refuses_a_deactivated_staff_member(client):
    member = await _fresh_staff()
    pair = (await login(client, member.username, DEMO_PASSWORD)).json()
    await Staff.filter(id=member.id).update(active=False)
    r = await client.post("/api/v1/auth/refresh", json={"refresh_token": pair["refresh_token"]})
    assert r.status_code == 401 and r.json()["code"] == "invalid_token"
    r = await client.get("/api/v1/staff/units", headers=bearer(pair["access_token"]))
    assert r.status_code == 401
    inactive = await login(client, member.username, DEMO_PASSWORD)
    assert inactive.status_code == 401
    mine = AuditEntry.filter(actor_id=member.id, action="staff.login")
    last = await mine.order_by("-seq").first()
    assert last is not None and last.after["result"] == LoginResult.inactive


async def test_refresh_refuses_a_citizen_who_is_gone(client):
    pair = await login_citizen(client, "13900002222")
    await Citizen.filter(id=pair["citizen"]["id"]).delete()
    r = await client.post("/api/v1/auth/refresh", json={"refresh_token": pair["refresh_token"]})
    assert r.status_code == 401


async def test_a_token_for_a_citizen_who_no_longer_exists_is_401_not_500(client):
    pair = await login_citizen(client, "13900003333")
    await Citizen.filter(id=pair["citizen"]["id"]).delete()
    auth = bearer(pair["access_token"])
    r = await client.post("/api/v1/cases", json=COMPLAINT, headers=auth)  # the hot path
    assert r.status_code == 401 and r.json()["code"] == "invalid_token"
    for path in ("/api/v1/cases/mine", "/api/v1/rewards/claims/mine"):
        assert (await client.get(path, headers=auth)).status_code == 401
    r = await client.post(
        "/api/v1/wechat/subscriptions", json={"results": {"tmpl-1": "accept"}}, headers=auth
    )
    assert r.status_code == 401
