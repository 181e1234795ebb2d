"""The one table of case transitions: state × action × role → new state.

The lifecycle service executes it, docs/ARCHITECTURE.md renders it (``hotline transitions``
prints it as Markdown), and the tests walk its whole allowed/forbidden matrix.
"""

from __future__ import annotations

from dataclasses import dataclass

STATES = (
    "submitted",
    "answered",
    "dispatched",
    "signed",
    "noticed",
    "replied",
    "rated",
    "closed",
    "returned",
    "transfer_requested",
    "extension_requested",
    "reopened",
    "merged",
    "rejected",
)

# the handling unit is working on it (deadlines run, lights apply)
HANDLING = ("dispatched", "signed", "noticed", "reopened", "extension_requested")
# back with the 12345 centre, waiting to be dispatched (again)
AT_CENTRE = ("submitted", "returned", "transfer_requested")
# open: something is still due
OPEN_STATES = AT_CENTRE + HANDLING
# the citizen has an answer and may rate it
AWAITING_RATING = ("answered", "replied")
TERMINAL_STATES = ("closed", "merged", "rejected")

STAY = "="  # the action records something and leaves the status as it is
RESUME = "<"  # back to the status held before a request (extension)
BY_OUTCOME = "?"  # decided by the action's input (rating score, verification outcome)


@dataclass(frozen=True)
class Transition:
    action: str
    sources: tuple[str, ...]
    roles: tuple[str, ...]
    target: str  # a state, or STAY / RESUME / BY_OUTCOME
    label: str  # Chinese name of the step, as citizens and staff read it


TRANSITIONS: tuple[Transition, ...] = (
    Transition("answer", ("submitted",), ("operator", "dispatcher"), "answered", "直接答复"),
    Transition("dispatch", AT_CENTRE, ("dispatcher", "system"), "dispatched", "转办"),
    Transition("sign", ("dispatched",), ("handler",), "signed", "签收"),
    Transition("return", ("dispatched", "signed"), ("handler",), "returned", "退回"),
    Transition(
        "transfer", ("dispatched", "signed"), ("handler",), "transfer_requested", "申请改派"
    ),
    Transition("notice", ("signed", "reopened"), ("handler",), "noticed", "告知"),
    Transition("reply", ("signed", "noticed", "reopened"), ("handler",), "replied", "答复"),
    Transition(
        "extension",
        ("signed", "noticed", "reopened"),
        ("handler",),
        "extension_requested",
        "申请延期",
    ),
    Transition(
        "extension_decision", ("extension_requested",), ("supervisor",), RESUME, "延期审核"
    ),
    Transition("supervise", OPEN_STATES, ("supervisor", "system"), STAY, "督办"),
    Transition(
        "callback",
        AWAITING_RATING + ("rated", "closed") + HANDLING,
        ("supervisor",),
        STAY,
        "回访",
    ),
    Transition("rate", AWAITING_RATING, ("citizen",), BY_OUTCOME, "评价"),
    Transition("verify", ("rated",), ("supervisor",), BY_OUTCOME, "核实"),
    Transition("merge", AT_CENTRE, ("dispatcher",), "merged", "合并"),
    Transition("reject", AT_CENTRE, ("dispatcher",), "rejected", "不予受理"),
    Transition("close_unrated", AWAITING_RATING, ("system",), "closed", "超期未评价办结"),
)

BY_ACTION: dict[str, Transition] = {t.action: t for t in TRANSITIONS}

# admins may take every staff action; the system acts only where the table names it
SUPERUSER_ROLES = frozenset({"admin"})


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
    targets = {STAY: "(unchanged)", RESUME: "(state before the request)", BY_OUTCOME: "(outcome)"}
    lines = ["| action | 步骤 | from | roles | to |", "|---|---|---|---|---|"]
    for t in TRANSITIONS:
        lines.append(
            f"| `{t.action}` | {t.label} | {', '.join(t.sources)} | {', '.join(t.roles)} | "
            f"{targets.get(t.target, t.target)} |"
        )
    return "\n".join(lines)
