"""What each action of the transition table does to a case (registered in ``stepkit``).

A step changes the case in memory and says what to record and whom to tell; it never sets the
status: ``lifecycle.perform`` takes that from the table (for RESUME/BY_OUTCOME actions the step
names its outcome in ``Outcome.state`` and the engine checks the table allows it)."""

from __future__ import annotations

from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient

from casework import rating_links, schedule
from casework.deadlines import MAX_EXTENSION_DAYS
from casework.stepkit import Message, Outcome, Step, Write, prepare, step
from casework.transitions import State
from casework.views import SCORE_LABELS
from hotline.errors import NotFound, ValidationProblem, field_problem
from hotline.timefmt import iso
from identity.principal import Principal
from knowledge import links
from models.case import Case, CaseTask, Rating
from models.knowledge import KbItem, KbState
from models.org import Unit

SATISFIED_MIN = 3  # 1-2 unsatisfied, 3-5 satisfied (基本满意 and above)


def _text(payload: dict[str, Any], name: str, label: str, max_len: int = 5000) -> str:
    value = payload.get(name)
    if not isinstance(value, str) or not value.strip():
        raise ValidationProblem(f"请填写{label}", code="validation_error")
    if len(value) > max_len:
        raise ValidationProblem(f"{label}过长", code="validation_error")
    return value.strip()


def _rating_url(case: Case) -> str:
    return rating_links.url(case)


def _task(case: Case, kind: str, now: Any) -> Any:
    async def write(conn: BaseDBAsyncClient) -> None:
        await CaseTask.create(case_id=case.id, kind=kind, created_at=now, using_db=conn)

    return write


def _finish_task(case: Case, kind: str, step_: Step, result: dict[str, Any]) -> Any:
    async def write(conn: BaseDBAsyncClient) -> None:
        await (
            CaseTask.filter(case_id=case.id, kind=kind, status="open")
            .using_db(conn)
            .update(status="done", done_at=step_.now, done_by=step_.viewer.id, result=result)
        )

    return write


def _close(case: Case, s: Step, reason: str) -> None:
    case.closed_at = s.now
    case.close_reason = reason
    schedule.clear_all(case)


# -- the 12345 centre --------------------------------------------------------------------


@prepare("answer")
async def find_kb_item(viewer: Principal, payload: dict[str, Any]) -> dict[str, Any]:
    """The published knowledge item the answer cites (``kb_item_id``), if it names one."""
    item_id = payload.get("kb_item_id")
    if item_id is None:
        return {}
    item = await KbItem.get_or_none(id=item_id) if isinstance(item_id, int) else None
    if item is None:
        raise field_problem("kb_item_id", "引用的知识条目不存在", "unknown_kb_item")
    if item.state != KbState.published:
        raise field_problem("kb_item_id", "引用的知识条目未发布", "kb_item_not_published")
    return {"kb_item": item}


@step("answer")
async def answer(s: Step) -> Outcome:
    content = _text(s.payload, "content", "答复内容")
    case = s.case
    case.procedure = "immediate"
    case.reply_content, case.replied_at = content, s.now
    case.reply_round += 1
    case.completed_on_time = case.due_dispatch is None or s.now <= case.due_dispatch
    schedule.clear_all(case)
    params = {"tracking_no": case.tracking_no, "rating_url": _rating_url(case)}
    item: KbItem | None = s.prepared.get("kb_item")
    if item is None:
        return Outcome(note=content, messages=[Message("case_answered", params, "citizen")])
    # the citation is on the event (the timeline shows it) and in the citizen's message
    cited = {"kb_item_id": item.id, "kb_item_title": item.title}
    kb = {"kb_title": links.short_title(item.title), "kb_url": links.item_url(item.id)}
    return Outcome(note=content, data=cited,
                   messages=[Message("case_answered_kb", params | kb, "citizen")])


