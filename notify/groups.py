"""Per-recipient limits of the outbox worker (:mod:`notify.worker`): a partner's webhook rows
(``recipient_kind = 'partner'``) are a group of their own, at most ``limit`` of them in flight
per worker, so a slow or failing receiver holds its own rows and never the others' slots."""

from __future__ import annotations

from typing import Any

from notify.outbox_sql import GROUPED

Row = dict[str, Any]


class Groups:
    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.in_flight: dict[str, int] = {}  # a partner's id -> its rows in flight

    @staticmethod
    def of(row: Row) -> str | None:
        return str(row["recipient_id"]) if row["recipient_kind"] == GROUPED else None

    def full(self) -> list[str]:
        """The groups at their limit (a claim leaves their rows out)."""
        return sorted(g for g, n in self.in_flight.items() if n >= self.limit)

    def admit(self, rows: list[Row]) -> tuple[list[Row], list[Row]]:
        """The claimed rows that may start now, and those over their group's limit (to hand
        back). Each admitted grouped row counts until :meth:`done`."""
        admitted, over = [], []
        for row in rows:
            group = self.of(row)
            if group is None:
                admitted.append(row)
            elif self.in_flight.get(group, 0) < self.limit:
                self.in_flight[group] = self.in_flight.get(group, 0) + 1
                admitted.append(row)
            else:
                over.append(row)
        return admitted, over

    def done(self, row: Row) -> None:
        group = self.of(row)
        if group is None:
            return
        left = self.in_flight.get(group, 1) - 1
        if left > 0:
            self.in_flight[group] = left
        else:
            self.in_flight.pop(group, None)
