"""Supervisors' statistics over the cases received in a period, aggregated in SQL.

Definitions (the cohort is every case *received* — ``created_at`` — between ``from`` 00:00 and
``to`` 23:59:59.999999, Asia/Shanghai civil dates, within the caller's unit subtree or the
subtree of ``unit_id``; a case belongs to the unit responsible for it now, ``unit_path``):

* ``received``: cases of the cohort; ``merged`` and ``rejected``: those merged into another
  case or not admitted (不予受理) — neither can be completed.
* ``completed``: the citizen has the current answer — status ``answered``, ``replied``,
  ``rated`` or ``closed``, and either ``replied_at`` is set or the close reason is not
  ``merged``/``rejected``. A reopened case is not completed until it is replied again.
  ``completion_rate`` = completed / (received - merged - rejected).
* ``on_time_rate`` = completed with ``completed_on_time`` true / completed with a verdict;
  ``completed_late``: completed with ``completed_on_time`` false.
* ``open``: cases of the cohort neither completed nor merged or rejected (still in hand).
* ``avg_handling_days``: mean calendar days from receipt to (latest) reply of completed cases,
  by channel group: ``letters_visits_online`` (letter, visit, app, wechat_mini, wechat_oa,
  kiosk, web) and ``calls`` (phone), and ``all``.
* ``satisfaction_rate`` = (cases whose latest rating is 3-5 + followers' ratings of 3-5) /
  (cases rated + followers' ratings), followers' ratings being those of the case's current
  reply round (a reply closed as unrated is not rated, so it counts neither way). ``rated`` and
  ``satisfied`` stay the cases' own (their reporters'); ``follower_rated`` and
  ``follower_satisfied`` are the followers' ("me too", ``casework.follow``).
* ``followers``: citizens following the cohort's cases (FixMyStreet's duplicate subscriptions).
* ``return_rate`` = cases returned at least once / cases dispatched at least once.
* ``reopen_rate`` = cases reopened at least once / cases replied at least once.
* ``knowledge``: answers before filing (``casework.precheck``) — consultations prechecked in
  the period within the scope (a kiosk's by its unit, the others' by the root unit),
  ``offered`` a knowledge item, ``deflected`` (solved by it and not filed), ``filed`` anyway;
  ``deflection_rate`` = deflected / prechecks.
* ``overdue_now``: a snapshot, not limited to the period — open cases of the scope whose
  earliest unmet deadline has passed (the red queue).

Rates are null when their denominator is 0.

:func:`by_unit` gives the same figures (the same columns, the same shaping) for the whole tree
and for every unit's subtree at once: the public monthly figures (``GET /public/stats``) are
these, so they equal what a supervisor reads for the same unit and month.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from tortoise.connection import get_connection

from casework import precheck
from casework.queues import Scope, ScopeUnit, db_time, resolve_scope, scope_sql
from casework.transitions import OPEN_STATES
from hotline.db import dialect_sql
from hotline.errors import ValidationProblem
from hotline.timefmt import SHANGHAI
from identity.principal import Principal

MAX_DAYS = 366
CALLS = ("phone",)
GROUPS = ("letters_visits_online", "calls")

_COMPLETED = (
    "status IN ('answered', 'replied', 'rated', 'closed') AND (replied_at IS NOT NULL "
    "OR COALESCE(close_reason, '') NOT IN ('merged', 'rejected'))"
)
_DAYS = {
    "sqlite": "(julianday(replied_at) - julianday(created_at))",
    "postgres": "(EXTRACT(EPOCH FROM (replied_at - created_at)) / 86400.0)",
}


def _sum(cond: str, value: str = "1") -> str:
    return f"SUM(CASE WHEN {cond} THEN {value} ELSE 0 END)"


def _cohort_sql(dialect: str, scope_clause: str, by_path: bool = False) -> str:
    days = _DAYS.get(dialect, _DAYS["postgres"])
    done = f"({_COMPLETED})"
    columns = {
        "received": "COUNT(*)",
        "merged": _sum("status = 'merged'"),
        "rejected": _sum("status = 'rejected'"),
        "completed": _sum(done),
        "judged": _sum(f"{done} AND completed_on_time IS NOT NULL"),
        "on_time": _sum(f"{done} AND completed_on_time"),
        "late": _sum(f"{done} AND NOT completed_on_time"),
        "open": _sum(f"NOT {done} AND status NOT IN ('merged', 'rejected')"),
        "handled": _sum(f"{done} AND replied_at IS NOT NULL"),
        "handling_days": _sum(f"{done} AND replied_at IS NOT NULL", days),
        "rated": _sum("rating IS NOT NULL"),
        "satisfied": _sum("rating >= 3"),
        "dispatched": _sum("dispatched_at IS NOT NULL OR returned_count > 0"),
        "returned": _sum("returned_count > 0"),
        "replied": _sum("replied_at IS NOT NULL OR reopened_count > 0"),
        "reopened": _sum("reopened_count > 0"),
    }
    select = ",\n  ".join(f"{expr} AS {name}" for name, expr in columns.items())
    group = "unit_path, channel" if by_path else "channel"
    return (
        f'SELECT {group},\n  {select}\nFROM "case"\n'
        f"WHERE created_at >= ? AND created_at < ?{scope_clause}\nGROUP BY {group}"
    )


def period(from_: date | None, to: date | None, now: datetime) -> tuple[date, date]:
    """Default: the current month up to today (Asia/Shanghai)."""
    today = now.astimezone(SHANGHAI).date()
    to = to or today
    from_ = from_ or to.replace(day=1)
    if from_ > to:
        raise ValidationProblem("起始日期不能晚于截止日期", code="invalid_period")
    if (to - from_).days + 1 > MAX_DAYS:
        raise ValidationProblem(f"统计区间不能超过 {MAX_DAYS} 天", code="invalid_period")
    return from_, to


def _rate(numerator: float, denominator: float, digits: int = 4) -> float | None:
    return round(numerator / denominator, digits) if denominator else None


def _num(value: Any) -> float:
    return float(value or 0)


async def compute(
    who: Principal,
    *,
    from_: date | None = None,
    to: date | None = None,
    unit_id: int | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """The statistics of the caller's scope (or of ``unit_id``'s subtree) for a period."""
    now = (now or datetime.now(UTC)).astimezone(UTC)
    from_, to = period(from_, to, now)
    scope = await resolve_scope(who, unit_id)
    start = datetime.combine(from_, time(0), tzinfo=SHANGHAI)
    end = datetime.combine(to + timedelta(days=1), time(0), tzinfo=SHANGHAI)
    conn = get_connection("default")
    clause, scope_params = scope_sql(scope)
    sql = dialect_sql(conn, _cohort_sql(conn.capabilities.dialect, clause))
    rows = await conn.execute_query_dict(
        sql, [db_time(conn, start), db_time(conn, end), *scope_params]
    )
    overdue = await overdue_now(scope, now)
    shaped = _shape(rows, scope, from_, to, now, overdue)
    followers = await _followers(conn, clause, [db_time(conn, start), db_time(conn, end),
                                                *scope_params], shaped)
    return shaped | followers | {"knowledge": await precheck.stats(start, end, clause,
                                                                   scope_params)}


async def _followers(
    conn: Any, clause: str, params: list[Any], shaped: dict[str, Any]
) -> dict[str, Any]:
    """Followers of the cohort's cases and their ratings of the current reply round; the
    satisfaction rate counts both the reporters' and the followers' ratings."""
    scoped = clause.replace("unit_path", "c.unit_path")
    where = f"WHERE c.created_at >= ? AND c.created_at < ?{scoped}"
    follows = await conn.execute_query_dict(dialect_sql(
        conn, f'SELECT COUNT(*) AS n FROM case_follow f JOIN "case" c ON c.id = f.case_id {where}'
    ), params)
    ratings = await conn.execute_query_dict(dialect_sql(
        conn, "SELECT COUNT(*) AS n, SUM(CASE WHEN r.score >= 3 THEN 1 ELSE 0 END) AS ok "
        'FROM follower_rating r JOIN "case" c ON c.id = r.case_id AND r.round = c.reply_round '
        f"{where}"
    ), params)
    rated, ok = int(ratings[0]["n"] or 0), int(ratings[0]["ok"] or 0)
    return {
        "followers": int(follows[0]["n"] or 0),
        "follower_rated": rated,
        "follower_satisfied": ok,
        "satisfaction_rate": _satisfaction(shaped, rated, ok),
    }


def _satisfaction(shaped: dict[str, Any], follower_rated: int, follower_ok: int) -> float | None:
    return _rate(shaped["satisfied"] + follower_ok, shaped["rated"] + follower_rated)


async def overdue_now(scope: Scope, now: datetime) -> int:
    conn = get_connection("default")
    clause, params = scope_sql(scope)
    states = ", ".join(f"'{s}'" for s in OPEN_STATES)
    sql = dialect_sql(
        conn,
        f'SELECT COUNT(*) AS n FROM "case" WHERE next_due_at < ?{clause} '
        f"AND status IN ({states})",
    )
    rows = await conn.execute_query_dict(sql, [db_time(conn, now), *params])
    return int(rows[0]["n"] or 0)


def _shape(
    rows: list[dict[str, Any]],
    scope: Scope,
    from_: date,
    to: date,
    now: datetime,
    overdue: int,
) -> dict[str, Any]:
    keys = [k for k in (rows[0] if rows else {}) if k not in ("channel", "unit_path")]
    total = {k: sum(_num(r[k]) for r in rows) for k in keys}
    groups: dict[str, dict[str, float]] = {g: {} for g in GROUPS}
    for r in rows:
        group = groups["calls" if r["channel"] in CALLS else "letters_visits_online"]
        for k in ("received", "completed", "handled", "handling_days"):
            group[k] = group.get(k, 0.0) + _num(r[k])
    t = total.get
    admitted = t("received", 0) - t("merged", 0) - t("rejected", 0)
    by_group = {
        name: {
            "received": int(g.get("received", 0)),
            "completed": int(g.get("completed", 0)),
            "avg_handling_days": _rate(g.get("handling_days", 0), g.get("handled", 0), 2),
        }
        for name, g in groups.items()
    }
    return {
        "from": from_.isoformat(),
        "to": to.isoformat(),
        "unit": {"id": scope.unit.id, "name": scope.unit.name},
        "generated_at": now.astimezone(SHANGHAI).isoformat(),
        "received": int(t("received", 0)),
        "merged": int(t("merged", 0)),
        "rejected": int(t("rejected", 0)),
        "completed": int(t("completed", 0)),
        "completion_rate": _rate(t("completed", 0), admitted),
        "on_time": int(t("on_time", 0)),
        "on_time_rate": _rate(t("on_time", 0), t("judged", 0)),
        "completed_late": int(t("late", 0)),
        "open": int(t("open", 0)),
        "avg_handling_days": {
            **{name: g["avg_handling_days"] for name, g in by_group.items()},
            "all": _rate(t("handling_days", 0), t("handled", 0), 2),
        },
        "by_channel_group": by_group,
        "rated": int(t("rated", 0)),
        "satisfied": int(t("satisfied", 0)),
        "satisfaction_rate": _rate(t("satisfied", 0), t("rated", 0)),
        "dispatched": int(t("dispatched", 0)),
        "returned": int(t("returned", 0)),
        "return_rate": _rate(t("returned", 0), t("dispatched", 0)),
        "replied": int(t("replied", 0)),
        "reopened": int(t("reopened", 0)),
        "reopen_rate": _rate(t("reopened", 0), t("replied", 0)),
        "overdue_now": overdue,
    }


async def by_unit(
    from_: date, to: date, *, now: datetime | None = None
) -> list[dict[str, Any]]:
    """The figures of the whole tree (first) and of every unit's subtree that received cases
    in the period, from one grouped pass over the cohort (rules as in :func:`compute`;
    ``overdue_now`` and the knowledge figures are left out)."""
    now = (now or datetime.now(UTC)).astimezone(UTC)
    from_, to = period(from_, to, now)
    start = datetime.combine(from_, time(0), tzinfo=SHANGHAI)
    end = datetime.combine(to + timedelta(days=1), time(0), tzinfo=SHANGHAI)
    conn = get_connection("default")
    params = [db_time(conn, start), db_time(conn, end)]
    rows = await conn.execute_query_dict(
        dialect_sql(conn, _cohort_sql(conn.capabilities.dialect, "", by_path=True)), params
    )
    ratings = await conn.execute_query_dict(dialect_sql(
        conn, "SELECT c.unit_path, COUNT(*) AS n, "
        "SUM(CASE WHEN r.score >= 3 THEN 1 ELSE 0 END) AS ok FROM follower_rating r "
        'JOIN "case" c ON c.id = r.case_id AND r.round = c.reply_round '
        "WHERE c.created_at >= ? AND c.created_at < ? GROUP BY c.unit_path"
    ), params)
    units = await conn.execute_query_dict("SELECT id, name, path FROM unit ORDER BY path")
    out = []
    for i, u in enumerate(units):
        path = str(u["path"])
        mine = [r for r in rows if str(r["unit_path"]).startswith(path)]
        if not mine and i > 0:
            continue
        by_channel: dict[str, dict[str, Any]] = {}
        for r in mine:
            acc = by_channel.setdefault(r["channel"], {"channel": r["channel"]})
            for k, v in r.items():
                if k not in ("channel", "unit_path"):
                    acc[k] = acc.get(k, 0) + _num(v)
        scope = Scope(unit=ScopeUnit(u["id"], u["name"], path), paths=None, names={})
        shaped = _shape(list(by_channel.values()), scope, from_, to, now, 0)
        theirs = [r for r in ratings if str(r["unit_path"]).startswith(path)]
        rated = sum(int(r["n"] or 0) for r in theirs)
        ok = sum(int(r["ok"] or 0) for r in theirs)
        shaped["satisfaction_rate"] = _satisfaction(shaped, rated, ok)
        out.append(shaped)
    return out
