"""Inputs the fuzzer found answering 500 in the error mapping's reach: each is now a 4xx."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from app_api.schemas.problem import PROBLEM_MEDIA_TYPE
from hotline.errors import ValidationProblem
from rewards.programs import to_fen
from tests.conftest import bearer, login_staff
from tests.fakes.wechat_api import FakeWeChat
from tests.wechat.support import wx_fixture  # noqa: F401  (fixture wx)


@pytest.fixture
async def quiet_client(app: Any) -> Any:
    """An unhandled error comes back as the client's 500 instead of raising in the test."""
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c


async def test_a_value_no_column_can_hold_is_a_4xx(quiet_client: httpx.AsyncClient) -> None:
    token = await login_staff(quiet_client, "dispatcher")
    r = await quiet_client.get(f"/api/v1/staff/cases/{'9' * 300}/routing", headers=bearer(token))
    assert r.status_code in (404, 422)
    assert r.headers["content-type"] == PROBLEM_MEDIA_TYPE


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/staff/cases/a%00b/routing",  # PostgreSQL refuses NUL in text
        "/api/v1/staff/cases?unit_id=18446744073709551616",  # past int64 and SQLite INTEGER
    ],
)
async def test_a_value_the_database_refuses_is_a_4xx(
    quiet_client: httpx.AsyncClient, url: str
) -> None:
    token = await login_staff(quiet_client, "admin")
    r = await quiet_client.get(url, headers=bearer(token))
    assert 400 <= r.status_code < 500
    assert r.headers["content-type"] == PROBLEM_MEDIA_TYPE


async def test_a_non_ascii_official_account_signature_is_refused(
    quiet_client: httpx.AsyncClient, wx: FakeWeChat
) -> None:
    params = {"signature": "签名", "timestamp": "1", "nonce": "n", "echostr": "e"}
    r = await quiet_client.get("/wechat/official-account", params=params)
    assert r.status_code == 403


async def test_a_non_ascii_oauth_cookie_is_refused(
    quiet_client: httpx.AsyncClient, wx: FakeWeChat
) -> None:
    cookie = "hotline_wx_oauth=e30.签名".encode()
    state = "1" * 10 + "a" * 40
    r = await quiet_client.get(
        "/api/v1/wechat/oauth/callback", params={"code": "c", "state": state},
        headers={b"cookie": cookie},  # raw bytes: the value is not ASCII
    )
    assert r.status_code == 403


@pytest.mark.parametrize("amount", [2.4e39, "1e400", "-1e400"])
def test_an_absurd_reward_amount_is_a_validation_problem(amount: object) -> None:
    with pytest.raises(ValidationProblem):
        to_fen(amount)


async def test_a_problem_echoing_a_huge_integer_is_still_rendered(
    quiet_client: httpx.AsyncClient, citizen_token: str
) -> None:
    from tests.conftest import COMPLAINT

    r = await quiet_client.post(
        "/api/v1/cases", json=COMPLAINT | {"photo_ids": [2**64]}, headers=bearer(citizen_token)
    )
    assert r.status_code == 422
    assert r.headers["content-type"] == PROBLEM_MEDIA_TYPE
