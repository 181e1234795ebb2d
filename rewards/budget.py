"""The programme budget and the per-citizen monthly limits, as atomic conditional writes.

``commit`` is one ``UPDATE ... SET committed_fen = committed_fen + x WHERE committed_fen + x <=
budget_fen``: on PostgreSQL concurrent approvals queue on the programme row and each
re-evaluates the condition against the committed value it waited for (READ COMMITTED), on
SQLite writers are serialized; either way the budget is never overspent. The monthly counter
is an upsert whose update only happens while the limits hold.
"""

from __future__ import annotations

from datetime import datetime

from tortoise.backends.base.client import BaseDBAsyncClient

from hotline.errors import Conflict
from hotline.timefmt import SHANGHAI
from models.reward import RewardClaim, RewardProgram
from rewards import sql


def month_of(at: datetime) -> str:
    return at.astimezone(SHANGHAI).strftime("%Y-%m")


async def commit(conn: BaseDBAsyncClient, program_id: int, amount_fen: int) -> None:
    changed = await sql.execute(
        conn,
        "UPDATE reward_program SET committed_fen = committed_fen + ? "
        "WHERE id = ? AND committed_fen + ? <= budget_fen",
        [amount_fen, program_id, amount_fen],
    )
    if changed != 1:
        raise Conflict("奖励项目预算不足，无法批准", code="budget_exhausted")


async def release(conn: BaseDBAsyncClient, program_id: int, amount_fen: int) -> None:
    await sql.execute(
        conn,
        "UPDATE reward_program SET committed_fen = committed_fen - ? WHERE id = ?",
        [amount_fen, program_id],
    )


async def mark_paid(conn: BaseDBAsyncClient, program_id: int, amount_fen: int) -> None:
    await sql.execute(
        conn,
        "UPDATE reward_program SET paid_fen = paid_fen + ? WHERE id = ?",
        [amount_fen, program_id],
    )


async def count_monthly(
    conn: BaseDBAsyncClient, program: RewardProgram, claim: RewardClaim, amount_fen: int
) -> None:
    """Count an approval against the citizen's limits for the month of the report."""
    limit_n, limit_fen = program.monthly_count_limit, program.monthly_amount_limit_fen
    if limit_n < 1 or amount_fen > limit_fen:
        raise _over_limit(program)
    found = await sql.rows(
        conn,
        "INSERT INTO reward_monthly (program_id, citizen_id, month, count, amount_fen) "
        "VALUES (?, ?, ?, 1, ?) "
        "ON CONFLICT (program_id, citizen_id, month) DO UPDATE SET "
        "count = reward_monthly.count + 1, "
        "amount_fen = reward_monthly.amount_fen + excluded.amount_fen "
        "WHERE reward_monthly.count + 1 <= ? "
        "AND reward_monthly.amount_fen + excluded.amount_fen <= ? "
        "RETURNING count",
        [
            program.id,
            claim.citizen_id,
            month_of(claim.reported_at),
            amount_fen,
            limit_n,
            limit_fen,
        ],
    )
    if not found:
        raise _over_limit(program)


async def uncount_monthly(
    conn: BaseDBAsyncClient, program_id: int, claim: RewardClaim, amount_fen: int
) -> None:
    await sql.execute(
        conn,
        "UPDATE reward_monthly SET count = count - 1, amount_fen = amount_fen - ? "
        "WHERE program_id = ? AND citizen_id = ? AND month = ?",
        [amount_fen, program_id, claim.citizen_id, month_of(claim.reported_at)],
    )


def _over_limit(program: RewardProgram) -> Conflict:
    return Conflict(
        f"该举报人本月奖励已达上限（每月{program.monthly_count_limit}次、"
        f"{program.monthly_amount_limit_fen / 100:.2f}元）",
        code="monthly_limit",
    )
