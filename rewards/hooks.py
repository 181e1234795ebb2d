"""Rewards' hooks into casework. ``install()`` registers them; the app assembly
(``app_api.app.create_app``) and the workers' start-up call it. Importing this module
registers nothing.

The hooks run inside casework's transactions and do no network I/O.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient

from casework import hooks
from casework.views import REWARD_FLAG
from identity.principal import Principal
from models.case import Case
from rewards import claims, eligibility


async def on_submit(case: Case, submitter: Principal, conn: BaseDBAsyncClient) -> None:
    await claims.open_claim(case, submitter, conn)


async def on_step(
    action: str, case: Case, payload: dict[str, Any], now: datetime, conn: BaseDBAsyncClient
) -> None:
    if action == "reply":
        # the replied case may have no claim itself but carry merged reports that do
        await eligibility.on_reply(case, payload, now, conn)
        return
    if REWARD_FLAG not in (case.flags or []):
        return
    if action == "merge":
        await claims.on_merge(case, now, conn)
    elif action == "reject":
        await claims.close_unverified(case, "诉求不予受理，不予奖励", now, conn)
    elif action == "answer":
        await claims.close_unverified(case, "诉求已直接答复，未经承办单位查实", now, conn)


async def check_step(
    action: str, case: Case, payload: dict[str, Any], conn: BaseDBAsyncClient
) -> None:
    if action == "reply":
        await eligibility.require_verification(case, payload, conn)


def install() -> None:
    """Register rewards with casework's hooks; calling it again changes nothing."""
    hooks.on_submit(when=claims.may_qualify)(on_submit)
    hooks.check_step(check_step)
    hooks.on_step(on_step)
