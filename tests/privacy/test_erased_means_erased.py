"""Erased means erased: after DELETE /me the database holds none of the person's identity.

A real-name citizen files cases (one with a reward claim paid, one still open), rates, uploads
photos, gets messages and binds WeChat; then deletes the account. The database is searched for
the phone, the name and the ID number in plaintext (and as JSON escapes), for their keyed lookup
hashes, for the WeChat identifiers, and for every sealed value that had been stored for them.
On SQLite the database file itself is read, bytes and all (``secure_delete`` zeroes what was
freed; the WAL is checkpointed first); on PostgreSQL every text and JSON column of every table
is scanned.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

from tortoise.connection import get_connection

from hotline.crypto import decrypt, lookup_hash
from models.case import Case
from models.citizen import Citizen
from models.outbox import OutboxMessage
from models.reward import RewardClaim
from tests.conftest import bearer
from tests.privacy.support import person_with_history
from tests.rewards.support import prog_fixture, staffs_fixture  # noqa: F401 (fixtures)

PHONE, NAME, ID_NUMBER = "13687650421", "司马晓蕾", "110105199203157627"


async def _needles(citizen_id: int, case_nos: list[str]) -> dict[str, str]:
    """Every form in which the person's identity was stored, labelled."""
    me = await Citizen.get(id=citizen_id)
    found: dict[str, str] = {
        "phone": PHONE,
        "name": NAME,
        "name as a JSON escape": json.dumps(NAME)[1:-1],
        "id number": ID_NUMBER,
        "phone lookup hash": lookup_hash(PHONE),
    }
    for attr in ("phone_enc", "name_enc", "id_number_enc", "id_number_hash", "openid_mini",
                 "unionid", "session_key_enc"):
        value = getattr(me, attr)
        assert value, f"the test citizen should have {attr}"
        found[f"citizen.{attr}"] = value
    found["session key"] = decrypt(me.session_key_enc) or ""
    for case in await Case.filter(tracking_no__in=case_nos):
        for attr in ("contact_phone_enc", "contact_phone_hash", "contact_name_enc"):
            if getattr(case, attr):
                found[f"case {case.tracking_no}.{attr}"] = getattr(case, attr)
    for claim in await RewardClaim.filter(citizen_id=citizen_id):
        if claim.phone_hash:
            found[f"claim {claim.id}.phone_hash"] = claim.phone_hash
    for row in await OutboxMessage.all():
        if row.address_enc and decrypt(row.address_enc) == PHONE:
            found[f"outbox {row.id}.address_enc"] = row.address_enc
            found[f"outbox {row.id}.params_enc"] = row.params_enc
    return found


def _file_bytes(path: Path) -> bytes:
    """The database file and its write-ahead log, as stored."""
    wal = path.with_name(path.name + "-wal")
    return path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")


async def _sqlite_leftovers(path: Path, needles: dict[str, str]) -> list[str]:
    conn = get_connection("default")
    # freed pages and cells are zeroed (hotline.db sets it; some builds default to it)
    assert (await conn.execute_query_dict("PRAGMA secure_delete"))[0]["secure_delete"] == 1
    await conn.execute_query("PRAGMA wal_checkpoint(TRUNCATE)")
    data = await asyncio.to_thread(_file_bytes, path)
    return [label for label, value in needles.items() if value.encode() in data]


async def _postgres_leftovers(needles: dict[str, str]) -> list[str]:
    conn = get_connection("default")
    columns = await conn.execute_query_dict(
        "SELECT table_name, column_name FROM information_schema.columns "
        "WHERE table_schema = 'public' "
        "AND data_type IN ('text', 'character varying', 'character', 'json', 'jsonb')"
    )
    assert len(columns) > 50  # every table of the schema, not an empty list
    leftovers = []
    for col in columns:
        table, column = col["table_name"], col["column_name"]
        for label, value in needles.items():
            rows = await conn.execute_query_dict(
                f'SELECT count(*) AS n FROM "{table}" WHERE strpos("{column}"::text, $1) > 0',
                [value],
            )
            if rows[0]["n"]:
                leftovers.append(f"{label} in {table}.{column}")
    return leftovers


async def leftovers(settings: Any, needles: dict[str, str]) -> list[str]:
    url = settings.effective_database_url
    if url.startswith("sqlite://"):
        return await _sqlite_leftovers(Path(url.removeprefix("sqlite://").split("?")[0]), needles)
    return await _postgres_leftovers(needles)


async def test_after_deletion_the_database_holds_no_trace_of_the_person(
    client, prog, staffs, settings
):
    p = await person_with_history(
        client, staffs, settings, phone=PHONE, name=NAME, id_number=ID_NUMBER
    )
    needles = await _needles(p.citizen_id, [p.open_no, p.paid_no, p.complaint_no])
    assert any(k.startswith("outbox") for k in needles)
    assert any(".contact_phone_enc" in k for k in needles)
    # the search finds them while the account exists (so it can find them at all)
    before = await leftovers(settings, needles)
    assert {"phone lookup hash", "citizen.phone_enc", "citizen.id_number_hash",
            "citizen.name_enc", "citizen.openid_mini"} <= set(
        label.split(" in ")[0] for label in before
    ), before

    r = await client.delete("/api/v1/me", headers=bearer(p.access))
    assert r.status_code == 204

    assert await leftovers(settings, needles) == []
    if settings.redis_url:  # rate-limit counters keyed by the phone's lookup hash
        import redis.asyncio as redis

        client_ = redis.from_url(settings.redis_url)
        try:
            assert [k async for k in client_.scan_iter(match=f"*{lookup_hash(PHONE)}*")] == []
        finally:
            await client_.aclose()
    # the cases are still there
    assert await Case.filter(tracking_no__in=[p.open_no, p.paid_no, p.complaint_no]).count() == 3
