"""The one table of case transitions: state × action × role → new state.

The lifecycle service executes it (``lifecycle.perform`` takes the new state from here, never
from a step), the staff routes are generated from it (``path``), docs/ARCHITECTURE.md renders
it (``hotline transitions`` prints it as Markdown), and the tests walk its whole matrix.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class State(StrEnum):
    """A case's status; the values are what the database stores."""

    SUBMITTED = "submitted"
    ANSWERED = "answered"
    DISPATCHED = "dispatched"
    SIGNED = "signed"
    NOTICED = "noticed"
    REPLIED = "replied"
    RATED = "rated"
    CLOSED = "closed"
    RETURNED = "returned"
    TRANSFER_REQUESTED = "transfer_requested"
    EXTENSION_REQUESTED = "extension_requested"
    REOPENED = "reopened"
    MERGED = "merged"
    REJECTED = "rejected"


S = State
STATES: tuple[State, ...] = tuple(State)

# the handling unit is working on it (deadlines run, lights apply)
HANDLING = (S.DISPATCHED, S.SIGNED, S.NOTICED, S.REOPENED, S.EXTENSION_REQUESTED)
# back with the 12345 centre, waiting to be dispatched (again)
AT_CENTRE = (S.SUBMITTED, S.RETURNED, S.TRANSFER_REQUESTED)
# open: something is still due
OPEN_STATES = AT_CENTRE + HANDLING
# the citizen has an answer and may rate it
AWAITING_RATING = (S.ANSWERED, S.REPLIED)
TERMINAL_STATES = (S.CLOSED, S.MERGED, S.REJECTED)
# where a unit works on a case and may ask for more time (and where the request resumes)
WORKING = (S.SIGNED, S.NOTICED, S.REOPENED)

STAY = "="  # the action records something and leaves the status as it is
RESUME = "<"  # back to the status held before a request (extension): one of ``outcomes``
BY_OUTCOME = "?"  # decided by the action's input (rating score, verification): one of ``outcomes``
Target = State | str


@dataclass(frozen=True)
class Transition:
    action: str
    sources: tuple[State, ...]
    roles: tuple[str, ...]
    target: Target  # a state, or STAY / RESUME / BY_OUTCOME
    label: str  # Chinese name of the step, as citizens and staff read it
    # the staff route, POST /staff/cases/{no}/<path>; None: not a staff route (citizen, system)
    path: str | None = None
    # for RESUME / BY_OUTCOME: the states the step may choose between
    outcomes: frozenset[State] = frozenset()

    def resolve(self, current: State, chosen: State | None) -> State:
        """The state after this action, from the table; ``chosen`` is the step's outcome.

        A step that names a state the table does not allow is a bug (``ValueError``)."""
        if self.target == STAY:
            if chosen is not None:
                raise ValueError(f"{self.action} leaves the status as it is, not {chosen}")
            return current
        if self.target in (RESUME, BY_OUTCOME):
            if chosen not in self.outcomes:
                raise ValueError(f"{self.action} may lead to {sorted(self.outcomes)}, not {chosen}")
            return chosen
        target = State(self.target)
        if chosen is not None and chosen != target:
            raise ValueError(f"{self.action} leads to {target}, not {chosen}")
        return target


