"""A staff member's own password change is throttled like signing in: the old password cannot
be guessed through it."""

from __future__ import annotations

from launch.seed import DEMO_PASSWORD
from tests.conftest import bearer, login_staff


async def test_wrong_old_passwords_lock_the_username_as_sign_in_failures_do(
    client, settings, fresh_org
):
    token = await login_staff(client, "operator", fresh=True)
    body = {"old_password": "not-the-password", "new_password": "Another-pass-2026"}
    for _ in range(settings.staff_login_user_failures):
        r = await client.post("/api/v1/auth/staff-password", json=body, headers=bearer(token))
        assert r.status_code == 422 and r.json()["code"] == "wrong_password"
    right = {"old_password": DEMO_PASSWORD, "new_password": "Another-pass-2026"}
    r = await client.post("/api/v1/auth/staff-password", json=right, headers=bearer(token))
    assert r.status_code == 429 and "Retry-After" in r.headers
    r = await client.post("/api/v1/auth/staff-login",
                          json={"username": "operator", "password": DEMO_PASSWORD})
    assert r.status_code == 429  # the same lock as signing in