@prepare("dispatch")
async def find_unit(viewer: Principal, payload: dict[str, Any]) -> dict[str, Any]:
    unit_id = payload.get("unit_id")
    procedure = payload.get("procedure")
    if procedure not in ("simple", "normal", "petition"):
        raise ValidationProblem(
            "procedure 须为 simple、normal 或 petition", code="validation_error"
        )
    unit = await Unit.get_or_none(id=unit_id) if isinstance(unit_id, int) else None
    if unit is None or not (viewer.kind == "system" or viewer.covers(unit.path)):
        raise ValidationProblem("承办单位不存在或不在可派范围内", code="unknown_unit")
    if not unit.active:
        raise ValidationProblem("承办单位已停用", code="unit_inactive")
    co_ids = payload.get("co_unit_ids") or []
    if not isinstance(co_ids, list) or await Unit.filter(
        id__in=co_ids, active=True
    ).count() != len(set(co_ids)):
        raise ValidationProblem("协办单位不存在或已停用", code="unknown_unit")
    return {"unit": unit, "co_unit_ids": sorted(set(co_ids))}


@step("dispatch")
async def dispatch(s: Step) -> Outcome:
    case, unit = s.case, s.prepared["unit"]
    procedure = s.payload["procedure"]
    case.procedure = procedure
    case.unit_id, case.unit_path = unit.id, unit.path
    case.co_unit_ids = s.prepared["co_unit_ids"]
    case.dispatched_at = s.now
    # counted from submission: a returned case keeps its original completion deadline
    schedule.set_procedure_dues(case, s.cal, procedure, case.extension_days)
    schedule.meet(case, "dispatch")
    sign = schedule.set_due(case, s.cal, "sign", "sign", s.now, schedule.SIGN_HOURS)
    params = {"tracking_no": case.tracking_no, "unit_name": unit.name}
    return Outcome(
        note=f"转办至{unit.name}",
        data={"unit_id": unit.id, "procedure": procedure, "co_unit_ids": case.co_unit_ids},
        messages=[
            Message("case_dispatched", params, "citizen"),
            Message(
                "unit_dispatched",
                {
                    "tracking_no": case.tracking_no,
                    "category": case.category_id,
                    "sign_due": iso(sign.at),
                },
                "unit",
            ),
        ],
    )


def _back_to_centre(s: Step) -> dict[str, Any]:
    case = s.case
    left = {"unit_id": case.unit_id}
    case.unit_id, case.unit_path = None, s.root.path
    schedule.clear_due(case, "sign")
    schedule.set_due(case, s.cal, "dispatch", "dispatch", s.now)
    return left


@step("return")
async def return_(s: Step) -> Outcome:
    reason = _text(s.payload, "reason", "退回理由", 1000)
    data = _back_to_centre(s)
    s.case.returned_count += 1
    return Outcome(note=f"退回：{reason}", public=False, data=data)


@step("transfer")
async def transfer(s: Step) -> Outcome:
    reason = _text(s.payload, "reason", "改派理由", 1000)
    return Outcome(
        note=f"申请改派：{reason}", public=False, data=_back_to_centre(s)
    )


@step("reject")
async def reject(s: Step) -> Outcome:
    reason = _text(s.payload, "reason", "不予受理理由", 1000)
    _close(s.case, s, "rejected")
    msg = Message("case_rejected", {"tracking_no": s.case.tracking_no, "reason": reason}, "citizen")
    return Outcome(note=f"不予受理：{reason}", messages=[msg])


@prepare("merge")
async def find_parent(viewer: Principal, payload: dict[str, Any]) -> dict[str, Any]:
    into = payload.get("into")
    parent = await Case.get_or_none(tracking_no=into) if isinstance(into, str) else None
    if parent is None or not viewer.covers(parent.unit_path):
        raise NotFound("未找到要合并到的诉求")
    if parent.status in ("merged", "rejected"):
        raise ValidationProblem("不能合并到已合并或不予受理的诉求", code="invalid_merge")
    return {"parent": parent}


@step("merge")
async def merge(s: Step) -> Outcome:
    parent = s.prepared["parent"]
    if parent.id == s.case.id:
        raise ValidationProblem("不能合并到自身", code="invalid_merge")
    _close(s.case, s, "merged")
    s.case.parent_id = parent.id
    params = {"tracking_no": s.case.tracking_no, "parent_no": parent.tracking_no}
    return Outcome(
        note=f"与{parent.tracking_no}合并办理",
        data={"parent": parent.tracking_no},
        messages=[Message("case_merged", params, "citizen")],
    )


# -- the handling unit ------------------------------------------------------------------


