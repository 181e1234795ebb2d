"""The public tracker locks a tracking number after N wrong query codes: while the lock lasts a
guesser cannot tell the right code from a wrong one."""

from __future__ import annotations

import time

import pytest

from hotline import ratelimit
from tests.conftest import COMPLAINT, bearer


class Clock:
    def __init__(self) -> None:
        self.now = time.time()

    def time(self) -> float:
        return self.now


async def _case(client, citizen_token) -> dict:
    r = await client.post("/api/v1/cases", json=COMPLAINT, headers=bearer(citizen_token))
    assert r.status_code == 201, r.text
    return r.json()


async def test_during_the_lock_right_and_wrong_codes_get_the_same_429(
    client, citizen_token, settings
):
    case = await _case(client, citizen_token)
    no, code = case["tracking_no"], case["query_code"]
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(settings.track_wrong_code_per_case_hourly):
        assert (await client.get(f"/api/v1/track/{no}?code={wrong}")).status_code == 404
    right = await client.get(f"/api/v1/track/{no}?code={code}")
    again = await client.get(f"/api/v1/track/{no}?code={wrong}")
    assert right.status_code == again.status_code == 429
    assert right.json() == again.json() and right.json()["code"] == "rate_limited"
    assert right.headers["content-type"] == "application/problem+json"
    assert abs(int(right.headers["Retry-After"]) - int(again.headers["Retry-After"])) <= 1
    assert int(right.headers["Retry-After"]) > settings.track_lock_s - 5


async def test_an_unknown_number_locks_the_same_way(client, settings):
    statuses = [
        (await client.get("/api/v1/track/20200101-000001?code=123456")).status_code
        for _ in range(settings.track_wrong_code_per_case_hourly + 1)
    ]
    assert statuses == [404] * settings.track_wrong_code_per_case_hourly + [429]


async def test_the_lock_ends(client, citizen_token, settings, monkeypatch: pytest.MonkeyPatch):
    clock = Clock()
    monkeypatch.setattr(ratelimit, "time", clock)
    case = await _case(client, citizen_token)
    no, code = case["tracking_no"], case["query_code"]
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(settings.track_wrong_code_per_case_hourly):
        await client.get(f"/api/v1/track/{no}?code={wrong}")
    assert (await client.get(f"/api/v1/track/{no}?code={code}")).status_code == 429
    clock.now += settings.track_lock_s + 1
    assert (await client.get(f"/api/v1/track/{no}?code={code}")).status_code == 200
