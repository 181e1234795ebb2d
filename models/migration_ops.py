"""Migration operations of our own, for the files in models/migrations/."""

from __future__ import annotations

from typing import Any

from tortoise.migrations import operations as ops


class AlterChoices(ops.AlterField):
    """A new value of a CharEnumField: only the documented choices change, and the column (a
    varchar long enough) stays as it is. A plain AlterField makes SQLite rebuild the table,
    which drops the table's indexes."""

    async def database_forward(self, *args: Any, **kwargs: Any) -> None:
        return None

    async def database_backward(self, *args: Any, **kwargs: Any) -> None:
        return None