@step("sign")
async def sign(s: Step) -> Outcome:
    s.case.signed_at = s.now
    schedule.meet(s.case, "sign", "transfer")
    return Outcome(note="已签收")


@step("notice")
async def notice(s: Step) -> Outcome:
    content = _text(s.payload, "content", "告知内容")
    schedule.meet(s.case, "notice")
    msg = Message(
        "case_noticed", {"tracking_no": s.case.tracking_no, "content": content[:60]}, "citizen"
    )
    return Outcome(note=content, messages=[msg])


@step("reply")
async def reply(s: Step) -> Outcome:
    content = _text(s.payload, "content", "答复内容")
    public = s.payload.get("public", False)
    if not isinstance(public, bool):
        raise ValidationProblem("public 须为布尔值", code="validation_error")
    case = s.case
    case.replied_at = s.now
    case.reply_content, case.reply_public = content, public
    case.reply_round += 1
    case.completed_on_time = case.due_complete is None or s.now <= case.due_complete
    schedule.meet(case, "sign", "transfer", "notice", "complete")
    params = {"tracking_no": case.tracking_no, "rating_url": _rating_url(case)}
    messages = [Message("case_replied", params, "citizen")]
    # every reporter of a merged duplicate hears the parent's reply
    for dup in await Case.filter(parent_id=case.id):
        messages.append(
            Message(
                "case_replied",
                {"tracking_no": dup.tracking_no, "rating_url": _rating_url(case)},
                "citizen",
                case=dup,
            )
        )
    outcome = Outcome(
        note=content, data={"round": case.reply_round} | _verification(s.payload), messages=messages
    )
    if case.procedure == "petition" and await _first_petition(case):
        outcome.writes.append(_task(case, "callback", s.now))
    return outcome


def _verification(payload: dict[str, Any]) -> dict[str, Any]:
    """For reports: whether the unit found them true (查实), how severe, and any fine (yuan)."""
    found: dict[str, Any] = {}
    if "verified" in payload:
        if not isinstance(payload["verified"], bool):
            raise ValidationProblem("verified 须为布尔值", code="validation_error")
        found["verified"] = payload["verified"]
    if "severity" in payload:
        if payload["severity"] not in SEVERITIES:
            raise ValidationProblem(
                f"severity 须为 {'、'.join(SEVERITIES)} 之一", code="validation_error"
            )
        found["severity"] = payload["severity"]
    if "fine" in payload:
        fine = payload["fine"]
        if isinstance(fine, bool) or not isinstance(fine, int | float) or not 0 <= fine <= 10**9:
            raise ValidationProblem("fine 须为非负金额（元）", code="validation_error")
        found["fine"] = fine
    return found


SEVERITIES = ("minor", "moderate", "serious", "critical")


async def _first_petition(case: Case) -> bool:
    if not case.contact_phone_hash:
        return False
    return not await Case.filter(
        contact_phone_hash=case.contact_phone_hash, procedure="petition", id__lt=case.id
    ).exists()


@step("extension")
async def extension(s: Step) -> Outcome:
    case = s.case
    days = s.payload.get("days")
    reason = _text(s.payload, "reason", "延期理由", 1000)
    limit = MAX_EXTENSION_DAYS.get(case.procedure or "", 0)
    if not isinstance(days, int) or isinstance(days, bool) or not 0 < days <= limit:
        raise ValidationProblem(f"延期天数须为 1 到 {limit} 天", code="invalid_extension")
    if case.extension_days:
        raise ValidationProblem("该诉求已延期过一次", code="invalid_extension")
    case.held_status = case.status  # where extension_decision resumes (the table's RESUME)
    case.extension_requested_days = days
    return Outcome(
        note=f"申请延期{days}天：{reason}",
        public=False,
        data={"days": days},
        writes=[_task(case, "extension", s.now)],
    )


@step("extension_decision")
async def extension_decision(s: Step) -> Outcome:
    case = s.case
    approve = s.payload.get("approve")
    if not isinstance(approve, bool):
        raise ValidationProblem("approve 须为布尔值", code="validation_error")
    days = case.extension_requested_days or 0
    # the table's RESUME: back to the status held before the request
    resume = State(case.held_status or State.SIGNED)
    case.held_status = None
    case.extension_requested_days = None
    if approve:
        case.extension_days = days
        schedule.extend_completion(case, s.cal, days)
    note = f"同意延期{days}天" if approve else "不同意延期"
    return Outcome(
        state=resume,
        note=note,
        data={"approve": approve, "days": days},
        writes=[_finish_task(case, "extension", s, {"approve": approve})],
    )


