"""Test harness: one real database per run (SQLite, or PostgreSQL when
HOTLINE_TEST_POSTGRES_URL is set), migrated and seeded once; every test starts from clean
transactional tables. Redis is used for real when HOTLINE_TEST_REDIS_URL is set."""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from tortoise.connection import get_connection

from app_api.app import create_app
from audit import guard as audit_guard
from hotline import db, generations, ratelimit
from hotline.crypto import decrypt
from hotline.settings import Settings
from identity.phones import normalize_mobile

TRANSACTIONAL_TABLES = [
    "reward_audit",
    "reward_payout",
    "reward_photo",
    "reward_monthly",
    "UPDATE reward_claim SET duplicate_of_id = NULL",
    "reward_claim",
    "reward_program",
    "wechat_access_token",
    "wechat_subscription_consent",
    "wechat_seen_message",
    "wechat_chat_draft",
    "digest_run",
    "outbox_message",
    "case_alert",
    "case_task",
    "rating",
    "case_event",
    "photo",
    "case_search",
    "follower_rating",
    "case_follow",
    "kb_precheck",
    "partner_submission",
    "partner_case",
    "publication",
    "supervision_notice",
    'UPDATE "case" SET parent_id = NULL',
    '"case"',
    "idempotency_record",
    "rate_bucket",
    "refresh_token",
    "sms_code",
    "real_name_verification",
    "citizen",
    "daily_counter",
    "device",
    "partner",
]


def _postgres_url() -> str | None:
    return os.environ.get("HOTLINE_TEST_POSTGRES_URL") or None


@pytest.fixture(scope="session")
def tmp_var() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="hotline-test-") as var:
        yield Path(var)


@pytest.fixture(scope="session")
async def settings(tmp_var: Path) -> AsyncIterator[Settings]:
    async with contextlib.AsyncExitStack() as stack:
        pg = _postgres_url()
        if pg:
            url = await stack.enter_async_context(db.scratch_database(pg, "hotline_test"))
        else:
            url = f"sqlite://{tmp_var / 'test.sqlite3'}"
        yield _test_settings(tmp_var, url)


def _test_settings(tmp_var: Path, url: str) -> Settings:
    return Settings(
        env="test",
        var_dir=tmp_var,
        database_url=url,
        secret_key="test-secret-key-0123456789abcdef",
        data_key="test-data-key-0123456789abcdef",
        redis_url=os.environ.get("HOTLINE_TEST_REDIS_URL", ""),
        run_workers=False,
    )


@pytest.fixture(scope="session")
async def app(settings: Settings) -> AsyncIterator[Any]:
    from casework.calendar_store import seed_from_chinese_calendar
    from launch.seed import seed_demo

    application = create_app(settings, manage_db=False)
    await db.migrate(settings)
    await db.close_db()
    await db.init_db(settings)
    await seed_from_chinese_calendar()
    await seed_demo(knowledge_required=False)  # the demo items may not exist yet
    # the test Redis database outlives a run: counters of an earlier run within the same
    # window (the same demo phones logging in) would throttle this one
    await reset_rate_limits(settings)
    yield application
    await ratelimit.reset_redis()
    await db.close_db()


async def _clean_transactional(settings: Settings) -> None:
    conn = get_connection("default")
    for table in TRANSACTIONAL_TABLES:
        sql = table if table.startswith("UPDATE") else f"DELETE FROM {table}"
        await conn.execute_script(sql)
    await audit_guard.wipe()  # the audit log refuses DELETE: its one maintenance path
    await reset_rate_limits(settings)
    from casework import calendar_store, reference

    reference.invalidate()
    calendar_store.invalidate()
    generations.drop_local(generations.PUBLICATION)  # rows deleted under cached replies
    from open311 import rows as open311_rows

    open311_rows.clear()  # row keys start again in the emptied tables


@pytest.fixture(autouse=True)
async def clean(app: Any, settings: Settings) -> AsyncIterator[None]:
    await _clean_transactional(settings)
    yield


# The organisation (units, staff, categories, routing rules, the calendar) is seeded once per
# session and not cleaned between tests. A test that changes it takes ``fresh_org``: afterwards
# every row the test added is removed and every seeded row it changed is put back.
ORG_TABLES = ("routing_rule", "staff", "unit", "category", "calendar_day", "calendar_year")


