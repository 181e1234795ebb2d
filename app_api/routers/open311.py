"""Open311 GeoReport v2 at ``/open311/v2/`` (outside ``/api/v1``): XML or JSON by the path's
suffix, errors as the spec's ``[{code, description}]`` (XML ``<errors><error>``), never
problem+json. The open311 package does the work; published cases come from publishing.queries.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.routing import APIRoute
from starlette.routing import Match

from app_api import deps, open311_form
from app_api.schemas.problem import problems
from casework import intake
from hotline.errors import NotFound, Problem
from open311 import filing, formats, services
from open311 import requests as service_requests
from partners import keys

PREFIX = "/open311/v2"
STATUS = {401: 403, 422: 400}  # the spec's statuses for a wrong key and for bad input


def error(request: Request, status: int, detail: str) -> Response:
    fmt = formats.format_of(request.url.path)
    status = STATUS.get(status, status)
    body = formats.render(fmt, "errors", formats.errors(status, detail))
    return Response(body, status_code=status, media_type=formats.MEDIA_TYPES[fmt])


class Open311Route(APIRoute):
    """Every failure of these routes in the spec's error format. The endpoints take their path
    parameters as text (and the request) and read everything else themselves, so they are
    called directly, without FastAPI's dependency solving (which documents them)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        endpoint = self.endpoint
        wants_request = "request" in inspect.signature(endpoint).parameters

        async def route(request: Request) -> Response:
            kwargs: dict[str, Any] = dict(request.path_params)
            if wants_request:
                kwargs["request"] = request
            try:
                response: Response = await endpoint(**kwargs)
            except Problem as exc:
                return error(request, exc.status, exc.detail)
            return response

        return route


router = APIRouter(prefix=PREFIX, tags=["open311"], route_class=Open311Route)
FORMATS_DOC: dict[str, Any] = {"content": {"text/xml": {}, "application/json": {}},
                               "description": "XML 或 JSON（由路径后缀 .xml / .json 决定）"}
ERRORS_DOC: dict[str, Any] = {
    "description": "规范的错误列表 [{code, description}]（XML 为 <errors><error>…）",
    "content": {"text/xml": {"schema": {"type": "string"}}, "application/json": {"schema": {
        "type": "array", "items": {"type": "object", "required": ["code", "description"],
                                   "properties": {"code": {"type": "integer"},
                                                  "description": {"type": "string"}}}}}},
}
DOC: dict[int | str, dict[str, Any]] = {200: FORMATS_DOC, 404: ERRORS_DOC}
LIST_DOC: dict[int | str, dict[str, Any]] = DOC | {400: ERRORS_DOC}
POST_RESPONSES: dict[int | str, dict[str, Any]] = {
    201: FORMATS_DOC, **dict.fromkeys((400, 403, 404, 409), ERRORS_DOC), **problems(413)}


def reply(fmt: str, root: str, value: Any, status: int = 200) -> Response:
    if fmt not in formats.FORMATS:
        raise NotFound("格式须为 xml 或 json", code="unknown_format")
    return Response(formats.render(fmt, root, value), status_code=status,
                    media_type=formats.MEDIA_TYPES[fmt])


def _query_doc(*names: str) -> dict[str, Any]:
    return {"parameters": [{"name": n, "in": "query", "required": False,
                            "schema": {"type": "string"}} for n in names]}


@router.get("/discovery.{fmt}", responses=DOC, summary="Open311 服务发现")
async def discovery(fmt: str) -> Response:
    """GeoReport v2 服务发现：规范地址、接口地址、格式、变更时间。"""
    return reply(fmt, "discovery", await services.discovery())


@router.get("/services.{fmt}", responses=DOC, summary="Open311 服务列表")
async def service_list(fmt: str) -> Response:
    """受理举报、投诉的诉求类别。"""
    return reply(fmt, "services", await services.services())


@router.get("/services/{service_code}.{fmt}", responses=DOC, summary="Open311 服务定义")
async def service_definition(service_code: str, fmt: str) -> Response:
    """服务的属性（kind、region_code、public）；不是 Open311 服务的代码为 404。"""
    return reply(fmt, "service_definition", await services.definition(service_code))


