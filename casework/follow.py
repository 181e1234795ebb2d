"""Following a case ("me too", 我也遇到) instead of filing it again.

A citizen follows an open case someone else filed; following twice is one follow. Followers:

* get the case's progress as their own messages (``case_follow_progress``, and
  ``case_follow_replied`` with the rating link when it is answered), queued in the step's
  transaction by a step hook — tracking number and status only: never the reporter's name,
  phone or query code, nor a unit's notice text (written to the reporter);
* may rate each reply round once (:func:`rate`): stored apart from the reporter's rating
  (``models.follow.FollowerRating``), which alone drives the case; the statistics count
  followers' ratings in the satisfaction rate (``casework.stats``);
* see the case in ``GET /cases/following``;
* follow the case it is merged into when a dispatcher merges it.

Confidential cases cannot be followed, nor found: they answer as unknown.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.connection import get_connection
from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from casework import queries, rating_links, views
from casework.transitions import TERMINAL_STATES, State
from hotline import rows
from hotline.db import flat_values, placeholders
from hotline.errors import Conflict, NotFound, ValidationProblem
from identity.principal import Principal
from models.case import Case
from models.follow import CaseFollow, FollowerRating
from models.outbox import OutboxMessage
from notify import recipients

UNKNOWN = "未找到该诉求"
# the steps followers hear about, and how
PROGRESS = frozenset({"dispatch", "notice", "reject", "merge"})
ANSWERED = frozenset({"answer", "reply"})
# a follower may rate the current answer in these states
RATEABLE = rating_links.FOLLOWER_RATEABLE


async def _followable(tracking_no: str) -> Case:
    case = await Case.get_or_none(tracking_no=tracking_no).only(
        "id", "tracking_no", "status", "confidential", "citizen_id", "title", "created_at",
        "reply_round", "close_reason",
    )
    if case is None or case.confidential:
        raise NotFound(UNKNOWN)
    return case


async def follower_counts(case_ids: list[int]) -> dict[int, int]:
    if not case_ids:
        return {}
    conn = get_connection("default")
    ph = ", ".join(placeholders(conn, len(case_ids)))
    result = await conn.execute_query_dict(
        f"SELECT case_id, COUNT(*) AS n FROM case_follow WHERE case_id IN ({ph}) GROUP BY case_id",
        list(case_ids),
    )
    return {int(r["case_id"]): int(r["n"]) for r in result}


async def _reply(case: Case, following: bool) -> dict[str, Any]:
    counts = await follower_counts([case.id])
    return {"tracking_no": case.tracking_no, "following": following,
            "followers": counts.get(case.id, 0)}


async def follow(who: Principal, tracking_no: str, now: datetime | None = None
                 ) -> tuple[bool, dict[str, Any]]:
    """Follow the case; ``(created, reply)`` — following again changes nothing."""
    case = await _followable(tracking_no)
    if case.citizen_id == who.id:
        raise Conflict("这是您本人提交的诉求，无需关注", code="own_case")
    if case.status in TERMINAL_STATES:
        raise Conflict("该诉求已办结，不能再关注", code="case_closed")
    conn = get_connection("default")
    a, b, c = placeholders(conn, 3)
    created = await conn.execute_query_dict(
        f"INSERT INTO case_follow (case_id, citizen_id, created_at) VALUES ({a}, {b}, {c}) "
        "ON CONFLICT (case_id, citizen_id) DO NOTHING RETURNING id",
        [case.id, who.id, _db_time(conn, now or datetime.now(UTC))],
    )
    return bool(created), await _reply(case, True)


async def unfollow(who: Principal, tracking_no: str) -> dict[str, Any]:
    case = await _followable(tracking_no)
    await CaseFollow.filter(case_id=case.id, citizen_id=who.id).delete()
    return await _reply(case, False)


def _db_time(conn: BaseDBAsyncClient, at: datetime) -> Any:
    at = at.astimezone(UTC)
    return at.isoformat(" ") if conn.capabilities.dialect == "sqlite" else at


async def following(who: Principal, limit: int, cursor: str | None) -> dict[str, Any]:
    """The cases the caller follows, last followed first: what any follower may see."""
    page, next_cursor = await queries.newest_first(
        CaseFollow.filter(citizen_id=who.id), limit, cursor, "f"
    )
    ids = [f.case_id for f in page]
    cases = {c.id: c for c in await Case.filter(id__in=ids).only(
        "id", "tracking_no", "title", "status", "created_at", "category_id")}
    counts = await follower_counts(ids)
    items = []
    for f in page:
        c = cases[f.case_id]
        items.append({
            "tracking_no": c.tracking_no,
            "title": c.title,
            "category_code": c.category_id,
            "status": c.status,
            "status_label": views.STATUS_LABELS.get(c.status, c.status),
            "created_at": views.iso(c.created_at),
            "followed_at": views.iso(f.created_at),
            "followers": counts.get(c.id, 0),
        })
    return {"items": items, "next_cursor": next_cursor}


async def rate(who: Principal, tracking_no: str, score: int, comment: str = "",
               now: datetime | None = None) -> dict[str, Any]:
    """A follower's rating of the current answer: once per reply round; the case unchanged."""
    if not 1 <= score <= 5:
        raise ValidationProblem("评分须为 1 到 5", code="validation_error")
    case = await _followable(tracking_no)
    if not await CaseFollow.exists(case_id=case.id, citizen_id=who.id):
        raise NotFound(UNKNOWN)
    if case.reply_round < 1 or case.status not in RATEABLE or case.close_reason in (
        "merged", "rejected"
    ):
        raise Conflict("该诉求尚未答复，暂不能评价", code="not_rateable")
    try:
        async with in_transaction():
            await FollowerRating.create(
                case_id=case.id, citizen_id=who.id, round=case.reply_round, score=score,
                comment=comment, created_at=now or datetime.now(UTC),
            )
    except IntegrityError:
        raise Conflict("您已评价过本轮答复", code="already_rated") from None
    return {"tracking_no": case.tracking_no, "round": case.reply_round, "score": score,
            "label": views.SCORE_LABELS[score]}