@pytest.fixture
async def fresh_org(app: Any, settings: Settings) -> AsyncIterator[None]:
    conn = get_connection("default")
    saved = {
        t: [dict(r) for r in (await conn.execute_query(f"SELECT * FROM {t}"))[1]]
        for t in ORG_TABLES
    }
    yield
    await _clean_transactional(settings)  # cases and devices may refer to the test's units
    await conn.execute_script("UPDATE unit SET parent_id = NULL")
    await conn.execute_script("UPDATE category SET parent_id = NULL")
    for table in ORG_TABLES:
        await conn.execute_script(f"DELETE FROM {table}")
    for table in reversed(ORG_TABLES):
        for row in saved[table]:
            row = row | ({"parent_id": None} if table in ("unit", "category") else {})
            columns = ", ".join(f'"{n}"' for n in row)
            marks = ", ".join(db.placeholders(conn, len(row)))
            await conn.execute_query(
                f"INSERT INTO {table} ({columns}) VALUES ({marks})", list(row.values())
            )
    for table, key in (("unit", "id"), ("category", "code")):
        for row in saved[table]:
            if row["parent_id"] is not None:
                await conn.execute_query(
                    db.dialect_sql(conn, f"UPDATE {table} SET parent_id = ? WHERE {key} = ?"),
                    [row["parent_id"], row[key]],
                )
    await _clean_transactional(settings)


async def reset_rate_limits(settings: Settings) -> None:
    await get_connection("default").execute_script("DELETE FROM rate_bucket")
    ratelimit.drop_batched()  # the process's batched counts go with the table's rows
    if settings.redis_url:
        import redis.asyncio as redis

        client = redis.from_url(settings.redis_url)
        keys = [k async for k in client.scan_iter("hotline:*")]
        if keys:
            await client.delete(*keys)
        await client.aclose()


@pytest.fixture
async def client(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, client=("203.0.113.7", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c


async def last_sms_text(phone: str) -> dict[str, Any]:
    """Parameters of the newest SMS queued to ``phone`` (read back from the outbox)."""
    from models.outbox import OutboxMessage

    for row in await OutboxMessage.filter(channel="sms").order_by("-id"):
        if decrypt(row.address_enc) == phone:
            return {"template": row.template, **json.loads(decrypt(row.params_enc) or "{}")}
    raise AssertionError(f"no SMS queued to {phone}")


async def login_citizen(client: httpx.AsyncClient, phone: str) -> dict[str, Any]:
    r = await client.post("/api/v1/auth/sms-code", json={"phone": phone})
    assert r.status_code == 202, r.text
    code = (await last_sms_text(normalize_mobile(phone)))["code"]
    r = await client.post("/api/v1/auth/sms-login", json={"phone": phone, "code": code})
    assert r.status_code == 200, r.text
    return r.json()


# username -> (staff id, access token): one password check per account per run. Access tokens
# are stateless JWTs (an hour long), so they outlive the per-test cleaning of refresh tokens;
# staff rows are not cleaned, and a token is reused only while its account is still that one.
_staff_tokens: dict[str, tuple[int, str]] = {}


async def login_staff(client: httpx.AsyncClient, username: str, *, fresh: bool = False) -> str:
    """An access token of a demo staff account (password ``DEMO_PASSWORD``), made once per
    session; ``fresh`` logs in anew (for a test about logging in)."""
    from launch.seed import DEMO_PASSWORD
    from models.org import Staff

    cached = None if fresh else _staff_tokens.get(username)
    if cached is not None and await Staff.exists(
        id=cached[0], username=username, active=True, sessions_revoked_at=None
    ):
        return cached[1]
    r = await client.post(
        "/api/v1/auth/staff-login", json={"username": username, "password": DEMO_PASSWORD}
    )
    assert r.status_code == 200, r.text
    reply = r.json()
    _staff_tokens[username] = (reply["staff"]["id"], reply["access_token"])
    return reply["access_token"]


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
async def citizen_token(client: httpx.AsyncClient) -> str:
    return (await login_citizen(client, "13800138000"))["access_token"]


COMPLAINT = {
    "kind": "complaint",
    "category_code": "ENV-NOISE",
    "content": "小区旁边工地夜间施工噪音很大，影响休息。",
    "location": {
        "lat": 30.2741,
        "lng": 120.1551,
        "address": "杭州市西湖区文三路",
        "region_code": "330106",
    },
}
