"""The delivery worker: claims due outbox rows, sends them outside any transaction, records
what happened, retries with backoff, dead-letters, and recovers rows a dead worker left behind.

* **Claim** — one statement, ``UPDATE … WHERE id IN (SELECT … ORDER BY next_attempt_at LIMIT n
  [FOR UPDATE SKIP LOCKED]) RETURNING …``: the rows become ``sending`` with a lease
  (``claimed_until``) and ``attempts + 1``. On PostgreSQL ``SKIP LOCKED`` lets any number of
  workers share the queue; on SQLite the single statement is the single claimer.
* **Send** — no transaction is open while a channel talks to its provider. Each row is routed
  at send time (``notify.routing``); a channel answers ``Sent``, or raises ``Transient`` (retry
  with exponential backoff and jitter, ``HOTLINE_OUTBOX_BACKOFF_*``), ``Permanent`` (dead at
  once) or ``Fallback`` (try the next route, e.g. WeChat 43101 → SMS).
* **Record** — results are written in batches (``executemany``), each one only if the row is
  still ours: ``WHERE id = ? AND status = 'sending' AND attempts = <our attempt>``. A worker
  that lost its lease cannot overwrite a newer attempt.
* **Recover** — a row still ``sending`` after its lease (its worker died) goes back to
  ``pending`` marked ``unconfirmed``; so does an attempt that timed out or got a 5xx. Before
  sending such a row again over SMS, the worker looks for its ``OutId`` with
  ``QuerySendDetails``, so the citizen does not get it twice. After
  ``HOTLINE_OUTBOX_MAX_ATTEMPTS`` attempts a row is ``dead`` with its last error.
* **Shutdown** — a cancelled worker (SIGTERM) claims nothing more, gives the messages in flight
  ``HOTLINE_OUTBOX_SHUTDOWN_GRACE_S`` to finish and records them before it stops.
* **Preferences** — the claim also returns, for a row addressed to a citizen account, that
  citizen's ``notify_sms``/``notify_wechat`` (a primary-key subquery inside the same
  statement: no query per message); routing drops the channels turned off, and a row left with
  none is ``suppressed`` (not sent, not retried). Required templates ignore them.
* **Priority** — rows are taken in ``next_attempt_at`` order; ``notify.outbox.enqueue`` dates
  urgent rows (login codes) an hour early, so they overtake any backlog.
* **Groups** — a partner's webhook rows (``recipient_kind = 'partner'``) are a group of their
  own: at most ``HOTLINE_WEBHOOK_CONCURRENCY`` of them in flight per worker. A claim leaves out
  the partners already at that limit, and hands back (unattempted) what a claim took beyond it,
  so a slow or failing receiver holds its own rows and never the other messages' slots.
  A channel may also set its own end of retries (``gives_up``: webhooks retry for a day rather
  than ``HOTLINE_OUTBOX_MAX_ATTEMPTS`` times).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from tortoise.connection import get_connection

from hotline import metrics
from hotline import settings as settings_mod
from hotline.crypto import decrypt
from hotline.db import dialect_sql
from hotline.settings import Settings
from notify import routing
from notify.channels import build_channels
from notify.console import Console
from notify.delivery import (
    Channel,
    Fallback,
    Message,
    Permanent,
    Route,
    Sent,
    Suppressed,
    Transient,
)
from notify.groups import Groups
from notify.outbox_sql import (
    BURY_SQL,
    CLAIM_SQL,
    FINISH_SQL,
    RECOVER_SQL,
    RELEASE_SQL,
    SKIP_GROUPS,
    UNCONFIRMED,
)
from notify.templates import render

log = logging.getLogger("hotline.notify")

Row = dict[str, Any]


@dataclass
class Outcome:
    id: int
    claimed_attempts: int
    status: str
    channel: str
    attempts: int
    next_attempt_at: datetime
    provider_id: str | None = None
    provider_status: str | None = None
    last_error: str | None = None
    sent_at: datetime | None = None

    def values(self) -> list[Any]:
        return [
            self.status, self.channel, self.attempts, self.next_attempt_at.astimezone(UTC),
            self.provider_id, self.provider_status,
            self.last_error[:2000] if self.last_error else None,
            self.sent_at.astimezone(UTC) if self.sent_at else None,
            self.id, self.claimed_attempts,
        ]


class Worker:
    def __init__(
        self,
        settings: Settings | None = None,
        channels: dict[str, Channel] | None = None,
        *,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.settings = s = settings or settings_mod.current()
        self.channels = channels if channels is not None else build_channels(s)
        self.console = self.channels.get("console") or Console()
        self.clock = clock or (lambda: datetime.now(UTC))
        self.batch = max(1, s.outbox_batch_size)
        self.concurrency = max(1, s.outbox_concurrency)
        # a lease shorter than the longest send would let a second worker take the row
        # (an SMS may wait for a thread as long as a call lasts, then make its own call)
        longest = 2 * (s.sms_connect_timeout_s + s.sms_timeout_s) + 2.0
        longest = max(longest, s.smtp_timeout_s + 1.0, 2 * s.webhook_timeout_s + 2.0)
        self.lease = timedelta(seconds=max(s.outbox_lease_s, longest))
        self.groups = Groups(max(1, s.webhook_concurrency))
        self.outcomes: list[Outcome] = []
        self._last_flush = time.monotonic()
        self._last_recover = float("-inf")

    # -- the database side ----------------------------------------------------------------
    async def recover(self, now: datetime | None = None) -> int:
        now = (now or self.clock()).astimezone(UTC)
        conn = get_connection("default")
        await conn.execute_query(
            dialect_sql(conn, BURY_SQL), [now, self.settings.outbox_max_attempts]
        )
        count, _ = await conn.execute_query(dialect_sql(conn, RECOVER_SQL), [now, now])
        if count:
            log.warning("recovered %d outbox rows left sending by a lost worker", count)
        return count

    async def claim(self, limit: int, now: datetime | None = None) -> list[dict[str, Any]]:
        now = (now or self.clock()).astimezone(UTC)
        conn = get_connection("default")
        lock = "" if conn.capabilities.dialect == "sqlite" else " FOR UPDATE SKIP LOCKED"
        full = self.groups.full()
        skip = SKIP_GROUPS.format(marks=", ".join("?" * len(full))) if full else ""
        sql = dialect_sql(conn, CLAIM_SQL.format(lock=lock, skip=skip))
        rows = await conn.execute_query_dict(sql, [now + self.lease, now, *full, limit])
        for row in rows:
            row["lease_end"] = now + self.lease
        return sorted(rows, key=lambda r: r["id"])

    async def claim_whole(self, limit: int) -> list[dict[str, Any]]:
        """:meth:`claim`, never cut short: a worker cancelled while its claim runs would leave
        the claimed rows ``sending`` until their lease ends. Cancelled, it waits for the claim
        and hands the rows back (never attempted) before it stops."""
        claim = asyncio.ensure_future(self.claim(limit))
        try:
            return await asyncio.shield(claim)
        except asyncio.CancelledError:
            with contextlib.suppress(Exception):
                await self.release(await claim)
            raise

    async def release(self, rows: list[dict[str, Any]]) -> int:
        """Hand claimed rows that were never attempted back to the queue, as they were."""
        if not rows:
            return 0
        conn = get_connection("default")
        write = conn.execute_many(
            dialect_sql(conn, RELEASE_SQL), [[r["id"], r["attempts"]] for r in rows]
        )
        await asyncio.shield(write)
        return len(rows)

    async def flush(self) -> int:
        """Write the finished rows' results, in one batch."""
        self._last_flush = time.monotonic()
        if not self.outcomes:
            return 0
        batch, self.outcomes = self.outcomes, []
        conn = get_connection("default")
        write = asyncio.ensure_future(
            conn.execute_many(dialect_sql(conn, FINISH_SQL), [o.values() for o in batch])
        )
        try:
            # shielded: a cancelled worker must not leave a half-done batch (or, on SQLite,
            # an open transaction on the shared connection); cancelled, it still waits for
            # the write, so the process does not exit with the batch unrecorded
            await asyncio.shield(write)
        except asyncio.CancelledError:
            with contextlib.suppress(Exception):
                await write
            raise
        except Exception:
            self.outcomes[:0] = batch  # try again at the next flush; the lease still holds
            raise
        return len(batch)

    async def _run(self, row: dict[str, Any]) -> Outcome | None:
        try:
            return await self.process(row)
        finally:
            self.groups.done(row)

    # -- one message ----------------------------------------------------------------------
    def message(self, row: dict[str, Any]) -> Message:
        params = json.loads(decrypt(row["params_enc"]) or "{}")
        prefs = row.get("prefs")
        prefs = 3 if prefs is None else int(prefs)  # no citizen row: nothing turned off
        try:
            text = render(row["template"], params)
        except (KeyError, IndexError, ValueError) as exc:
            raise Permanent(f"template {row['template']} cannot be rendered: {exc!r}") from exc
        return Message(
            id=int(row["id"]),
            template=row["template"],
            params=params,
            text=text,
            recipient_kind=row["recipient_kind"],
            recipient_id=row["recipient_id"],
            address=decrypt(row["address_enc"]),
            case_id=row["case_id"],
            urgent=bool(row["urgent"]),
            attempts=int(row["attempts"]),
            channel=row["channel"],
            unconfirmed=row["provider_status"] == UNCONFIRMED,
            notify_sms=bool(prefs & 1),
            notify_wechat=bool(prefs & 2),
        )

    def channel_for(self, route: Route) -> Channel:
        if route.address is None:
            return self.console
        return self.channels.get(route.channel) or self.console

    async def process(self, row: dict[str, Any]) -> Outcome | None:
        """Route and send one claimed row; never raises. None: the row is not ours any more
        (less than half its lease left before it even started — another worker may take it)."""
        now = self.clock()
        if "lease_end" in row and now >= row["lease_end"] - self.lease / 2:
            log.warning("outbox row %s left for another worker: its lease ran short", row["id"])
            return None
        attempts = int(row["attempts"])
        base = Outcome(row["id"], attempts, "pending", row["channel"], attempts, now)
        try:
            msg = self.message(row)
            routes = await routing.routes(msg, self.settings)
        except Suppressed as exc:
            return self._suppressed(base, exc.detail)
        except Permanent as exc:
            return self._dead(base, exc.detail, exc.code)
        except Exception as exc:  # the database, a bug: try again later
            log.exception("routing outbox row %s failed", row["id"])
            return self._retry(base, None, Transient(repr(exc)), row["channel"])
        last: Fallback | None = None
        for route in routes:
            hold = routing.held_until(msg, route, now, self.settings)
            if hold is not None:
                log.info("outbox row %s held until %s (quiet hours)", msg.id, hold)
                base.attempts, base.next_attempt_at = attempts - 1, hold
                return base
            channel = self.channel_for(route)
            try:
                reconcile = getattr(channel, "reconcile", None)
                if msg.unconfirmed and msg.channel == route.channel and reconcile is not None:
                    found = await reconcile(msg, route)
                    if found is not None:
                        return self._sent(base, found)
                return self._sent(base, await channel.send(msg, route))
            except Fallback as exc:
                log.info("outbox row %s: %s unavailable (%s)", msg.id, route.channel, exc.detail)
                last = exc
            except Transient as exc:
                return self._retry(base, msg, exc, route.channel)
            except Permanent as exc:
                base.channel = route.channel
                return self._dead(base, exc.detail, exc.code)
            except Exception as exc:
                log.exception("sending outbox row %s over %s failed", msg.id, route.channel)
                return self._retry(base, msg, Transient(repr(exc)), route.channel)
        detail = last.detail if last else "no route"
        reason = routing.turned_off(msg)
        if reason:  # what the citizen allowed could not reach them
            return self._suppressed(base, f"{reason}; {detail}")
        return self._dead(base, f"no channel left: {detail}", last.code if last else None)

    def _sent(self, base: Outcome, sent: Sent) -> Outcome:
        base.status, base.channel, base.sent_at = "sent", sent.channel, self.clock()
        base.provider_id, base.provider_status = sent.provider_id, sent.provider_status
        metrics.delivery(base.channel, "sent")
        return base

    def _dead(self, base: Outcome, detail: str, code: str | None) -> Outcome:
        log.error("outbox row %s is dead: %s", base.id, detail)
        base.status, base.last_error, base.provider_status = "dead", detail, code
        metrics.delivery(base.channel, "dead")
        return base

    def _suppressed(self, base: Outcome, detail: str) -> Outcome:
        log.info("outbox row %s suppressed: %s", base.id, detail)
        base.status, base.last_error = "suppressed", detail
        metrics.delivery(base.channel, "suppressed")
        return base

    def backoff(self, attempts: int) -> float:
        s = self.settings
        delay = min(s.outbox_backoff_max_s, s.outbox_backoff_base_s * 2 ** max(0, attempts - 1))
        return delay * random.uniform(0.5, 1.0)  # jitter: retries of one outage spread out

    def _retry(
        self, base: Outcome, msg: Message | None, exc: Transient, channel: str
    ) -> Outcome:
        base.channel = channel
        gives_up = getattr(self.channels.get(channel), "gives_up", None)
        if msg is not None and gives_up is not None:
            over = bool(gives_up(msg, self.clock()))
        else:
            over = base.attempts >= self.settings.outbox_max_attempts
        if over:
            return self._dead(base, f"after {base.attempts} attempts: {exc.detail}", exc.code)
        delay = self.backoff(base.attempts)
        if exc.retry_after is not None:
            delay = max(delay, exc.retry_after)
        base.next_attempt_at = self.clock() + timedelta(seconds=delay)
        still_unconfirmed = msg is not None and msg.unconfirmed and msg.channel == channel
        base.provider_status = UNCONFIRMED if exc.ambiguous or still_unconfirmed else exc.code
        base.last_error = exc.detail
        metrics.delivery(channel, "failed")  # to be retried
        return base

    # -- the loop -------------------------------------------------------------------------
    async def drain(self, *, forever: bool = False) -> int:
        """Send until nothing is due (or, with ``forever``, keep polling). Returns the number
        of rows processed. Up to ``outbox_concurrency`` rows are in flight at once; results
        are written every ``outbox_flush_s`` or half a batch."""
        s = self.settings
        inflight: set[asyncio.Task[Outcome | None]] = set()
        processed = 0
        dry_until = 0.0
        refill = max(1, min(self.batch, self.concurrency) // 2)
        try:
            while True:
                tick = time.monotonic()
                if tick - self._last_recover >= max(1.0, s.outbox_poll_s):
                    self._last_recover = tick
                    await self.recover()
                free = self.concurrency - len(inflight)
                if free > 0 and (not inflight or (free >= refill and tick >= dry_until)):
                    limit = min(free, self.batch)
                    rows = await self.claim_whole(limit)
                    dry_until = tick + s.outbox_poll_s if len(rows) < limit else 0.0
                    rows, over = self.groups.admit(rows)
                    if over:
                        await self.release(over)
                    inflight.update(asyncio.create_task(self._run(r)) for r in rows)
                if not inflight:
                    await self.flush()
                    if not forever:
                        return processed
                    await asyncio.sleep(s.outbox_poll_s)
                    continue
                done, inflight = await asyncio.wait(
                    inflight, timeout=s.outbox_flush_s, return_when=asyncio.FIRST_COMPLETED
                )
                self.outcomes.extend(o for o in (t.result() for t in done) if o is not None)
                processed += len(done)
                stale = time.monotonic() - self._last_flush >= s.outbox_flush_s
                if len(self.outcomes) >= max(1, self.batch // 2) or stale:
                    await self.flush()
        except asyncio.CancelledError:
            # shutting down: no new claims; the messages in flight get a grace period to
            # finish and be recorded. What still has not finished is cancelled and stays
            # "sending" until its lease ends, then is looked up (OutId) before a resend.
            if inflight:
                with contextlib.suppress(BaseException):
                    done, inflight = await asyncio.wait(inflight, timeout=s.outbox_shutdown_grace_s)
                    self.outcomes.extend(
                        o for o in (t.result() for t in done) if o is not None
                    )
            for task in inflight:
                task.cancel()
            with contextlib.suppress(Exception):
                await self.flush()
            raise

    async def run_forever(self) -> None:
        while True:
            try:
                await self.drain(forever=True)
            except asyncio.CancelledError:
                raise
            except Exception:  # the database went away: the claimed rows wait for their lease
                log.exception("outbox worker pass failed")
                await asyncio.sleep(self.settings.outbox_poll_s)

    async def close(self) -> None:
        for channel in {id(c): c for c in self.channels.values()}.values():
            with contextlib.suppress(Exception):
                await channel.close()


async def run_forever(settings: Settings | None = None) -> None:
    worker = Worker(settings)
    try:
        await worker.run_forever()
    finally:
        await worker.close()
