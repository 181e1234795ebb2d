"""Extension points inside casework's transactions, for packages that build on cases.

``casework`` never imports its dependants (rewards, for one); they register here instead.
Hooks run inside the transaction of the change that triggers them, so what they write commits
or rolls back with it. They must not do network I/O.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient

from identity.principal import Principal
from models.case import Case

SubmitHook = Callable[[Case, Principal, BaseDBAsyncClient], Awaitable[None]]
SubmitFilter = Callable[[Case, Principal], bool]
StepHook = Callable[[str, Case, dict[str, Any], datetime, BaseDBAsyncClient], Awaitable[None]]
StepCheck = Callable[[str, Case, dict[str, Any], BaseDBAsyncClient], Awaitable[None]]
MoveHook = Callable[[str, Case, str, datetime, BaseDBAsyncClient], Awaitable[None]]

_on_submit: list[tuple[SubmitHook, SubmitFilter]] = []
_on_step: list[StepHook] = []
_checks: list[StepCheck] = []
_on_move: list[MoveHook] = []


def on_submit(*, when: SubmitFilter) -> Callable[[SubmitHook], SubmitHook]:
    """Run ``fn(case, submitter, conn)`` when a case is filed (after its first event), for the
    cases where ``when(case, submitter)`` holds.

    Intake files cases in batches from plain rows and loads a full ``Case`` only for the cases
    some hook wants, so ``when`` must be cheap, do no I/O and read only the case's columns.
    """

    def register(fn: SubmitHook) -> SubmitHook:
        if all(fn is not f for f, _ in _on_submit):
            _on_submit.append((fn, when))
        return fn

    return register


def on_step(fn: StepHook) -> StepHook:
    """Run ``fn(action, case, payload, now, conn)`` after every lifecycle step."""
    if fn not in _on_step:
        _on_step.append(fn)
    return fn


def on_move(fn: MoveHook) -> MoveHook:
    """Run ``fn(action, case, path_before, now, conn)`` after a step that moved the case out of
    the unit at ``path_before`` (a return, a re-dispatch), after the step hooks: whoever
    followed the case there hears that it left."""
    if fn not in _on_move:
        _on_move.append(fn)
    return fn


def check_step(fn: StepCheck) -> StepCheck:
    """Run ``fn(action, case, payload, conn)`` before a step changes the case (the case is
    locked, nothing written yet); it refuses the step by raising a ``hotline.errors.Problem``
    (a reply on a case with a reward claim must state ``verified``, for one)."""
    if fn not in _checks:
        _checks.append(fn)
    return fn


def wants_submitted(case: Case, submitter: Principal) -> bool:
    """Whether any submit hook wants this newly filed case."""
    return any(when(case, submitter) for _, when in _on_submit)


async def submitted(case: Case, submitter: Principal, conn: BaseDBAsyncClient) -> None:
    for fn, when in _on_submit:
        if when(case, submitter):
            await fn(case, submitter, conn)


async def checked(
    action: str, case: Case, payload: dict[str, Any], conn: BaseDBAsyncClient
) -> None:
    for fn in _checks:
        await fn(action, case, payload, conn)


async def stepped(
    action: str, case: Case, payload: dict[str, Any], now: datetime, conn: BaseDBAsyncClient
) -> None:
    for fn in _on_step:
        await fn(action, case, payload, now, conn)


async def moved(
    action: str, case: Case, path_before: str, now: datetime, conn: BaseDBAsyncClient
) -> None:
    for fn in _on_move:
        await fn(action, case, path_before, now, conn)
