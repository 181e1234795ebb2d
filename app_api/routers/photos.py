"""Photo evidence: uploads from citizens, kiosks and staff; the stripped variants served back."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Header, Path, Query, Request, Response
from starlette.datastructures import FormData, UploadFile
from starlette.exceptions import HTTPException
from starlette.formparsers import MultiPartException

from app_api.deps import optional_principal, principal
from app_api.responses import JSON
from app_api.schemas.inputs import Line
from app_api.schemas.photos import PhotoOut
from app_api.schemas.problem import problems
from hotline.errors import Problem, ValidationProblem
from identity.principal import Principal
from media import service as media_service
from media import serving

router = APIRouter(tags=["photos"])

_UPLOAD_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {
                        "file": {
                            "type": "string",
                            "format": "binary",
                            "description": "JPEG, PNG, WebP or HEIC (judged from the bytes)",
                        }
                    },
                }
            }
        },
    }
}


async def _form(request: Request) -> FormData:
    if not request.headers.get("content-type", "").lower().startswith("multipart/form-data"):
        problem = Problem(
            "请以 multipart/form-data 上传照片（字段 file）",
            code="unsupported_content_type",
            status=415,
        )
        problem.title = "Unsupported media type"
        raise problem
    try:
        return await request.form(max_files=1, max_fields=8, max_part_size=16 * 1024)
    except (MultiPartException, HTTPException) as exc:
        if isinstance(exc, HTTPException) and exc.status_code != 400:
            raise  # e.g. 413 from the body limit
        raise ValidationProblem("上传表单格式不正确", code="invalid_form") from exc


@router.post(
    "/photos",
    status_code=201,
    openapi_extra=_UPLOAD_BODY,
    response_model=PhotoOut,
    responses=problems(413, 415, 422, 503),
)
async def upload_photo(request: Request, who: Principal = Depends(principal)) -> JSON:
    """Upload one photo (multipart field ``file``). Its EXIF position and capture time come back
    to prefill the case; what is stored and served is re-encoded without any metadata."""
    form = await _form(request)
    try:
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise ValidationProblem("请在表单字段 file 中上传照片", code="missing_file")
        reply = await media_service.get_service().ingest(who, upload)
    finally:
        await form.close()
    return JSON(reply, status_code=201)


@router.get(
    "/photos/{photo_id}/{variant}",
    response_class=Response,
    responses={
        200: {
            "content": {"image/jpeg": {"schema": {"type": "string", "format": "binary"}}},
            "description": "照片（JPEG，已去除全部元数据）",
        },
        302: {"description": "转到对象存储的短期预签名地址（HOTLINE_MEDIA_S3_SERVE=redirect 时）"},
        304: {"description": "未修改（If-None-Match 与 ETag 相同）"},
        **problems(401, 404, 503),
    },
)
async def photo_file(
    photo_id: Annotated[Line, Path()],
    variant: Annotated[Line, Path()],
    exp: Annotated[Line | None, Query()] = None,
    sig: Annotated[Line | None, Query()] = None,
    authorization: str | None = Header(default=None),
    x_device_key: str | None = Header(default=None),
    if_none_match: str | None = Header(default=None),
) -> Response:
    """``variant`` is ``display`` or ``thumb``. Either a signed URL (``exp`` and ``sig``, as
    handed out in replies), or a Bearer token / device key of someone allowed to see it."""
    signed = exp is not None or sig is not None
    who = None if signed else await optional_principal(authorization, x_device_key)
    pid = int(photo_id) if photo_id.isascii() and photo_id.isdigit() and len(photo_id) < 20 else 0
    served = await serving.open_variant(
        pid, variant, who, exp=exp, sig=sig, if_none_match=if_none_match
    )
    headers = {
        "Cache-Control": f"private, max-age={served.max_age}" if served.max_age else
        "private, no-cache",
        "ETag": served.etag,
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": "default-src 'none'",
    }
    if served.location is not None:  # the presigned URL expires soon: never cache the hop
        headers["Cache-Control"] = "private, no-store"
        del headers["ETag"]
        return Response(status_code=302, headers=headers | {"Location": served.location})
    if served.data is None:
        return Response(status_code=304, headers=headers)
    return Response(served.data, media_type=served.content_type, headers=headers)
