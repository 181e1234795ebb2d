"""Raw SQL gets its parameter markers from one rule (hotline.db), whatever the caller."""

from types import SimpleNamespace
from typing import Any

from hotline.db import dialect_placeholders, dialect_sql, placeholders


def _conn(dialect: str) -> Any:
    return SimpleNamespace(capabilities=SimpleNamespace(dialect=dialect))


def test_question_marks_become_numbered_markers_on_postgres_only():
    sql = "UPDATE t SET a = ? WHERE id IN (?, ?) AND b = ?"
    assert dialect_sql(_conn("sqlite"), sql) == sql
    assert dialect_sql(_conn("postgres"), sql) == (
        "UPDATE t SET a = $1 WHERE id IN ($2, $3) AND b = $4"
    )
    assert dialect_sql(_conn("postgres"), "SELECT 1") == "SELECT 1"


def test_markers_and_rewriting_agree():
    for dialect in ("sqlite", "postgres"):
        marks = placeholders(_conn(dialect), 3)
        assert marks == dialect_placeholders(dialect, 3)
        assert dialect_sql(_conn(dialect), "?, ?, ?") == ", ".join(marks)


def test_no_other_copy_of_the_rewriting_rule():
    import casework.queues
    import notify.worker
    import rewards.sql

    assert not hasattr(casework.queues, "dialect_sql")
    assert notify.worker.dialect_sql is dialect_sql
    assert not hasattr(rewards.sql, "dialect")