TRANSITIONS: tuple[Transition, ...] = (
    Transition(
        "answer", (S.SUBMITTED,), ("operator", "dispatcher"), S.ANSWERED, "直接答复", "answer"
    ),
    Transition("dispatch", AT_CENTRE, ("dispatcher", "system"), S.DISPATCHED, "转办", "dispatch"),
    Transition("sign", (S.DISPATCHED,), ("handler", "partner"), S.SIGNED, "签收", "sign"),
    Transition("return", (S.DISPATCHED, S.SIGNED), ("handler",), S.RETURNED, "退回", "return"),
    Transition(
        "transfer",
        (S.DISPATCHED, S.SIGNED),
        ("handler",),
        S.TRANSFER_REQUESTED,
        "申请改派",
        "transfer",
    ),
    Transition(
        "notice", (S.SIGNED, S.REOPENED), ("handler", "partner"), S.NOTICED, "告知", "notice"
    ),
    Transition("reply", WORKING, ("handler", "partner"), S.REPLIED, "答复", "reply"),
    Transition(
        "extension", WORKING, ("handler",), S.EXTENSION_REQUESTED, "申请延期", "extension"
    ),
    Transition(
        "extension_decision",
        (S.EXTENSION_REQUESTED,),
        ("supervisor",),
        RESUME,
        "延期审核",
        "extension/decision",
        frozenset(WORKING),
    ),
    Transition("supervise", OPEN_STATES, ("supervisor", "system"), STAY, "督办", "supervise"),
    Transition(
        "callback",
        AWAITING_RATING + (S.RATED, S.CLOSED) + HANDLING,
        ("supervisor",),
        STAY,
        "回访",
        "callback",
    ),
    Transition(
        "rate", AWAITING_RATING, ("citizen",), BY_OUTCOME, "评价", None,
        frozenset({S.RATED, S.CLOSED}),
    ),
    Transition(
        "verify", (S.RATED,), ("supervisor",), BY_OUTCOME, "核实", "verify",
        frozenset({S.CLOSED, S.REOPENED}),
    ),
    Transition("merge", AT_CENTRE, ("dispatcher",), S.MERGED, "合并", "merge"),
    Transition("reject", AT_CENTRE, ("dispatcher",), S.REJECTED, "不予受理", "reject"),
    Transition("close_unrated", AWAITING_RATING, ("system",), S.CLOSED, "超期未评价办结"),
)

BY_ACTION: dict[str, Transition] = {t.action: t for t in TRANSITIONS}
# the actions staff take through POST /staff/cases/{no}/<path>
STAFF_ACTIONS: tuple[Transition, ...] = tuple(t for t in TRANSITIONS if t.path)

# the Chinese label of every timeline event (the table's steps, and the filing itself)
EVENT_LABELS: dict[str, str] = {"submit": "受理"} | {t.action: t.label for t in TRANSITIONS}

# admins may take every staff action; the system acts only where the table names it
SUPERUSER_ROLES = frozenset({"admin"})
# the roles that call the citizen back (and so see a confidential case's contact in full)
CALLBACK_ROLES = frozenset(BY_ACTION["callback"].roles)


def role_allowed(action: str, roles: frozenset[str] | set[str]) -> bool:
    """Whether any of ``roles`` may take ``action`` (in some state)."""
    t = BY_ACTION.get(action)
    if t is None:
        return False
    if roles & set(t.roles):
        return True
    # admins may take every staff action (not a citizen's, not one only the system takes)
    staff_action = "citizen" not in t.roles and set(t.roles) != {"system"}
    return staff_action and bool(roles & SUPERUSER_ROLES)


def allowed(action: str, state: str, roles: frozenset[str] | set[str]) -> bool:
    t = BY_ACTION.get(action)
    return t is not None and state in t.sources and role_allowed(action, roles)


def markdown_table() -> str:
    """The table as Markdown, for docs/ARCHITECTURE.md."""
    lines = ["| action | 步骤 | path | from | roles | to |", "|---|---|---|---|---|---|"]
    for t in TRANSITIONS:
        if t.target == STAY:
            to = "(unchanged)"
        elif t.target == RESUME:
            to = f"(state before the request: {', '.join(sorted(t.outcomes))})"
        elif t.target == BY_OUTCOME:
            to = f"(outcome: {', '.join(sorted(t.outcomes))})"
        else:
            to = str(t.target)
        path = f"`{t.path}`" if t.path else "—"
        lines.append(
            f"| `{t.action}` | {t.label} | {path} | {', '.join(t.sources)} | "
            f"{', '.join(t.roles)} | {to} |"
        )
    return "\n".join(lines)
