"""Photo evidence as a service: ingest off the event loop, attach to cases, and the replies.

``process_photo`` is CPU bound (~150 ms for a 12 MP JPEG), so it runs in a ``BoundedPool``: at
most ``workers`` photos are decoded at once, at most ``queue`` more wait, anything beyond is
refused at once with 503 and ``Retry-After`` -- before the upload is even read into memory.

Owners are ``(principal.kind, str(principal.id))``; the same bytes from the same owner are one
photo. Stored files are content-addressed variants, shared by every row with the same bytes.
Serving is in ``media.serving``, the periodic clean-up in ``media.cleanup``.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Callable, Sequence
from concurrent.futures.process import BrokenProcessPool
from datetime import datetime
from typing import Any, Protocol

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.exceptions import IntegrityError

from hotline import settings as settings_mod
from hotline.db import flat_values
from hotline.errors import Problem, Unavailable, ValidationProblem
from hotline.settings import Settings
from hotline.timefmt import SHANGHAI
from identity.principal import Principal
from media import urls
from media.errors import IMAGE_TOO_LARGE, PhotoProcessingError, PhotoRejected
from media.pipeline import PhotoLimits, ProcessedPhoto, process_photo
from media.pool import BoundedPool
from media.storage import (
    LocalStorage,
    PhotoStorage,
    StorageUnavailable,
    content_key,
    run_blocking,
)
from models.case import Case
from models.media import Photo

log = logging.getLogger("hotline.media")

Processor = Callable[[bytes, PhotoLimits], ProcessedPhoto]
MAX_ID = 2**63 - 1

_REFUSALS = {
    "unsupported_media": (
        "Unsupported media type",
        "不支持的文件类型，请上传 JPEG、PNG、WebP 或 HEIC 照片",
    ),
    "invalid_image": ("Invalid image", "图片文件已损坏、不完整或不是有效的照片"),
    "image_too_large": ("Image too large", "图片过大，请压缩后重新上传"),
}


class Upload(Protocol):
    """What the service needs of an upload (Starlette's ``UploadFile`` fits)."""

    size: int | None

    async def read(self, size: int = -1) -> bytes: ...


def refused(exc: PhotoRejected) -> Problem:
    """The problem+json answer for a pipeline rejection (415 / 422 / 413, the pipeline's code)."""
    title, detail = _REFUSALS[exc.code]
    problem = Problem(detail, code=exc.code, status=exc.http_status, extra={"reason": exc.detail})
    problem.title = title
    return problem


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class PhotoService:
    def __init__(
        self,
        storage: PhotoStorage,
        limits: PhotoLimits | None = None,
        pool: BoundedPool | None = None,
        processor: Processor = process_photo,
    ) -> None:
        self.storage = storage
        self.limits = limits or PhotoLimits()
        self.pool = pool or BoundedPool()
        self.processor = processor

    @classmethod
    def from_settings(cls, s: Settings) -> PhotoService:
        return cls(
            storage_for(s),
            PhotoLimits(s.photo_max_bytes, s.photo_max_pixels, s.photo_max_side),
            BoundedPool(
                s.photo_workers,
                s.photo_queue,
                executor=s.photo_executor,
                nice=s.photo_worker_nice,
                retry_after_s=s.photo_retry_after_s,
            ),
        )

    async def ingest(self, owner: Principal, upload: bytes | Upload) -> dict[str, Any]:
        """Validate, strip and store one upload; the API reply. Rejections raise 415/422/413."""
        size = len(upload) if isinstance(upload, bytes) else upload.size
        if size is not None and size > self.limits.max_bytes:
            raise refused(PhotoRejected(IMAGE_TOO_LARGE, f"{size} bytes > {self.limits.max_bytes}"))
        with self.pool.admit():
            data = upload if isinstance(upload, bytes) else await upload.read()
            digest = await asyncio.to_thread(_sha256, data)  # hashlib drops the GIL
            existing = await _owned(owner, digest)
            if existing is not None:  # a retry, or the same file picked twice
                return photo_reply(existing)
            try:
                processed = await self.pool.run(self.processor, data, self.limits)
            except PhotoRejected as exc:
                raise refused(exc) from None
            except PhotoProcessingError:
                log.exception("photo processing failed (upload refused, nothing stored)")
                raise Problem(
                    "照片处理失败，请稍后重试", code="photo_processing_failed", status=500
                ) from None
            except BrokenProcessPool:
                log.exception("photo worker process died; starting a new pool")
                self.pool.close()
                raise self.pool.busy() from None
            return await self._store(owner, processed)

    async def _store(self, owner: Principal, p: ProcessedPhoto) -> dict[str, Any]:
        files = [(content_key(p.display), p.display), (content_key(p.thumb), p.thumb)]
        try:
            await run_blocking(self.storage, self._put_all, files, p.output_content_type)
        except StorageUnavailable:
            # nothing half-stored: take back what went in before the failure (when unshared)
            await forget_files(self.storage, [key for key, _ in files])
            raise storage_unavailable() from None
        try:
            photo = await Photo.create(
                owner_kind=owner.kind,
                owner_id=str(owner.id),
                sha256=p.sha256,
                content_type=p.content_type,
                width=p.width,
                height=p.height,
                taken_at=p.taken_at,
                gps_lat=p.gps[0] if p.gps else None,
                gps_lng=p.gps[1] if p.gps else None,
                display_key=files[0][0],
                thumb_key=files[1][0],
                variant_type=p.output_content_type,
                dhash=p.dhash_signed,
            )
        except IntegrityError:
            won = await _owned(owner, p.sha256)  # an identical concurrent upload won
            if won is None:
                raise
            return photo_reply(won)
        except BaseException:
            await forget_files(self.storage, [key for key, _ in files])
            raise
        # A cleanup running right now may have deleted a shared file it saw unreferenced.
        try:
            missing = [
                (k, d) for k, d in files
                if not await run_blocking(self.storage, self.storage.exists, k)
            ]
            if missing:
                await run_blocking(self.storage, self._put_all, missing, p.output_content_type)
        except StorageUnavailable:  # both were stored a moment ago; the photo stands
            log.warning("photo %s: could not re-check its stored variants", photo.id)
        return photo_reply(photo)

    def _put_all(self, files: Sequence[tuple[str, bytes]], content_type: str) -> None:
        for key, data in files:
            self.storage.put(key, data, content_type)


def storage_unavailable() -> Unavailable:
    """The 503 answer while the blob store cannot be reached (nothing was stored or changed)."""
    return Unavailable(
        "照片存储暂时不可用，请稍后重试",
        code="storage_unavailable",
        headers={"Retry-After": str(settings_mod.current().photo_retry_after_s)},
    )


_storage: tuple[Settings, PhotoStorage] | None = None


def storage_for(s: Settings) -> PhotoStorage:
    """The configured blob store: the local directory, or ``s3://bucket`` (``media.s3``).

    One per settings object, so that every caller shares the object store's client and pool.
    """
    global _storage
    if _storage is not None and _storage[0] is s:
        return _storage[1]
    storage: PhotoStorage
    if s.media_s3_bucket:
        from media.s3 import S3Storage  # boto3 is imported only where it is used

        storage = S3Storage.from_settings(s)
    else:
        storage = LocalStorage(s.effective_media_dir)
    _storage = (s, storage)
    return storage


_service: PhotoService | None = None
_service_settings: Settings | None = None


def get_service() -> PhotoService:
    """The process-wide service for the current settings (built on first use)."""
    global _service, _service_settings
    s = settings_mod.current()
    if _service is None or _service_settings is not s:
        if _service is not None:
            _service.pool.close()
            close = getattr(_service.storage, "close", None)
            if close is not None:  # an object store's client and threads
                close()
        _service, _service_settings = PhotoService.from_settings(s), s
    return _service


async def _owned(owner: Principal, sha256: str) -> Photo | None:
    return await Photo.get_or_none(owner_kind=owner.kind, owner_id=str(owner.id), sha256=sha256)


async def forget_files(storage: PhotoStorage, keys: Sequence[str]) -> list[str]:
    """Delete stored files that no photo row references any more; the keys that could not be
    deleted because the store was unavailable (logged, for an operator to remove)."""
    keys = list(dict.fromkeys(keys))
    if not keys:
        return []
    used: set[str] = set(await flat_values(Photo.filter(display_key__in=keys), "display_key"))
    used |= set(await flat_values(Photo.filter(thumb_key__in=keys), "thumb_key"))
    left: list[str] = []
    for key in keys:
        if key in used:
            continue
        try:
            await run_blocking(storage, storage.delete, key)
        except StorageUnavailable:
            left.append(key)
    if left:
        log.error("photo store unavailable: unreferenced files left behind: %s", " ".join(left))
    return left


# ------------------------------------------------------------------------------- replies


def _iso(dt: datetime | None) -> str | None:
    return dt.astimezone(SHANGHAI).isoformat() if dt else None


def _gps(photo: Photo) -> dict[str, float] | None:
    if photo.gps_lat is None or photo.gps_lng is None:
        return None
    return {"lat": photo.gps_lat, "lng": photo.gps_lng}


def _urls(photo_id: int) -> tuple[str, str]:
    """Signed display and thumbnail URLs, valid for ``photo_url_ttl_s``."""
    s = settings_mod.current()
    exp = urls.expiry(s.photo_url_ttl_s)
    base, key = s.public_base_url, s.secret_key
    return (
        urls.signed_url(base, key, photo_id, "display", exp),
        urls.signed_url(base, key, photo_id, "thumb", exp),
    )


def photo_reply(photo: Photo) -> dict[str, Any]:
    """``POST /photos`` reply, for the uploader."""
    url, thumb_url = _urls(photo.id)
    return {
        "id": photo.id,
        "sha256": photo.sha256,
        "width": photo.width,
        "height": photo.height,
        "content_type": photo.content_type,
        "taken_at": _iso(photo.taken_at),
        "gps": _gps(photo),
        "url": url,
        "thumb_url": thumb_url,
    }


def is_owner(viewer: Principal | None, photo: Photo) -> bool:
    if viewer is None:
        return False
    return (viewer.kind, str(viewer.id)) == (photo.owner_kind, photo.owner_id)


def case_entry(photo: Photo, viewer: Principal) -> dict[str, Any]:
    """A photo in a case reply; the precise position only for its owner and for staff."""
    url, thumb_url = _urls(photo.id)
    precise = viewer.kind == "staff" or is_owner(viewer, photo)
    return {
        "id": photo.id,
        "url": url,
        "thumb_url": thumb_url,
        "width": photo.width,
        "height": photo.height,
        "taken_at": _iso(photo.taken_at),
        "gps": _gps(photo) if precise else None,
    }


# ---------------------------------------------------------------------------- attaching


def _invalid(ids: list[int]) -> ValidationProblem:
    return ValidationProblem(
        "照片不存在、不属于您或已用于其他诉求，请重新上传",
        code="invalid_photo",
        extra={"photo_ids": ids},
    )


async def check_attachable(owner: Principal, photo_ids: Sequence[int]) -> list[int]:
    """The ids, de-duplicated in order, if all are the caller's photos not yet on a case.

    Unknown, foreign and already attached ids all answer the same 422 ``invalid_photo``.
    """
    ids = list(dict.fromkeys(photo_ids))
    if not ids:
        return []
    free: set[int] = set(
        await flat_values(
            Photo.filter(
                id__in=[i for i in ids if 0 < i <= MAX_ID],
                owner_kind=owner.kind,
                owner_id=str(owner.id),
                case_id=None,
            ),
            "id",
        )
    )
    bad = [i for i in ids if i not in free]
    if bad:
        raise _invalid(bad)
    return ids


async def attach(
    owner: Principal, photo_ids: Sequence[int], case_id: int, conn: BaseDBAsyncClient
) -> list[dict[str, Any]]:
    """Attach checked photos to a new case inside the caller's transaction; the case entries.

    The conditional update re-checks ownership and "not attached yet", so a concurrent
    submission with the same photo fails here (422) and the caller's transaction rolls back.
    """
    ids = list(dict.fromkeys(photo_ids))
    if not ids:
        return []
    updated = await (
        Photo.filter(id__in=ids, owner_kind=owner.kind, owner_id=str(owner.id), case_id=None)
        .using_db(conn)
        .update(case_id=case_id)
    )
    if updated != len(ids):
        raise _invalid(ids)
    rows = {p.id: p for p in await Photo.filter(id__in=ids).using_db(conn)}
    return [case_entry(rows[i], owner) for i in ids]


class PhotoHolder(Protocol):
    """What :func:`case_photos` reads of a case (a model, or a row of ``casework.reads``)."""

    @property
    def id(self) -> int: ...
    @property
    def photo_ids(self) -> list[int]: ...


async def case_photos(case: Case | PhotoHolder, viewer: Principal) -> list[dict[str, Any]]:
    """Entries for a case reply, in the order they were submitted."""
    rows = await Photo.filter(case_id=case.id).order_by("id")
    order = {pid: n for n, pid in enumerate(case.photo_ids or [])}
    rows.sort(key=lambda p: (order.get(p.id, len(order)), p.id))
    return [case_entry(p, viewer) for p in rows]
