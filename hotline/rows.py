"""Many rows of one model in one statement, where an ORM object per row costs too much.

Intake's group commit files dozens of cases per transaction: building a Tortoise model per row
and saving it statement by statement costs more than the rest of a submission together. Here a
row is a plain dict keyed by column (``category_id``, not ``category``) and starts from the
model's own defaults, so the table definition stays in ``models/`` and nothing is duplicated.
Values are converted the way Tortoise would store them (JSON as text, enums by value, aware
datetimes as they are), so the ORM reads these rows back like its own.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import Enum
from functools import cache, lru_cache
from operator import itemgetter
from typing import Any

import orjson
from tortoise import fields
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.fields.data import CharEnumFieldInstance
from tortoise.models import Model

from hotline.db import dialect_placeholders


@dataclass(frozen=True)
class _Column:
    name: str
    default: Callable[[], Any]
    convert: Callable[[Any], Any] | None
    max_length: int | None
    nullable: bool


@dataclass(frozen=True)
class _Table:
    name: str
    columns: tuple[_Column, ...]
    constant: dict[str, Any]  # columns whose default is a constant (None, 0, "", False)
    made: tuple[tuple[str, Callable[[], Any]], ...]  # columns whose default is made per row
    names: frozenset[str]
    # for _values, by column position: all values at once, then only the columns that need it
    pick: Callable[[Mapping[str, Any]], tuple[Any, ...]]
    converts: tuple[tuple[int, Callable[[Any], Any]], ...]
    required: Callable[[Sequence[Any]], tuple[Any, ...]]
    lengths: tuple[tuple[int, int], ...]


def _json(value: Any) -> str | None:
    if value is None:
        return None
    if not value and isinstance(value, list | dict):
        return "[]" if isinstance(value, list) else "{}"
    return orjson.dumps(value).decode()


def _enum(value: Any) -> Any:
    return value.value if isinstance(value, Enum) else value


def _default(field: fields.Field) -> Callable[[], Any]:
    if isinstance(field, fields.DatetimeField) and (field.auto_now or field.auto_now_add):
        return lambda: datetime.now(UTC)
    d = field.default
    if callable(d):
        return d
    return lambda: d


@cache
def _table(model: type[Model]) -> _Table:
    meta = model._meta
    cols = []
    for name in meta.fields_db_projection:
        field = meta.fields_map[name]
        if field.pk and field.generated:
            continue
        convert: Callable[[Any], Any] | None = None
        if isinstance(field, fields.JSONField):
            convert = _json
        elif isinstance(field, CharEnumFieldInstance):
            convert = _enum
        max_length = field.max_length if isinstance(field, fields.CharField) else None
        column = meta.fields_db_projection[name]
        cols.append(_Column(column, _default(field), convert, max_length, field.null))
    constant, made = {}, []
    for c in cols:
        value = c.default()
        if value is None or isinstance(value, str | int | float | bool):
            constant[c.name] = value
        else:  # a list, dict or time: a fresh one per row
            made.append((c.name, c.default))
    return _Table(
        meta.db_table,
        tuple(cols),
        constant,
        tuple(made),
        frozenset(c.name for c in cols),
        _getter([c.name for c in cols]),
        tuple((i, c.convert) for i, c in enumerate(cols) if c.convert is not None),
        _getter([i for i, c in enumerate(cols) if not c.nullable]),
        tuple((i, c.max_length) for i, c in enumerate(cols) if c.max_length is not None),
    )


def _getter(keys: Sequence[Any]) -> Callable[[Any], tuple[Any, ...]]:
    """itemgetter that always returns a tuple (also for zero or one key)."""
    if len(keys) == 1:
        return lambda obj: (obj[keys[0]],)
    if not keys:
        return lambda obj: ()
    return itemgetter(*keys)


def new_row(model: type[Model], **values: Any) -> dict[str, Any]:
    """Every column of ``model`` at its default, then ``values`` (keyed by column name)."""
    table = _table(model)
    if not values.keys() <= table.names:
        raise KeyError(f"{model.__name__} has no columns {sorted(values.keys() - table.names)}")
    row = table.constant.copy()
    for name, make in table.made:
        if name not in values:
            row[name] = make()
    row.update(values)
    return row


def _values(table: _Table, row: Mapping[str, Any]) -> list[Any]:
    """The row's values in column order, as stored; ValueError for what the table refuses."""
    out = list(table.pick(row))
    for i, convert in table.converts:
        out[i] = convert(out[i])
    if None in table.required(out):
        cols = zip(table.columns, out, strict=True)
        bad = next(c.name for c, v in cols if v is None and not c.nullable)
        raise ValueError(f"{table.name}.{bad} may not be null")
    for i, limit in table.lengths:
        v = out[i]
        if v is not None and len(v) > limit:
            raise ValueError(f"{table.name}.{table.columns[i].name} is longer than {limit}")
    return out


@lru_cache(maxsize=256)
def _insert_sql(model: type[Model], dialect: str, n_rows: int, returning: tuple[str, ...]) -> str:
    """The INSERT of ``n_rows`` rows of ``model`` (a batch's size recurs: built once per size)."""
    table = _table(model)
    n_cols = len(table.columns)
    marks = dialect_placeholders(dialect, n_rows * n_cols)
    values = ",".join(
        "(" + ",".join(marks[r * n_cols : (r + 1) * n_cols]) + ")" for r in range(n_rows)
    )
    names = ",".join(f'"{c.name}"' for c in table.columns)
    sql = f'INSERT INTO "{table.name}" ({names}) VALUES {values}'
    if returning:
        sql += " RETURNING " + ",".join(f'"{r}"' for r in returning)
    return sql


async def insert(
    conn: BaseDBAsyncClient,
    model: type[Model],
    rows: Sequence[Mapping[str, Any]],
    returning: Sequence[str] = (),
) -> list[dict[str, Any]]:
    """INSERT ``rows`` (from :func:`new_row`) in one statement; the ``returning`` columns of each.

    The returned rows come in no guaranteed order: return a unique column to match them up.
    """
    if not rows:
        return []
    table = _table(model)
    values: list[Any] = []
    for row in rows:
        values.extend(_values(table, row))
    sql = _insert_sql(model, conn.capabilities.dialect, len(rows), tuple(returning))
    if returning:
        return await conn.execute_query_dict(sql, values)
    await conn.execute_query(sql, values)
    return []
