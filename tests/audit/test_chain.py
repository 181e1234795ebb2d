"""The audit log is one hash chain the database will not let anyone edit, and a broken link is
found wherever it is."""

from __future__ import annotations

import pytest
from tortoise.connection import get_connection
from tortoise.transactions import in_transaction

from audit import guard, queries
from audit.log import NO_UNIT, Actor, Entry, record, record_alone, record_many
from hotline import chain
from hotline.db import dialect_sql
from identity.principal import Principal
from models.audit import AuditEntry, AuditHead

ROOT_ADMIN = Principal(kind="staff", id=1, roles=frozenset({"admin"}), unit_path="/1/",
                       name="admin")


async def _three() -> None:
    alice = Actor("alice", 7)
    await record_alone(alice, "unit.create", "unit:12", scope_path="/1/2/",
                       after={"name": "新单位", "code": "HZ-NEW"})
    async with in_transaction() as conn:
        await record_many(conn, [
            Entry(alice, "case.file", "case:20261201-000001", "/1/2/",
                  after={"status": "submitted", "unit_id": None}),
            Entry(None, "case.file", "case:20261201-000002", NO_UNIT),
        ])


async def test_entries_chain_one_after_another_and_the_head_names_the_last():
    await _three()
    rows = await AuditEntry.all().order_by("seq")
    assert [r.seq for r in rows] == [1, 2, 3]
    assert rows[0].prev_hash == chain.GENESIS
    assert [r.prev_hash for r in rows[1:]] == [r.hash for r in rows[:-1]]
    assert rows[2].actor == "system" and rows[1].actor == "alice" and rows[1].actor_id == 7
    head = await AuditHead.get(id=1)
    assert (head.count, head.last_hash) == (3, rows[2].hash)
    assert await queries.verify(ROOT_ADMIN) == {
        "intact": True, "count": 3, "head": rows[2].hash, "first_broken_seq": None,
    }


async def test_an_empty_log_is_intact():
    assert await queries.verify(ROOT_ADMIN) == {
        "intact": True, "count": 0, "head": None, "first_broken_seq": None,
    }


async def test_the_database_refuses_to_update_or_delete_an_entry():
    await _three()
    conn = get_connection("default")
    with pytest.raises(Exception, match="append-only"):
        await conn.execute_query("UPDATE audit_entry SET actor = 'mallory'")
    with pytest.raises(Exception, match="append-only"):
        await conn.execute_query("DELETE FROM audit_entry WHERE seq = 2")
    with pytest.raises(Exception, match="append-only"):
        await AuditEntry.filter(seq=1).update(actor="mallory")
    assert await AuditEntry.filter(actor="mallory").count() == 0
    assert await AuditEntry.all().count() == 3


async def _tamper(sql: str, *params: object) -> None:
    """What only someone with the rights to drop the guard could do."""
    async with in_transaction() as conn:
        await guard.uninstall(conn)
        await conn.execute_query(dialect_sql(conn, sql), list(params))
        await guard.install(conn)


async def test_an_entry_altered_in_the_database_breaks_the_chain_at_that_entry():
    await _three()
    await _tamper("UPDATE audit_entry SET after = ? WHERE seq = ?", '{"name": "别的单位"}', 1)
    assert await queries.verify(ROOT_ADMIN) | {"head": None} == {
        "intact": False, "count": 3, "head": None, "first_broken_seq": 1,
    }


async def test_an_entry_removed_from_the_middle_or_the_end_is_found():
    await _three()
    await _tamper("DELETE FROM audit_entry WHERE seq = ?", 2)
    assert (await queries.verify(ROOT_ADMIN))["first_broken_seq"] == 2
    await _tamper("DELETE FROM audit_entry WHERE seq = ?", 3)
    await _tamper("DELETE FROM audit_entry WHERE seq = ?", 1)
    report = await queries.verify(ROOT_ADMIN)
    assert (report["intact"], report["first_broken_seq"]) == (False, 1)


async def test_a_tail_cut_off_with_the_head_rewound_is_found():
    await _three()
    await _tamper("DELETE FROM audit_entry WHERE seq = ?", 3)
    async with in_transaction() as conn:
        await conn.execute_query("UPDATE audit_head SET count = 2")
    assert (await queries.verify(ROOT_ADMIN))["first_broken_seq"] == 3


async def test_a_rolled_back_change_leaves_no_entry():
    class Boom(Exception):
        pass

    with pytest.raises(Boom):
        async with in_transaction() as conn:
            await record(conn, Actor("alice"), "unit.create", "unit:1", scope_path="/1/")
            raise Boom
    assert await AuditEntry.all().count() == 0
    assert (await AuditHead.get(id=1)).count == 0


async def test_only_an_administrator_of_the_root_unit_may_verify():
    from hotline.errors import Forbidden

    city = Principal(kind="staff", id=2, roles=frozenset({"admin"}), unit_path="/1/2/")
    with pytest.raises(Forbidden):
        await queries.verify(city)
