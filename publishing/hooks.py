"""Keeping a publication's ``closed`` flag with its case, inside casework's transactions.

A published case reopened after an unsatisfied rating reads as open again, and closed once
answered again; the flag lets the public pages filter by status through an index.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient

from casework import hooks
from models.case import Case
from models.publishing import Publication
from publishing.queries import CLOSED_STATES


async def _step(action: str, case: Case, payload: dict[str, Any], now: datetime,
                conn: BaseDBAsyncClient) -> None:
    if case.public:  # only a consenting case can have a publication
        await Publication.filter(case_id=case.id).using_db(conn).update(
            closed=case.status in CLOSED_STATES)


def install() -> None:
    """Register the hook (idempotent); called by the app assembly and the workers' start-up."""
    hooks.on_step(_step)
