"""Every console write needs the session's form token AND a same-site Origin/Referer."""

from __future__ import annotations

import httpx

from tests.console.helpers import ORIGIN, form_token, signed_in


async def test_login_without_the_form_token_is_refused(client: httpx.AsyncClient) -> None:
    r = await client.post("/console/login", headers=ORIGIN,
                          data={"username": "handler", "password": "hotline-demo-2026"})
    assert r.status_code == 403 and "安全校验" in r.text
    assert "hotline_console=" not in r.headers.get("set-cookie", "")


async def test_a_cross_site_post_is_refused(client: httpx.AsyncClient) -> None:
    token = await signed_in(client, "handler")
    r = await client.post("/console/logout", data={"csrf_token": token},
                          headers={"Origin": "https://evil.example"})
    assert r.status_code == 403
    r = await client.post("/console/logout", data={"csrf_token": token})  # no Origin/Referer
    assert r.status_code == 403
    r = await client.post("/console/logout", data={"csrf_token": "0" * 64}, headers=ORIGIN)
    assert r.status_code == 403
    # still signed in: nothing happened
    assert (await client.get("/console/", follow_redirects=True)).url.path != "/console/login"
    r = await client.post("/console/logout", data={"csrf_token": token},
                          headers={"Referer": "http://testserver/console/"})
    assert r.status_code == 303


async def test_the_token_also_travels_in_the_htmx_header(client: httpx.AsyncClient) -> None:
    token = await signed_in(client, "handler")
    page = await client.get("/console/", follow_redirects=True)
    assert f'"X-CSRF-Token": "{token}"' in page.text
    r = await client.post("/console/logout", headers=ORIGIN | {"X-CSRF-Token": token})
    assert r.status_code == 303


async def test_api_errors_stay_problem_json(client: httpx.AsyncClient) -> None:
    r = await client.get("/api/v1/cases/nope")
    assert r.headers["content-type"].startswith("application/problem+json")
    r = await client.get("/console/nope-not-here")
    assert r.status_code in (303, 404) and "problem" not in r.headers.get("content-type", "")
    assert form_token  # imported helper used elsewhere
