"""The desks of the console: base.html's left navigation shows those of the person's roles.
A new desk adds one entry here (and its router in console/app.py)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Desk:
    key: str
    label: str  # as the left navigation shows it
    path: str
    roles: tuple[str, ...]


DESKS: list[Desk] = [
    Desk("operator", "话务受理", "/console/operator", ("operator",)),
    Desk("dispatcher", "派单中心", "/console/dispatch", ("dispatcher",)),
    Desk("workbench", "承办工作台", "/console/workbench", ("handler",)),
    Desk("publisher", "公开审核", "/console/publisher", ("publisher", "supervisor")),
]


def desks_for(roles: frozenset[str] | set[str]) -> list[Desk]:
    return [d for d in DESKS if roles.intersection(d.roles)]
