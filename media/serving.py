"""Serving stored variants: to a signed URL, or to a viewer allowed to see the photo.

A photo is visible to its uploader, to staff whose scope covers the case it is attached to, and
-- only the stripped, re-encoded display variant -- to anyone while the case's publication
approves that photo (``models.publishing.Publication.photo_ids``): the citizen's consent alone
shows nothing, and unpublishing hides it from the next request on (such replies carry
``max-age=0``). Everyone else, and
every missing, wrong or expired signature, gets the same 404.

With object storage (``media.s3``) the bytes are fetched from the store and streamed back, or,
with ``HOTLINE_MEDIA_S3_SERVE=redirect``, the caller who passed these checks is sent (302) to a
short-lived presigned URL of the object. A store that cannot be reached answers 503.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from hotline import settings as settings_mod
from hotline.errors import NotFound
from identity.principal import Principal
from media import urls
from media.service import MAX_ID, get_service, is_owner, storage_unavailable
from media.storage import StorageUnavailable, run_blocking
from models.case import Case
from models.media import Photo
from models.publishing import Publication

log = logging.getLogger("hotline.media")

MAX_SIGNED_CACHE_S = 3600


@dataclass(frozen=True, slots=True)
class Served:
    data: bytes | None  # None: the client's copy (If-None-Match) is current
    content_type: str
    etag: str
    max_age: int  # seconds a private cache may keep it
    location: str | None = None  # redirect here (a presigned object-store URL) instead


@runtime_checkable
class Presigning(Protocol):
    def presigned_url(self, key: str, ttl_s: int, content_type: str) -> str: ...


async def visible_variants(photo: Photo, viewer: Principal | None) -> tuple[str, ...]:
    if is_owner(viewer, photo):
        return urls.VARIANTS
    case_id = photo.case_id
    if case_id is None:
        return ()
    case = await Case.get_or_none(id=case_id).only("id", "unit_path", "public")
    if case is None:
        return ()
    if viewer is not None and viewer.kind == "staff" and viewer.covers(case.unit_path):
        return urls.VARIANTS
    published = await Publication.get_or_none(case_id=case_id).only("id", "photo_ids")
    return ("display",) if published is not None and photo.id in published.photo_ids else ()


async def open_variant(
    photo_id: int,
    variant: str,
    viewer: Principal | None,
    *,
    exp: str | None = None,
    sig: str | None = None,
    if_none_match: str | None = None,
) -> Served:
    """The stored variant for a signed URL (when ``exp``/``sig`` are given) or for ``viewer``."""
    if variant not in urls.VARIANTS or not 0 < photo_id <= MAX_ID:
        raise NotFound("未找到该照片")
    photo: Photo | None = None
    if exp is not None or sig is not None:
        remaining = urls.verify(settings_mod.current().secret_key, photo_id, variant, exp, sig)
        if remaining:
            photo = await Photo.get_or_none(id=photo_id)
        max_age = min(remaining or 0, MAX_SIGNED_CACHE_S)
    else:
        photo = await Photo.get_or_none(id=photo_id)
        if photo is not None and variant not in await visible_variants(photo, viewer):
            photo = None
        max_age = 0
    if photo is None:
        raise NotFound("未找到该照片")
    key = photo.display_key if variant == "display" else photo.thumb_key
    etag = f'"{key}"'
    if if_none_match and etag in {tag.strip() for tag in if_none_match.split(",")}:
        return Served(None, photo.variant_type, etag, max_age)
    storage = get_service().storage
    s = settings_mod.current()
    if s.media_s3_serve == "redirect" and isinstance(storage, Presigning):
        url = storage.presigned_url(key, s.media_s3_redirect_ttl_s, photo.variant_type)
        return Served(None, photo.variant_type, etag, 0, location=url)
    try:
        data = await run_blocking(storage, storage.get, key)
    except StorageUnavailable:
        raise storage_unavailable() from None
    if data is None:
        log.error("photo %s: stored %s variant %s is missing", photo.id, variant, key)
        raise NotFound("未找到该照片")
    return Served(data, photo.variant_type, etag, max_age)
