"""Group commit of new cases: many submissions, one transaction, each answered after the commit.

A submission is cheap to check and expensive to commit: on SQLite every statement is a hop to
the database thread with the one connection locked meanwhile, on PostgreSQL a round trip. So
intake hands each checked submission (a :class:`Filing`) to the writer of its event loop. The
writer takes everything waiting (up to ``MAX_BATCH``) and files it in one transaction with a
fixed handful of statements: reserve the tracking numbers, read the submitters' phones, insert
the cases, their first events, the "received" messages and the idempotency records. Each caller
gets its reply only once that transaction has committed, so a 2xx still means committed.

Submissions that come one at a time never wait for a batch to fill: with one submission in
flight a batch is that submission. Batches form by themselves under load, from the submissions
that arrive while one commits; before it starts, a batch also takes in those that arrive while
the event loop goes round (requests already read, still being checked), and, within
``CROWD_MEMORY_S`` of a batch of several, waits up to ``CATCH_UP_S`` for as many as that crowd
(see :meth:`_Writer._gather`).
If a batch fails, each of its filings is retried alone, so a bad one (a photo attached by a
concurrent submission, an Idempotency-Key reused at the same moment) fails only itself.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from types import SimpleNamespace
from typing import Any, cast

from tortoise import connections
from tortoise.backends.base.client import BaseDBAsyncClient, TransactionalDBClient
from tortoise.transactions import in_transaction

from audit import log as audit_log
from casework import hooks, search_index, views
from casework.timeline import new_event
from hotline import rows
from hotline.crypto import encrypt, lookup_hash
from hotline.db import placeholders
from hotline.timefmt import SHANGHAI
from identity.principal import Principal
from media import service as media_service
from models.case import Case, CaseEvent
from models.ops import IdempotencyRecord
from models.outbox import OutboxMessage
from notify import recipients

log = logging.getLogger("hotline.filing")

MAX_BATCH = 64
CATCH_UP_S = 0.002  # the longest a batch waits for the rest of the last crowd
CROWD_MEMORY_S = 0.05  # ... and only while the last batch is this recent


@dataclass
class Filing:
    """A checked submission, ready to be numbered and committed."""

    submitter: Principal
    row: dict[str, Any]  # every column of Case (rows.new_row) but the tracking number
    query_code: str
    note: str  # of the first timeline event
    now: datetime
    idempotency_key: str | None = None
    fingerprint: str = ""
    reply: dict[str, Any] = field(default_factory=dict)
    # the case being filed, rebuilt from ``row`` by every attempt (a retry starts afresh)
    case: SimpleNamespace = field(default_factory=SimpleNamespace)
    # segmented title and body for the search index (computed once, before the transaction)
    search_texts: tuple[str, str] | None = None
    # the caller's own rows about the new case, written in its transaction before the submit
    # hooks (a partner's external id: a unique constraint makes a concurrent duplicate fail)
    linked: Callable[[BaseDBAsyncClient, int], Awaitable[None]] | None = None


class _Writer:
    def __init__(self) -> None:
        self.waiting: list[tuple[Filing, asyncio.Future[dict[str, Any]]]] = []
        self.task: asyncio.Task[None] | None = None
        self.crowd: tuple[int, float] = (0, 0.0)  # size of the last crowd, loop time it was seen
        self.catching_up: tuple[int, asyncio.Event] | None = None  # waiting for that many

    async def file(self, filing: Filing) -> dict[str, Any]:
        loop = asyncio.get_running_loop()
        fut: asyncio.Future[dict[str, Any]] = loop.create_future()
        self.waiting.append((filing, fut))
        if self.catching_up and len(self.waiting) >= self.catching_up[0]:
            self.catching_up[1].set()
        if self.task is None:
            self.task = loop.create_task(self._drain())
        # A caller that goes away cancels its future, not its filing: the writer commits every
        # filing it took and only skips answering a future that is already done.
        return await fut

    async def _drain(self) -> None:
        try:
            while self.waiting:
                await self._gather()
                batch, self.waiting = self.waiting[:MAX_BATCH], self.waiting[MAX_BATCH:]
                await self._commit(batch)
                # How many were filing at once: those just answered and those that came meanwhile.
                # A batch of one sets no crowd: submissions that come one at a time never wait.
                crowd = len(batch) + len(self.waiting) if len(batch) > 1 else 0
                self.crowd = (crowd, asyncio.get_running_loop().time())
        finally:
            self.task = None

    async def _gather(self) -> None:
        """Let a batch take in what is arriving before it starts.

        First whatever the event loop is about to hand over (requests already read, still being
        checked). Then, under load, the rest of the last crowd: the callers just answered come
        back within a round trip, and one batch of them costs far less than two half batches
        filed in turn. That wait lasts at most ``CATCH_UP_S``, and only within
        ``CROWD_MEMORY_S`` of a batch of several: submissions that come one at a time are never
        held up by it.
        """
        seen = -1
        while seen != len(self.waiting) < MAX_BATCH:
            seen = len(self.waiting)
            await asyncio.sleep(0)
        loop = asyncio.get_running_loop()
        crowd, at = self.crowd
        crowd = min(crowd, MAX_BATCH)
        if len(self.waiting) >= crowd or loop.time() - at > CROWD_MEMORY_S:
            return
        self.catching_up = (crowd, asyncio.Event())
        try:
            async with asyncio.timeout(CATCH_UP_S):
                await self.catching_up[1].wait()
        except TimeoutError:
            pass
        finally:
            self.catching_up = None

    async def _commit(self, batch: list[tuple[Filing, asyncio.Future[dict[str, Any]]]]) -> None:
        try:
            await _commit([f for f, _ in batch])
        except Exception as exc:  # noqa: BLE001 - each filing is retried alone below
            if len(batch) == 1:
                _settle(batch[0][1], exc=exc)
                return
            for filing, fut in batch:
                try:
                    await _commit([filing])
                except Exception as one:  # noqa: BLE001 - handed to the caller
                    _settle(fut, exc=one)
                else:
                    _settle(fut, reply=filing.reply)
            return
        for filing, fut in batch:
            _settle(fut, reply=filing.reply)


def _settle(
    fut: asyncio.Future[dict[str, Any]],
    *,
    reply: dict[str, Any] | None = None,
    exc: BaseException | None = None,
) -> None:
    if fut.done():
        return
    if exc is not None:
        fut.set_exception(exc)
    else:
        fut.set_result(reply or {})


_writers: dict[asyncio.AbstractEventLoop, _Writer] = {}


async def file(filing: Filing) -> dict[str, Any]:
    """Commit ``filing`` (with whatever else is waiting) and return its reply.

    Not from inside a transaction: the filing commits on its own, and the writer task, which
    inherits the caller's context, would otherwise keep using the caller's transaction.
    """
    if isinstance(connections.get("default"), TransactionalDBClient):
        raise RuntimeError("cases are filed by their own transaction: call outside of one")
    loop = asyncio.get_running_loop()
    writer = _writers.get(loop)
    if writer is None:
        for stale in [lp for lp in _writers if lp.is_closed()]:
            del _writers[stale]
        writer = _writers[loop] = _Writer()
    return await writer.file(filing)


async def _reserve_numbers(conn: BaseDBAsyncClient, filings: list[Filing]) -> None:
    """Give each filing its tracking number: one counter update per day in the batch."""
    by_day: dict[str, list[Filing]] = {}
    for f in filings:
        by_day.setdefault(f.now.astimezone(SHANGHAI).strftime("%Y%m%d"), []).append(f)
    a, b = placeholders(conn, 2)
    sql = (
        f"INSERT INTO daily_counter (day, value) VALUES ({a}, {b}) ON CONFLICT (day) "
        "DO UPDATE SET value = daily_counter.value + excluded.value RETURNING value"
    )
    for day, group in by_day.items():
        result = await conn.execute_query_dict(sql, [day, len(group)])
        first = int(result[0]["value"]) - len(group) + 1
        for n, f in enumerate(group):
            f.case.tracking_no = f"{day}-{first + n:06d}"


async def _fill_citizen_phones(conn: BaseDBAsyncClient, filings: list[Filing]) -> None:
    """A citizen who gave no contact phone is reached on the phone they signed in with."""
    wanted = {
        f.case.citizen_id for f in filings if f.case.citizen_id and not f.case.contact_phone_enc
    }
    if not wanted:
        return
    ph = ",".join(placeholders(conn, len(wanted)))
    found = await conn.execute_query_dict(
        f"SELECT id, phone_enc, phone_hash FROM citizen WHERE id IN ({ph})", list(wanted)
    )
    phones = {r["id"]: r for r in found}
    for f in filings:
        row = phones.get(f.case.citizen_id)
        if row and row["phone_enc"] and not f.case.contact_phone_enc:
            f.case.contact_phone_enc = row["phone_enc"]
            f.case.contact_phone_hash = row["phone_hash"]


async def _commit(filings: list[Filing]) -> None:
    for f in filings:
        f.case = SimpleNamespace(**f.row)
        if f.search_texts is None:
            f.search_texts = search_index.texts(f.row["title"], f.row["content"], f.row["address"])
    async with in_transaction() as conn:
        await _reserve_numbers(conn, filings)
        await _fill_citizen_phones(conn, filings)
        events = [_first_event(f) for f in filings]
        ids = await rows.insert(
            conn, Case, [vars(f.case) for f in filings], returning=("id", "tracking_no")
        )
        by_no = {r["tracking_no"]: r["id"] for r in ids}
        for f, ev in zip(filings, events, strict=True):
            f.case.id = ev.case_id = by_no[f.case.tracking_no]
        await rows.insert(conn, CaseEvent, [rows.new_row(CaseEvent, **vars(ev)) for ev in events])
        messages = [rows.new_row(OutboxMessage, **m) for f in filings if (m := _received(f))]
        await rows.insert(conn, OutboxMessage, messages)
        keyed = []
        for f, ev in zip(filings, events, strict=True):
            photos = await _after_insert(conn, f)
            f.reply = views.case_view(
                cast(Case, f.case),
                [cast(CaseEvent, ev)],
                viewer=f.submitter,
                now=f.now,
                query_code=f.query_code,
                photos=photos,
            )
            if f.idempotency_key:
                keyed.append(_idempotency_row(f))
        await rows.insert(conn, IdempotencyRecord, keyed)
        await audit_log.record_many(conn, [_filed(f) for f in filings if _by_staff(f)])
        # last: on SQLite the FTS5 rows are flushed by the next write statement, whose count
        # of changed rows (``.update()``'s answer) they would inflate; here that is the commit
        await search_index.write(conn, [_doc(f) for f in filings])


def _doc(f: Filing) -> search_index.Doc:
    title, body = f.search_texts or ("", "")
    return search_index.Doc(f.case.id, title, body, open=True)


def _by_staff(f: Filing) -> bool:
    return f.submitter.kind == "staff"


def _filed(f: Filing) -> audit_log.Entry:
    """The audit entry of a case staff filed (a call, letter or visit): no personal data."""
    c, who = f.case, f.submitter
    after = {
        "status": c.status, "unit_id": c.unit_id, "kind": c.kind, "channel": c.channel,
        "category_code": c.category_id,
    }
    return audit_log.Entry(
        who, "case.file", f"case:{c.tracking_no}",
        audit_log.deeper_path(c.unit_path, who.unit_path or c.unit_path), after=after,
    )


def _first_event(f: Filing) -> SimpleNamespace:
    c = f.case
    c.query_code_hash = lookup_hash(f.query_code, f"query:{c.tracking_no}")
    who = f.submitter
    draft = new_event(
        cast(Case, c),
        action="submit",
        actor_role=who.kind if who.kind != "staff" else "operator",
        actor_id=str(who.id),
        at=f.now,
        note=f.note,
    )
    return SimpleNamespace(**draft.fields)


def _received(f: Filing) -> dict[str, Any] | None:
    """The "case received" SMS with the tracking number and query code, if anyone can get it."""
    c = f.case
    return recipients.to_citizen(
        "case_received",
        {"tracking_no": c.tracking_no, "query_code": f.query_code},
        case_id=c.id,
        citizen_id=c.citizen_id,
        phone_enc=c.contact_phone_enc,
        now=f.now,
    )


async def _after_insert(conn: BaseDBAsyncClient, f: Filing) -> list[dict[str, Any]]:
    """Submit hooks (for the cases they want) and photo attachment; the reply's photo entries."""
    case = cast(Case, f.case)
    if f.linked is not None:
        await f.linked(conn, f.case.id)
    if hooks.wants_submitted(case, f.submitter):
        full = await Case.get(id=f.case.id, using_db=conn)
        await hooks.submitted(full, f.submitter, conn)
        f.case.flags = full.flags
    if not f.case.photo_ids:
        return []
    return await media_service.attach(f.submitter, f.case.photo_ids, f.case.id, conn)


def _idempotency_row(f: Filing) -> dict[str, Any]:
    return rows.new_row(
        IdempotencyRecord,
        scope=f.submitter.scope_key,
        key=f.idempotency_key,
        request_hash=f.fingerprint,
        status_code=201,
        body_enc=encrypt(json.dumps(f.reply, ensure_ascii=False)),
        created_at=f.now,
    )
