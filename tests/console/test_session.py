"""Console sessions: cookie flags, sign-in throttle, logout and deactivation end them at once,
idle timeout, polling is not activity, role checks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx

from audit.log import Actor
from hotline import settings as settings_mod
from identity import staff_admin
from models.ops import RefreshToken
from models.org import Staff
from tests.console.helpers import ORIGIN, console_login, form_token, signed_in


async def test_login_sets_an_httponly_samesite_cookie(client: httpx.AsyncClient) -> None:
    r = await console_login(client, "handler")
    assert r.status_code == 303
    cookie = next(v for k, v in r.headers.multi_items()
                  if k == "set-cookie" and v.startswith("hotline_console="))
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/console" in cookie
    assert "Secure" not in cookie  # not production
    home = await client.get("/console/workbench", follow_redirects=False)
    assert home.status_code != 303 or "login" not in home.headers.get("location", "")


def test_secure_cookie_in_production(settings: object) -> None:
    from fastapi.responses import Response

    from console.session import set_cookie

    s = settings_mod.current()
    old = s.env
    object.__setattr__(s, "env", "production")
    try:
        response = Response()
        set_cookie(response, "hotline_console", "x")
    finally:
        object.__setattr__(s, "env", old)
    assert "Secure" in response.headers["set-cookie"]


async def test_pages_without_a_session_go_to_login(client: httpx.AsyncClient) -> None:
    r = await client.get("/console/", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/console/login?next=")
    r = await client.get("/console/session/ping", headers={"HX-Request": "true"})
    assert r.headers["HX-Redirect"].startswith("/console/login")


async def test_wrong_password_then_lockout(client: httpx.AsyncClient) -> None:
    r = await console_login(client, "handler", "wrong-password")
    assert r.status_code == 401 and "用户名或密码错误" in r.text
    for _ in range(10):
        r = await console_login(client, "handler", "wrong-password")
    assert r.status_code == 429 and "锁定" in r.text
    r = await console_login(client, "handler")  # the right password, while locked
    assert r.status_code == 429


async def test_logout_ends_the_session_at_once(client: httpx.AsyncClient) -> None:
    token = await signed_in(client, "handler")
    cookie = client.cookies.get("hotline_console")
    r = await client.post("/console/logout", data={"csrf_token": token}, headers=ORIGIN)
    assert r.status_code == 303
    # even a copy of the cookie kept by someone else is dead now
    client.cookies.set("hotline_console", cookie, path="/console")
    r = await client.get("/console/", follow_redirects=False)
    assert r.status_code == 303 and "login" in r.headers["location"]


async def test_deactivation_ends_the_session_at_once(
    client: httpx.AsyncClient, fresh_org: None
) -> None:
    await signed_in(client, "handler")
    staff = await Staff.get(username="handler")
    await staff_admin.update_staff(Actor("test"), staff.id, {"active": False})
    r = await client.get("/console/session/ping", headers={"HX-Request": "true",
                                                           "X-Console-Poll": "1"})
    assert r.headers["HX-Redirect"].startswith("/console/login")


async def test_idle_timeout_and_polling_is_not_activity(client: httpx.AsyncClient) -> None:
    await signed_in(client, "handler")
    row = await RefreshToken.get(subject__startswith="staff:", jti__startswith="web:")
    nearly = datetime.now(UTC) + timedelta(seconds=30)
    await RefreshToken.filter(jti=row.jti).update(expires_at=nearly)
    poll = {"HX-Request": "true", "X-Console-Poll": "1"}
    assert (await client.get("/console/session/ping", headers=poll)).status_code == 204
    assert (await RefreshToken.get(jti=row.jti)).expires_at == nearly  # not moved by polling
    assert (await client.get("/console/", follow_redirects=True)).status_code == 200
    assert (await RefreshToken.get(jti=row.jti)).expires_at > nearly + timedelta(minutes=20)
    await RefreshToken.filter(jti=row.jti).update(expires_at=datetime.now(UTC))
    r = await client.get("/console/", follow_redirects=False)
    assert r.status_code == 303 and "login" in r.headers["location"]


async def test_next_only_leads_inside_the_console(client: httpx.AsyncClient) -> None:
    page = await client.get("/console/login")
    r = await client.post("/console/login", headers=ORIGIN, data={
        "username": "handler", "password": "hotline-demo-2026",
        "csrf_token": form_token(page.text), "next": "https://evil.example/"})
    assert r.status_code == 303 and r.headers["location"] == "/console/"