# GET requests: the busiest, mounted by app_api.app on the app itself ahead of the included
# routers (which FastAPI walks on every request), with these settings.
REQUESTS_ROUTE: dict[str, Any] = {
    "route_class_override": Open311Route, "methods": ["GET"], "tags": ["open311"],
    "responses": LIST_DOC, "summary": "Open311 服务请求列表",
    "openapi_extra": _query_doc("service_request_id", "service_code", "start_date", "end_date",
                                "status", "page", "page_size", "jurisdiction_id"),
}


async def request_list(fmt: str, request: Request) -> Response:
    """已公开的诉求（脱敏后），按提交时间倒序；缺省为最近 90 天、至多 1000 条。"""
    if fmt not in formats.FORMATS:
        raise NotFound("格式须为 xml 或 json", code="unknown_format")
    body = await service_requests.rendered(fmt, request.url.query, request.query_params)
    return Response(body, media_type=formats.MEDIA_TYPES[fmt])


POST_DOC = {
    "requestBody": {"required": True, "content": {"application/x-www-form-urlencoded": {
        "schema": {"type": "object", "required": ["api_key", "service_code"], "properties": {
            name: {"type": "string"} for name in (
                "api_key", "service_code", "lat", "long", "address_string", "address_id",
                "description", "first_name", "last_name", "phone", "email", "device_id",
                "account_id", "media_url", "jurisdiction_id", "attribute[kind]",
                "attribute[region_code]", "attribute[public]")}}}}},
    "parameters": deps.HOT_ROUTE_DOC["parameters"],
}


@router.post("/requests.{fmt}", status_code=201, responses=POST_RESPONSES,
             openapi_extra=POST_DOC,
             summary="Open311 提交服务请求")
async def create_request(fmt: str, request: Request) -> Response:
    """合作系统（cases:create 权限）以表单提交诉求，经与 POST /cases 相同的受理流程；
    回复 [{token, service_notice, account_id}]。可带 Idempotency-Key。"""
    if fmt not in formats.FORMATS:
        raise NotFound("格式须为 xml 或 json", code="unknown_format")
    form = await _form(request)
    if not form.get("api_key"):
        raise Problem("缺少 api_key", code="missing_api_key", status=400)
    partner = await keys.authenticate(form["api_key"], "cases:create")
    sub = await open311_form.read(form)
    key = deps.idempotency_key_of(request)
    fields = {k: v for k, v in sorted(form.items()) if k != "api_key"}
    fingerprint = intake.request_fingerprint(request.url.path, fields) if key else ""
    status, answer = await filing.submit(partner, sub, idempotency_key=key,
                                         fingerprint=fingerprint)
    return reply(fmt, "service_requests", answer, status)


async def _form(request: Request) -> dict[str, str]:
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind not in ("application/x-www-form-urlencoded", "multipart/form-data"):
        raise Problem("请求体须为表单（application/x-www-form-urlencoded）", code="not_a_form",
                      status=400)
    try:
        form = await request.form()
    except Exception:  # malformed multipart or encoding: the client's fault
        raise Problem("表单无法解析", code="malformed_form", status=400) from None
    values = {}
    for name, value in form.multi_items():
        if not isinstance(value, str):
            raise Problem("不支持上传文件；照片请通过平台上传", code="not_a_form", status=400)
        values[name] = value
    return values


@router.get("/requests/{service_request_id}.{fmt}", responses=DOC,
            summary="Open311 单个服务请求")
async def request_one(service_request_id: str, fmt: str) -> Response:
    """一个已公开的诉求（数组，仅一项）；未公开或不存在为 404。"""
    return reply(fmt, "service_requests", await service_requests.one(service_request_id))


@router.get("/tokens/{token}.{fmt}", responses=DOC, summary="Open311 token 查询")
async def token(token: str, fmt: str) -> Response:
    """提交时得到的 token 对应的 service_request_id（诉求公开后才有，之前为空）。"""
    return reply(fmt, "service_requests", await service_requests.token(token))


@router.api_route("/{rest:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
                  include_in_schema=False)
async def elsewhere(request: Request, rest: str) -> Response:
    """Any other path under /open311/v2/ (404), or a known one with another method (405)."""
    for route in router.routes:
        if route is not request.scope.get("route") and isinstance(route, APIRoute):
            match, _ = route.matches(request.scope)
            if match == Match.PARTIAL:
                return error(request, 405, "不支持该请求方法")
    return error(request, 404, "资源不存在")
