"""Citizens and kiosks file and follow their cases."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request

from app_api import deps
from app_api.deps import citizen, client_ip, principal
from app_api.lean import (
    PLAIN,
    FastPathRoute,
    LeanRoute,
    fast_path,
    plain_cursor,
    plain_limit,
    plain_query,
)
from app_api.responses import JSON
from app_api.schemas import CaseIn
from app_api.schemas.cases import CaseOut, MyCasesOut, TrackOut
from app_api.schemas.inputs import CursorQuery, Line, TrackingNo
from app_api.schemas.problem import problems
from casework import intake, queries
from hotline.errors import Forbidden
from identity.principal import Principal
from wechat import security as wechat_security

router = APIRouter(tags=["cases"])


# POST /cases: mounted by app_api.app directly on the app (see there), with these settings.
SUBMIT_ROUTE: dict[str, Any] = {
    "route_class_override": LeanRoute,
    "methods": ["POST"],
    "status_code": 201,
    "tags": ["cases"],
    "openapi_extra": deps.HOT_ROUTE_DOC,
    # Documentation only: the endpoint returns its prebuilt JSON response, which FastAPI sends
    # as it is (a Response is never re-validated), so the model costs the hot path nothing.
    "response_model": CaseOut,
    "responses": problems(401, 403, 409),
}


async def submit_case(body: CaseIn, request: Request) -> JSON:
    """File a case (citizens with an app or WeChat token, kiosks with their device key)."""
    who = await deps.caller(request)
    key = deps.idempotency_key_of(request)
    if who.kind == "staff":
        raise Forbidden("工作人员请通过 /intake/cases 登记", code="use_intake")
    channel = who.channel or "app"
    fingerprint = (
        intake.request_fingerprint(request.url.path, body.fingerprint_body()) if key else ""
    )
    sub = body.to_submission(channel)
    await wechat_security.screen_submission(who, sub)  # msg_sec_check for WeChat channels
    status, reply = await intake.submit(who, sub, idempotency_key=key, fingerprint=fingerprint)
    return JSON(reply, status_code=status)


# The reads citizens repeat most: mounted by app_api.app on the app itself (ahead of the
# included routers, which FastAPI walks on every request), each as a FastPathRoute
# (app_api.lean): ordinary requests skip the dependency tree and the reply's re-validation.
READ_ROUTE: dict[str, Any] = {"route_class_override": FastPathRoute, "methods": ["GET"],
                              "tags": ["cases"]}
LIMIT_MAX = 100
TRACK_CODE_MAX = 12


async def _fast_my_cases(request: Request) -> JSON | None:
    params = plain_query(request, frozenset({"limit", "cursor"}))
    limit = plain_limit(params, 20, LIMIT_MAX) if params is not None else None
    ok, cursor = plain_cursor(params or {})
    if limit is None or not ok:
        return None
    who, check = await deps.citizen_and_check(request.headers.get("authorization"))
    return JSON(await queries.my_cases(who, limit, cursor, check))


@fast_path(_fast_my_cases)
async def my_cases(
    who: Principal = Depends(citizen),
    limit: int = Query(default=20, ge=1, le=LIMIT_MAX),
    cursor: CursorQuery = None,
) -> dict[str, Any]:
    """The caller's own cases, newest first (cursor pagination)."""
    return await queries.my_cases(who, limit, cursor)


MY_CASES_ROUTE = READ_ROUTE | {"response_model": MyCasesOut}


async def _fast_read_case(request: Request) -> JSON | None:
    no = request.path_params["tracking_no"]
    if not PLAIN.fullmatch(no):
        return None
    headers = request.headers
    who, check = await deps.principal_and_check(headers.get("authorization"),
                                                headers.get("x-device-key"))
    return JSON(await queries.read_case(who, no, check))


@fast_path(_fast_read_case)
async def read_case(tracking_no: TrackingNo, who: Principal = Depends(principal)) -> dict[str, Any]:
    """诉求全文和办理经过：提交人本人（及其自助终端）和范围覆盖该诉求的工作人员可见。"""
    return await queries.read_case(who, tracking_no)


READ_CASE_ROUTE = READ_ROUTE | {"response_model": CaseOut, "responses": problems(401, 404)}


async def _fast_track(request: Request) -> JSON | None:
    no = request.path_params["tracking_no"]
    params = plain_query(request, frozenset({"code"}))
    code = (params or {}).get("code", "")
    if params is None or not PLAIN.fullmatch(no) or not (code == "" or PLAIN.fullmatch(code)):
        return None
    if len(code) > TRACK_CODE_MAX:
        return None
    return JSON(await queries.track(no, code, client_ip(request)))


@fast_path(_fast_track)
async def track(
    tracking_no: TrackingNo,
    request: Request,
    code: Annotated[Line, Query(max_length=TRACK_CODE_MAX, description="6 位查询码")] = "",
) -> dict[str, Any]:
    """凭诉求编号和查询码查询办理进度（无需登录）：状态、公开的办理经过和答复。"""
    return await queries.track(tracking_no, code, client_ip(request))


TRACK_ROUTE = READ_ROUTE | {"response_model": TrackOut, "responses": problems(404, 429)}
