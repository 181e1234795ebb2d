"""``查询`` on the official account: a case's progress in Chinese, for its owner or a code holder.

The hot path of the official account (see bench/wechat_bench.py): the case and its public
timeline come back in one query, then ``casework.views.public_view`` decides what may be shown
(status, public notes, the reply; no personal data, location or lights), as for ``GET /track``.
Misses are throttled per openid and per case, sharing ``GET /track``'s per-case budget.
"""

from __future__ import annotations

import hmac
from datetime import datetime
from types import SimpleNamespace
from typing import Any

from tortoise.connection import get_connection

from casework import queries, views
from casework.transitions import EVENT_LABELS
from hotline import ratelimit
from hotline.crypto import lookup_hash
from hotline.db import placeholders
from hotline.errors import RateLimited
from wechat import identities

NOT_FOUND = "未找到该诉求，请核对诉求编号和查询码。"
NOT_OWNER = "非本微信提交的诉求，请在编号后加查询码。"
THROTTLED = "查询过于频繁，请稍后再试。"
MISSES_PER_OPENID_HOURLY = 20
_SQL = (
    "SELECT c.id, c.tracking_no, c.query_code_hash, c.kind, c.category_id, c.status,"
    " c.created_at, c.citizen_id, e.seq, e.at, e.action, e.note"
    ' FROM "case" c LEFT JOIN case_event e ON e.case_id = c.id AND e.public'
    " WHERE c.tracking_no = {ph} ORDER BY e.seq"
)


def _dt(value: Any) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value))  # SQLite keeps ISO text


async def _load(tracking_no: str) -> tuple[SimpleNamespace, list[SimpleNamespace]] | None:
    conn = get_connection("default")
    (ph,) = placeholders(conn, 1)
    rows = await conn.execute_query_dict(_SQL.format(ph=ph), [tracking_no])
    if not rows:
        return None
    head = rows[0]
    case = SimpleNamespace(
        id=head["id"], tracking_no=head["tracking_no"], query_code_hash=head["query_code_hash"],
        kind=head["kind"], category_id=head["category_id"], status=head["status"],
        created_at=_dt(head["created_at"]), citizen_id=head["citizen_id"],
    )
    events = [
        SimpleNamespace(seq=r["seq"], at=_dt(r["at"]), action=r["action"], note=r["note"] or "",
                        public=True)
        for r in rows if r["seq"] is not None
    ]
    return case, events


async def progress(openid: str, tracking_no: str, code: str | None) -> str:
    """The progress text if ``openid`` filed the case or ``code`` is its query code."""
    # the lock of /track (casework.queries.track): a code guessed there is not tried here
    if code and await ratelimit.locked_for(f"track:{tracking_no}"):
        return THROTTLED
    loaded = await _load(tracking_no)
    allowed = False
    if loaded is not None and code:
        expected = lookup_hash(code, f"query:{tracking_no}")
        allowed = hmac.compare_digest(expected, loaded[0].query_code_hash)
    elif loaded is not None and loaded[0].citizen_id is not None:
        owner = await identities.find("openid_oa", openid)
        allowed = owner is not None and owner.id == loaded[0].citizen_id
    if loaded is None or not allowed:
        try:
            await ratelimit.hit(f"wx-track-miss:{openid}", MISSES_PER_OPENID_HOURLY, 3600)
        except RateLimited:
            return THROTTLED
        if code and await ratelimit.fail(f"track:{tracking_no}", queries.track_lockout()):
            return THROTTLED
        return NOT_FOUND if code else NOT_FOUND + NOT_OWNER
    case, events = loaded
    reply = next((e.note for e in reversed(events) if e.action in ("reply", "answer")), None)
    # case and events are the rows of one raw query, shaped as public_view reads a Case
    return format_progress(views.public_view(case, events, reply))  # type: ignore[arg-type]


def format_progress(view: dict[str, Any]) -> str:
    lines = [
        f"诉求编号：{view['tracking_no']}",
        f"办理状态：{view['status_label']}",
        f"受理时间：{_short(view.get('created_at'))}",
    ]
    timeline = view.get("timeline") or []
    if timeline:
        lines.append("办理经过：")
        for step in timeline[-6:]:
            label = EVENT_LABELS.get(step["action"], step.get("label") or step["action"])
            shown = step.get("note") and step["action"] not in ("reply", "answer")
            note = f"（{step['note'][:60]}）" if shown else ""
            lines.append(f"· {_short(step.get('at'))} {label}{note}")
    if view.get("reply"):
        lines.append(f"答复内容：{str(view['reply'])[:600]}")
    return "\n".join(lines)


def _short(iso: object) -> str:
    """``2026-11-27T10:05:00+08:00`` -> ``2026-11-27 10:05``."""
    return str(iso or "")[:16].replace("T", " ")
