"""Reading the audit log: filters, the administrator's subtree, paging and the CSV export."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime

import pytest
from tortoise.transactions import in_transaction

from audit import queries
from audit.log import NO_UNIT, Actor, Entry, record, record_many
from hotline import csvcell
from hotline.errors import Forbidden, ValidationProblem
from identity.principal import Principal
from models.audit import AuditEntry

ROOT = Principal(kind="staff", id=1, roles=frozenset({"admin"}), unit_path="/1/", name="admin")
CITY = Principal(kind="staff", id=2, roles=frozenset({"admin"}), unit_path="/1/2/", name="hz")
# 2025-03-01 23:30 in Beijing is 15:30 UTC; 2025-03-02 00:30 in Beijing is still 03-01 in UTC
LATE_ON_THE_1ST = datetime(2025, 3, 1, 15, 30, tzinfo=UTC)
EARLY_ON_THE_2ND = datetime(2025, 3, 1, 16, 30, tzinfo=UTC)
LATER = datetime(2025, 3, 5, 9, 0, tzinfo=UTC)


async def _entry(actor: str, action: str, target: str, scope: str, at: datetime | None = None,
                 after: dict | None = None) -> None:
    async with in_transaction() as conn:
        await record(conn, Actor(actor), action, target, scope_path=scope, at=at, after=after)


@pytest.fixture
async def log() -> None:
    await _entry("dispatcher", "case.dispatch", "case:1", "/1/2/5/", LATE_ON_THE_1ST)
    await _entry("handler", "case.sign", "case:1", "/1/2/5/", EARLY_ON_THE_2ND)
    await _entry("handler_nb", "case.sign", "case:2", "/1/3/4/", LATER)
    await _entry("admin", "staff.create", "staff:bob", "/1/2/", LATER)
    await _entry("nobody", "staff.login", "staff:nobody", NO_UNIT, LATER)
    await _entry("reward_admin", "reward.approve", "reward_claim:3", "/1/", LATER)


def _actions(reply: dict) -> list[tuple[str, str]]:
    return [(i["actor"], i["action"]) for i in reply["items"]]


async def test_newest_first_and_a_root_administrator_sees_every_entry(log):
    reply = await queries.page(ROOT, queries.AuditFilter())
    assert [i["seq"] for i in reply["items"]] == [6, 5, 4, 3, 2, 1]
    assert reply["next_cursor"] is None
    assert reply["items"][-1]["at"] == "2025-03-01T23:30:00+08:00"


async def test_a_city_administrator_sees_its_subtree_only(log):
    reply = await queries.page(CITY, queries.AuditFilter())
    assert _actions(reply) == [
        ("admin", "staff.create"), ("handler", "case.sign"), ("dispatcher", "case.dispatch"),
    ]


async def test_filters_by_actor_target_exact_action_and_action_prefix(log):
    def f(**kw: str) -> queries.AuditFilter:
        return queries.AuditFilter(**kw)

    assert [i["seq"] for i in (await queries.page(ROOT, f(actor="handler")))["items"]] == [2]
    assert [i["seq"] for i in (await queries.page(ROOT, f(target="case:1")))["items"]] == [2, 1]
    by_action = await queries.page(ROOT, f(action="case.sign"))
    assert [i["seq"] for i in by_action["items"]] == [3, 2]
    by_prefix = await queries.page(ROOT, f(action="case."))
    assert [i["seq"] for i in by_prefix["items"]] == [3, 2, 1]
    assert (await queries.page(ROOT, f(action="case")))["items"] == []  # no dot: exact


async def test_days_are_beijing_days_both_inclusive(log):
    first = await queries.page(ROOT, queries.AuditFilter(start=date(2025, 3, 1),
                                                         end=date(2025, 3, 1)))
    assert [i["seq"] for i in first["items"]] == [1]
    second = await queries.page(ROOT, queries.AuditFilter(start=date(2025, 3, 2),
                                                          end=date(2025, 3, 2)))
    assert [i["seq"] for i in second["items"]] == [2]
    with pytest.raises(ValidationProblem):
        await queries.page(ROOT, queries.AuditFilter(start=date(2025, 3, 2),
                                                     end=date(2025, 3, 1)))


async def test_pages_follow_signed_cursors(log):
    seen, cursor = [], None
    while True:
        reply = await queries.page(ROOT, queries.AuditFilter(), limit=4, cursor=cursor)
        seen += [i["seq"] for i in reply["items"]]
        cursor = reply["next_cursor"]
        if cursor is None:
            break
    assert seen == [6, 5, 4, 3, 2, 1]
    with pytest.raises(ValidationProblem):
        await queries.page(ROOT, queries.AuditFilter(), cursor=cursor or "YXVkaXQ6Mw.AAAA")


async def test_only_administrators_read_the_log():
    supervisor = Principal(kind="staff", id=3, roles=frozenset({"supervisor"}), unit_path="/1/")
    with pytest.raises(Forbidden):
        await queries.page(supervisor, queries.AuditFilter())


@pytest.mark.parametrize("cell", ["=1+1", "+1", "-1", "@SUM(A1)"])
def test_csv_cells_that_a_spreadsheet_would_run_are_defused(cell):
    assert csvcell.cell(cell) == "'" + cell
    assert csvcell.cell({"note": cell}) == '{"note": "' + cell + '"}'


async def _csv(who: Principal, f: queries.AuditFilter) -> list[list[str]]:
    text = "".join([c async for c in await queries.csv_chunks(who, f)])
    return list(csv.reader(io.StringIO(text)))


async def test_the_export_is_chain_order_in_chunks_with_json_cells(log, monkeypatch):
    monkeypatch.setattr(queries, "CHUNK", 2)
    async with in_transaction() as conn:
        await record_many(conn, [Entry(Actor("=cmd"), "case.reject", "case:9", "/1/2/",
                                       after={"note": "重复，已合并"})])
    rows = await _csv(CITY, queries.AuditFilter())
    assert rows[0] == list(queries.CSV_COLUMNS)
    assert [r[0] for r in rows[1:]] == ["1", "2", "4", "7"]
    last = rows[-1]
    assert last[2] == "'=cmd" and last[6] == '{"note": "重复，已合并"}'
    stored = await AuditEntry.get(seq=7)
    assert (last[7], last[8]) == (stored.prev_hash, stored.hash)


async def test_the_export_stops_at_the_head_it_started_from(log):
    chunks = await queries.csv_chunks(ROOT, queries.AuditFilter())
    await _entry("admin", "unit.create", "unit:99", "/1/")  # after the export began
    rows = list(csv.reader(io.StringIO("".join([c async for c in chunks]))))
    assert len(rows) == 1 + 6
