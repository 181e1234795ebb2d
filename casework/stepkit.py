"""What a step of the transition table is, and the registry of steps.

``casework.steps`` registers one handler (and maybe a preparation) per action here;
``casework.lifecycle`` runs them. Neither imports the other's internals through this module,
so there is no import cycle between the engine and its steps.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient

from casework.calendar import WorkCalendar
from casework.transitions import State
from identity.principal import Principal
from models.case import Case
from models.org import Unit


@dataclass
class Message:
    template: str
    params: dict[str, Any]
    to: str  # "citizen", "unit", "supervisors"
    case: Case | None = None  # default: the case acted on
    unit_id: int | None = None


Write = Callable[[BaseDBAsyncClient], Awaitable[Any]]


@dataclass
class Outcome:
    note: str = ""
    public: bool = True
    data: dict[str, Any] = field(default_factory=dict)
    messages: list[Message] = field(default_factory=list)
    # further writes inside the same transaction (tasks, ratings, related cases)
    writes: list[Write] = field(default_factory=list)
    # for RESUME / BY_OUTCOME actions: which of the table's outcomes the step chose; the
    # engine sets the status (a step never does), and refuses a state the table does not allow
    state: State | None = None


@dataclass
class Step:
    case: Case
    viewer: Principal
    payload: dict[str, Any]
    now: datetime
    cal: WorkCalendar
    root: Unit
    prepared: dict[str, Any] = field(default_factory=dict)  # looked up before the transaction


Handler = Callable[[Step], Awaitable[Outcome]]
Prepare = Callable[[Principal, dict[str, Any]], Awaitable[dict[str, Any]]]

HANDLERS: dict[str, Handler] = {}
PREPARERS: dict[str, Prepare] = {}


def step(action: str) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        HANDLERS[action] = fn
        return fn

    return register


def prepare(action: str) -> Callable[[Prepare], Prepare]:
    def register(fn: Prepare) -> Prepare:
        PREPARERS[action] = fn
        return fn

    return register