# -- progress messages (a step hook, inside the step's transaction) ---------------------------
def _message(action: str, case: Case) -> tuple[str, dict[str, Any]] | None:
    if action in ANSWERED:  # each follower's own rating link (see notify_followers)
        return "case_follow_replied", {"tracking_no": case.tracking_no}
    if action in PROGRESS or (action == "verify" and case.status == State.REOPENED):
        label = views.STATUS_LABELS.get(case.status, case.status)
        return "case_follow_progress", {"tracking_no": case.tracking_no, "status_label": label}
    return None


async def notify_followers(
    action: str, case: Case, payload: dict[str, Any], now: datetime, conn: BaseDBAsyncClient
) -> None:
    """After a step (called by ``casework.lifecycle``): the followers' progress messages."""
    message = _message(action, case)
    if message is None:
        return
    citizen_ids: list[int] = await flat_values(
        CaseFollow.filter(case_id=case.id).using_db(conn), "citizen_id"
    )
    if action == "merge" and case.parent_id:
        await _carry_over(conn, case, now)
    template, params = message
    out = [
        row for cid in citizen_ids
        if (row := recipients.to_citizen(template, _for(template, params, case, cid),
                                         case_id=case.id, citizen_id=cid, phone_enc=None,
                                         now=now))
    ]
    await rows.insert(conn, OutboxMessage, [rows.new_row(OutboxMessage, **r) for r in out])


def _for(template: str, params: dict[str, Any], case: Case, citizen_id: int) -> dict[str, Any]:
    if template != "case_follow_replied":
        return params
    return {**params, "rating_url": rating_links.url(case, follower=citizen_id)}


async def _carry_over(conn: BaseDBAsyncClient, case: Case, now: datetime) -> None:
    """Followers of a merged case follow the case it was merged into."""
    a, b = placeholders(conn, 2)
    await conn.execute_query(
        f"INSERT INTO case_follow (case_id, citizen_id, created_at) SELECT {a}, citizen_id, "
        f"created_at FROM case_follow WHERE case_id = {b} "
        "ON CONFLICT (case_id, citizen_id) DO NOTHING",
        [case.parent_id, case.id],
    )