# -- supervisors ------------------------------------------------------------------------


@step("supervise")
async def supervise(s: Step) -> Outcome:
    note = _text(s.payload, "note", "督办意见", 1000)
    msg = Message(
        "unit_supervised",
        {"tracking_no": s.case.tracking_no, "note": note[:60]},
        "unit",
        unit_id=s.case.unit_id or s.root.id,
    )
    return Outcome(note=note, public=False, messages=[msg])


@step("callback")
async def callback(s: Step) -> Outcome:
    reached = s.payload.get("reached")
    satisfied = s.payload.get("satisfied")
    if not isinstance(reached, bool) or not (satisfied is None or isinstance(satisfied, bool)):
        raise ValidationProblem(
            "reached 须为布尔值，satisfied 须为布尔值或省略", code="validation_error"
        )
    note = _text(s.payload, "note", "回访记录", 1000)
    result = {"reached": reached, "satisfied": satisfied}
    return Outcome(
        note=note,
        public=False,
        data=result,
        writes=[_finish_task(s.case, "callback", s, result)],
    )


@step("verify")
async def verify(s: Step) -> Outcome:
    outcome = s.payload.get("outcome")
    note = _text(s.payload, "note", "核实意见", 1000)
    case = s.case
    if outcome == "upheld":
        _close(case, s, "upheld")
        state = State.CLOSED
        messages: list[Message] = []
    elif outcome == "reopen":
        state = State.REOPENED
        case.reopened_count += 1
        due = schedule.restart_completion(case, s.cal, s.now)
        unit_id = case.unit_id or s.root.id
        if case.unit_id is None:
            case.unit_id, case.unit_path = s.root.id, s.root.path
        messages = [
            Message("case_reopened", {"tracking_no": case.tracking_no}, "citizen"),
            Message(
                "unit_reopened",
                {"tracking_no": case.tracking_no, "complete_due": iso(due.at)},
                "unit",
                unit_id=unit_id,
            ),
        ]
    else:
        raise ValidationProblem("outcome 须为 upheld 或 reopen", code="validation_error")
    # public either way: the verification of their rating concerns the citizen
    return Outcome(
        state=state,
        note=note,
        data={"outcome": outcome},
        messages=messages,
        writes=[_finish_task(case, "verification", s, {"outcome": outcome})],
    )


# -- citizens ---------------------------------------------------------------------------


@step("rate")
async def rate(s: Step) -> Outcome:
    score = s.payload.get("score")
    comment = s.payload.get("comment") or ""
    if not isinstance(score, int) or isinstance(score, bool) or not 1 <= score <= 5:
        raise ValidationProblem("评分须为 1 到 5", code="validation_error")
    if not isinstance(comment, str) or len(comment) > 1000:
        raise ValidationProblem("评价内容过长", code="validation_error")
    case = s.case
    case.rating = score
    round_ = case.reply_round

    async def record(conn: BaseDBAsyncClient) -> None:
        await Rating.create(
            case_id=case.id,
            round=round_,
            score=score,
            comment=comment,
            created_at=s.now,
            using_db=conn,
        )

    writes: list[Write] = [record]
    if score >= SATISFIED_MIN:
        _close(case, s, "rated")
        state = State.CLOSED
    else:
        state = State.RATED
        writes.append(_task(case, "verification", s.now))
        if not case.anonymous and (case.citizen_id or case.contact_phone_hash):
            writes.append(_task(case, "callback", s.now))
    return Outcome(
        state=state,
        note=f"{SCORE_LABELS[score]}{'：' + comment if comment else ''}",
        public=False,
        data={"score": score, "round": round_},
        writes=writes,
    )


@step("close_unrated")
async def close_unrated(s: Step) -> Outcome:
    _close(s.case, s, "unrated")
    return Outcome(note="答复后 7 日未评价，自动办结（不计入满意）")
