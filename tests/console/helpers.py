"""Signing in to the console from httpx, as a browser would (cookies, form token, Origin)."""

from __future__ import annotations

import re

import httpx

from launch.seed import DEMO_PASSWORD

ORIGIN = {"Origin": "http://testserver"}


def form_token(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "the page has no form token"
    return found.group(1)


async def console_login(client: httpx.AsyncClient, username: str,
                        password: str = DEMO_PASSWORD) -> httpx.Response:
    page = await client.get("/console/login")
    assert page.status_code == 200
    return await client.post(
        "/console/login",
        data={"username": username, "password": password, "csrf_token": form_token(page.text),
              "next": "/console/"},
        headers=ORIGIN,
    )


async def signed_in(client: httpx.AsyncClient, username: str) -> str:
    """Sign in; returns the session's form token (read from the start page)."""
    r = await console_login(client, username)
    assert r.status_code == 303, r.text
    page = await client.get("/console/", follow_redirects=True)
    assert page.status_code == 200, page.text
    return form_token(page.text)
