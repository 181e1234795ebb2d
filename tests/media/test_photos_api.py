"""Photo evidence through the HTTP API: upload, refusals, attaching, who sees what, clean-up."""

from __future__ import annotations

import asyncio
import hashlib
import threading
import time
from datetime import UTC, datetime, timedelta
from io import BytesIO
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from PIL import Image

from hotline import settings as settings_mod
from hotline.errors import Unavailable
from identity.principal import Principal
from media import service as media_service
from media import urls
from media.cleanup import purge_unattached
from media.pipeline import PhotoLimits, ProcessedPhoto, process_photo
from media.pool import BoundedPool
from media.storage import LocalStorage
from models.case import Case
from models.media import Photo
from models.org import Unit
from models.publishing import Publication
from tests.conftest import COMPLAINT, bearer, login_citizen, login_staff
from tests.media import fixtures as fx

GPS = (30.2741, 120.1551)
TAKEN = datetime(2024, 5, 6, 7, 8, 9)
SECRET_COMMENT = b"COMMENT-SECRET-13800138000"
REPLY_KEYS = {"id", "sha256", "width", "height", "content_type", "taken_at", "gps", "url",
              "thumb_url"}
CASE_PHOTO_KEYS = {"id", "url", "thumb_url", "width", "height", "taken_at", "gps"}


def media_files(settings: Any) -> set[Path]:
    root = Path(settings.effective_media_dir)
    return {p for p in root.rglob("*") if p.is_file()} if root.exists() else set()


def local(url: str) -> str:
    """The path and query of an absolute URL from a reply, for the in-process client."""
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}" if parts.query else parts.path


async def upload(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    data: bytes,
    name: str = "photo.jpg",
    ctype: str = "image/jpeg",
) -> httpx.Response:
    return await client.post("/api/v1/photos", files={"file": (name, data, ctype)}, headers=headers)


async def uploaded(client: httpx.AsyncClient, headers: dict[str, str], data: bytes) -> dict:
    r = await upload(client, headers, data)
    assert r.status_code == 201, r.text
    return r.json()


def gps_jpeg(seed: int = 0, **kw: Any) -> bytes:
    return fx.make_jpeg(640, 480, gps=GPS, taken_at=TAKEN, offset="+08:00", seed=seed, **kw)


async def submit(client: httpx.AsyncClient, token: str, photo_ids: list[int]) -> httpx.Response:
    return await client.post(
        "/api/v1/cases", json=COMPLAINT | {"photo_ids": photo_ids}, headers=bearer(token)
    )


# ------------------------------------------------------------------------------- upload


async def test_upload_returns_exif_facts_and_stores_only_stripped_variants(
    client, citizen_token, settings
):
    data = gps_jpeg(comment=SECRET_COMMENT, icc=True, xmp=fx.XMP_PACKET, trailing=b"TRAILER")
    before = media_files(settings)
    r = await upload(client, bearer(citizen_token), data, name="river.png", ctype="text/html")
    assert r.status_code == 201, r.text
    body = r.json()
    assert set(body) == REPLY_KEYS
    assert body["sha256"] == hashlib.sha256(data).hexdigest()
    assert (body["width"], body["height"]) == (640, 480)
    assert body["content_type"] == "image/jpeg"  # from the bytes, not the name or header
    assert body["taken_at"] == "2024-05-06T07:08:09+08:00"
    assert body["gps"] == pytest.approx({"lat": GPS[0], "lng": GPS[1]}, abs=1e-6)
    for key, variant in (("url", "display"), ("thumb_url", "thumb")):
        parts = urlsplit(body[key])
        assert parts.path == f"/api/v1/photos/{body['id']}/{variant}"
        assert set(parse_qs(parts.query)) == {"exp", "sig"}

    photo = await Photo.get(id=body["id"])
    assert photo.owner_kind == "citizen" and photo.gps_lat == pytest.approx(GPS[0])
    assert photo.taken_at is not None and photo.dhash is not None
    storage = LocalStorage(settings.effective_media_dir)
    new = media_files(settings) - before
    assert {p.name for p in new} == {photo.display_key, photo.thumb_key}
    needles = [SECRET_COMMENT, b"TRAILER", b"XMP-SECRET-TOOL", b"HotlineTestCam", b"2024:05:06",
               *fx.gps_rational_bytes(GPS[0]), *fx.gps_rational_bytes(GPS[1])]
    assert any(n in data for n in fx.gps_rational_bytes(GPS[0]))  # the search means something
    for key in (photo.display_key, photo.thumb_key):
        stored = storage.get(key)
        assert stored is not None
        assert fx.metadata_leaks(stored, needles) == []

    served = await client.get(local(body["url"]))
    assert served.status_code == 200
    assert served.content == storage.get(photo.display_key)
    assert served.headers["content-type"] == "image/jpeg"
    assert served.headers["x-content-type-options"] == "nosniff"
    assert served.headers["cache-control"].startswith("private")
    thumb = await client.get(local(body["thumb_url"]))
    with Image.open(BytesIO(thumb.content)) as im:
        assert im.size == (320, 240)


async def test_orientation_is_applied_before_storing(client, citizen_token):
    data = fx.make_oriented_jpeg(6)  # stored 300x400, shown 400x300 after rotating
    with Image.open(BytesIO(data)) as raw:
        assert raw.size == (300, 400)
    body = await uploaded(client, bearer(citizen_token), data)
    assert (body["width"], body["height"]) == (400, 300)
    r = await client.get(local(body["url"]))
    with Image.open(BytesIO(r.content)) as im:
        assert im.size == (400, 300)
        red = im.convert("RGB").getpixel((10, 10))
        assert red[0] > 150 and red[1] < 100 and red[2] < 100  # top-left is red when upright


async def test_same_bytes_same_owner_is_one_photo_other_owner_another(client, citizen_token):
    data = gps_jpeg()
    first = await uploaded(client, bearer(citizen_token), data)
    again = await uploaded(client, bearer(citizen_token), data)
    assert again["id"] == first["id"]
    other = (await login_citizen(client, "13900139000"))["access_token"]
    theirs = await uploaded(client, bearer(other), data)
    assert theirs["id"] != first["id"]
    assert await Photo.all().count() == 2


async def test_concurrent_identical_uploads_make_one_photo(client, citizen_token):
    data = gps_jpeg(seed=11)
    replies = await asyncio.gather(*(upload(client, bearer(citizen_token), data) for _ in range(3)))
    assert [r.status_code for r in replies] == [201, 201, 201]
    assert len({r.json()["id"] for r in replies}) == 1
    assert await Photo.all().count() == 1


@pytest.mark.skipif(not fx.heif_encoder_available(), reason="no HEIF encoder in pillow-heif")
async def test_heic_from_an_iphone(client, citizen_token):
    exif = fx.make_exif(gps=(-33.8568, 151.2153), taken_at=TAKEN, offset="+10:00")
    data = fx.make_heic(fx.make_scene(640, 480), exif=exif, xmp=fx.XMP_PACKET)
    body = await uploaded(client, bearer(citizen_token), data)
    assert body["content_type"] in ("image/heic", "image/heif")
    assert body["gps"] == pytest.approx({"lat": -33.8568, "lng": 151.2153}, abs=1e-4)
    assert body["taken_at"] == "2024-05-06T05:08:09+08:00"  # 07:08:09+10:00
    served = await client.get(local(body["url"]))
    assert served.headers["content-type"] == "image/jpeg"
    assert fx.metadata_leaks(served.content, [b"XMP-SECRET-TOOL", b"HotlineTestCam"]) == []


async def test_kiosks_and_staff_may_upload(client):
    from identity.staff import create_device

    _, key = await create_device("西湖区行政服务中心 1 号机", await Unit.get(code="HZ-XH"))
    by_kiosk = await uploaded(client, {"X-Device-Key": key}, gps_jpeg(seed=1))
    by_staff = await uploaded(client, bearer(await login_staff(client, "operator")), gps_jpeg(2))
    assert (await Photo.get(id=by_kiosk["id"])).owner_kind == "device"
    assert (await Photo.get(id=by_staff["id"])).owner_kind == "staff"
    r = await upload(client, {}, gps_jpeg(seed=3))
    assert r.status_code == 401


@pytest.mark.parametrize(
    ("name", "make", "status", "code"),
    [
        ("svg", lambda: fx.SVG_BYTES, 415, "unsupported_media"),
        ("gif", fx.make_gif, 415, "unsupported_media"),
        ("pdf", fx.make_pdf, 415, "unsupported_media"),
        ("html", lambda: fx.HTML_BYTES, 415, "unsupported_media"),
        ("zip", fx.make_zip, 415, "unsupported_media"),
        ("empty", lambda: b"", 422, "invalid_image"),
        ("truncated", lambda: gps_jpeg()[:5000], 422, "invalid_image"),
        ("jpeg+zip", fx.jpeg_with_appended_zip, 422, "invalid_image"),
        ("zip with jpeg header", fx.zip_with_jpeg_header, 422, "invalid_image"),
        ("zip in comment", fx.jpeg_with_zip_in_comment, 422, "invalid_image"),
        ("png bomb", fx.make_png_bomb, 413, "image_too_large"),
        ("jpeg bomb", fx.make_jpeg_bomb, 413, "image_too_large"),
    ],
)
async def test_refused_uploads_store_nothing(client, citizen_token, settings, name, make, status,
                                            code):
    before = media_files(settings)
    r = await upload(client, bearer(citizen_token), make())
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["code"] == code and r.json()["status"] == status
    assert await Photo.all().count() == 0
    assert media_files(settings) == before


async def test_oversized_uploads_are_413(client, citizen_token, settings):
    s = settings_mod.current()
    just_over = b"\xff\xd8\xff\xe0" + bytes(s.photo_max_bytes - 3)  # within the body limit
    r = await upload(client, bearer(citizen_token), just_over)
    assert r.status_code == 413 and r.json()["code"] == "image_too_large"
    huge = b"\xff\xd8\xff\xe0" + bytes(s.upload_max_body_bytes)
    r = await upload(client, bearer(citizen_token), huge)
    assert r.status_code == 413
    assert r.headers["content-type"] == "application/problem+json"
    assert await Photo.all().count() == 0


async def test_malformed_requests(client, citizen_token):
    r = await client.post("/api/v1/photos", json={"file": "x"}, headers=bearer(citizen_token))
    assert r.status_code == 415 and r.json()["code"] == "unsupported_content_type"
    r = await client.post(
        "/api/v1/photos", files={"photo": ("a.jpg", gps_jpeg(), "image/jpeg")},
        headers=bearer(citizen_token),
    )
    assert r.status_code == 422 and r.json()["code"] == "missing_file"
    r = await client.post(
        "/api/v1/photos", data={"file": "not a file"}, files={"x": ("a", b"1", "text/plain")},
        headers=bearer(citizen_token),
    )
    assert r.status_code == 422


# ---------------------------------------------------------------------------- attaching


async def test_own_photos_attach_to_the_case(client, citizen_token):
    a = await uploaded(client, bearer(citizen_token), gps_jpeg(seed=1))
    b = await uploaded(client, bearer(citizen_token), fx.make_jpeg(320, 240, seed=2))
    r = await submit(client, citizen_token, [b["id"], a["id"], b["id"]])
    assert r.status_code == 201, r.text
    case = r.json()
    assert [p["id"] for p in case["photos"]] == [b["id"], a["id"]]
    entry = case["photos"][1]
    assert set(entry) == CASE_PHOTO_KEYS
    assert entry["gps"] == pytest.approx({"lat": GPS[0], "lng": GPS[1]}, abs=1e-6)
    assert entry["taken_at"] == "2024-05-06T07:08:09+08:00"
    assert case["photos"][0]["gps"] is None  # no EXIF position in that one
    stored = await Case.get(tracking_no=case["tracking_no"])
    assert set(await Photo.filter(case_id=stored.id).values_list("id", flat=True)) == {
        a["id"], b["id"]
    }
    again = await client.get(f"/api/v1/cases/{case['tracking_no']}", headers=bearer(citizen_token))
    assert [p["id"] for p in again.json()["photos"]] == [b["id"], a["id"]]
    assert (await client.get(local(again.json()["photos"][0]["thumb_url"]))).status_code == 200
    staff = await login_staff(client, "dispatcher")
    seen = await client.get(f"/api/v1/cases/{case['tracking_no']}", headers=bearer(staff))
    assert seen.json()["photos"][1]["gps"] is not None


async def test_foreign_unknown_and_attached_photos_are_refused(client, citizen_token):
    mine = await uploaded(client, bearer(citizen_token), gps_jpeg(seed=1))
    other = (await login_citizen(client, "13900139000"))["access_token"]
    theirs = await uploaded(client, bearer(other), gps_jpeg(seed=2))

    for ids in ([theirs["id"]], [mine["id"], theirs["id"]], [mine["id"], 987654321], [0, -5],
                [2**63 + 1]):
        r = await submit(client, citizen_token, ids)
        assert r.status_code == 422, (ids, r.text)
        assert r.headers["content-type"] == "application/problem+json"
        assert r.json()["code"] == "invalid_photo"
    assert await Case.all().count() == 0
    assert await Photo.filter(case_id__not_isnull=True).count() == 0

    assert (await submit(client, citizen_token, [mine["id"]])).status_code == 201
    r = await submit(client, citizen_token, [mine["id"]])
    assert r.status_code == 422 and r.json()["code"] == "invalid_photo"
    assert await Case.all().count() == 1


async def test_attach_rechecks_inside_the_transaction(client, citizen_token, monkeypatch):
    """A photo taken by a concurrent submission after the early check: 422, nothing written."""
    photo = await uploaded(client, bearer(citizen_token), gps_jpeg())
    first = await submit(client, citizen_token, [photo["id"]])
    assert first.status_code == 201
    stored = await Photo.get(id=photo["id"])
    await Photo.filter(id=photo["id"]).update(case_id=None)  # the early check passes ...
    original = media_service.check_attachable

    async def late(owner: Principal, ids: list[int]) -> list[int]:
        checked = await original(owner, ids)
        await Photo.filter(id=photo["id"]).update(case_id=stored.case_id)  # ... then it's taken
        return checked

    monkeypatch.setattr(media_service, "check_attachable", late)
    r = await submit(client, citizen_token, [photo["id"]])
    assert r.status_code == 422 and r.json()["code"] == "invalid_photo"
    assert await Case.all().count() == 1


# --------------------------------------------------------------------------- visibility


async def status_of(client: httpx.AsyncClient, photo_id: int, headers: dict[str, str]) -> tuple:
    d = await client.get(f"/api/v1/photos/{photo_id}/display", headers=headers)
    t = await client.get(f"/api/v1/photos/{photo_id}/thumb", headers=headers)
    return d.status_code, t.status_code


async def test_who_may_see_a_photo(client, citizen_token):
    photo = await uploaded(client, bearer(citizen_token), gps_jpeg())
    loose = await uploaded(client, bearer(citizen_token), gps_jpeg(seed=9))
    r = await submit(client, citizen_token, [photo["id"]])
    no = r.json()["tracking_no"]
    hz = await Unit.get(code="HZ-STHJJ")
    await Case.filter(tracking_no=no).update(unit_path=hz.path)  # as dispatching to HZ-STHJJ does

    other = bearer((await login_citizen(client, "13900139000"))["access_token"])
    handler = bearer(await login_staff(client, "handler"))  # HZ-STHJJ
    sibling = bearer(await login_staff(client, "handler_nb"))  # NB-STHJJ
    dispatcher = bearer(await login_staff(client, "dispatcher"))  # the province's root unit
    pid = photo["id"]

    assert await status_of(client, pid, bearer(citizen_token)) == (200, 200)
    assert await status_of(client, pid, handler) == (200, 200)
    assert await status_of(client, pid, dispatcher) == (200, 200)
    assert await status_of(client, pid, sibling) == (404, 404)
    assert await status_of(client, pid, other) == (404, 404)
    assert await status_of(client, pid, {}) == (404, 404)
    assert await status_of(client, loose["id"], dispatcher) == (404, 404)  # on no case
    assert await status_of(client, loose["id"], bearer(citizen_token)) == (200, 200)
    assert await status_of(client, 99999999, bearer(citizen_token)) == (404, 404)
    r = await client.get(f"/api/v1/photos/{pid}/original", headers=bearer(citizen_token))
    assert r.status_code == 404 and r.headers["content-type"] == "application/problem+json"
    assert (await client.get("/api/v1/photos/x1/display")).status_code == 404

    await Case.filter(tracking_no=no).update(public=True)  # consent alone shows nothing
    assert await status_of(client, pid, {}) == (404, 404)
    case = await Case.get(tracking_no=no)
    await Publication.create(case_id=case.id, public_id="p1", kind="complaint",
                             category_code="ENV-NOISE", summary="s", result="r",
                             photo_ids=[pid], submitted_at=case.created_at,
                             published_at=case.created_at, published_by=1)
    assert await status_of(client, loose["id"], {}) == (404, 404)
    assert await status_of(client, pid, other) == (200, 404)
    assert await status_of(client, pid, {}) == (200, 404)
    assert await status_of(client, pid, sibling) == (200, 404)
    ok = await client.get(f"/api/v1/photos/{pid}/display", headers=other)
    assert ok.headers["content-type"] == "image/jpeg"
    assert ok.headers["cache-control"].startswith("private")
    assert ok.headers["x-content-type-options"] == "nosniff"
    etag = ok.headers["etag"]
    cached = await client.get(
        f"/api/v1/photos/{pid}/display", headers=other | {"If-None-Match": etag}
    )
    assert cached.status_code == 304 and not cached.content


async def test_signed_urls(client, citizen_token):
    photo = await uploaded(client, bearer(citizen_token), gps_jpeg())
    other = await uploaded(client, bearer(citizen_token), gps_jpeg(seed=4))
    url = urlsplit(photo["url"])
    q = {k: v[0] for k, v in parse_qs(url.query).items()}
    path = url.path

    ok = await client.get(local(photo["url"]))  # no Authorization header at all
    assert ok.status_code == 200 and ok.headers["content-type"] == "image/jpeg"
    assert "private" in ok.headers["cache-control"]
    bad_token = {"Authorization": "Bearer nonsense"}
    assert (await client.get(local(photo["url"]), headers=bad_token)).status_code == 200

    flipped = q["sig"][:-1] + ("A" if q["sig"][-1] != "A" else "B")
    s = settings_mod.current()
    expired = urls.expiry(60, now=time.time() - 3600)
    forged = urls.signature("another-secret", photo["id"], "display", int(q["exp"]))
    wrong = [
        f"{path}?exp={q['exp']}&sig={flipped}",
        f"{path}?exp={q['exp']}",
        f"{path}?sig={q['sig']}",
        f"{path}?exp={int(q['exp']) + 60}&sig={q['sig']}",
        f"{path}?exp={expired}&sig={urls.signature(s.secret_key, photo['id'], 'display', expired)}",
        f"{path}?exp={q['exp']}&sig={forged}",
        f"{path.replace('/display', '/thumb')}?exp={q['exp']}&sig={q['sig']}",
        f"/api/v1/photos/{other['id']}/display?exp={q['exp']}&sig={q['sig']}",
        f"{path}?exp=-1&sig={q['sig']}",
        f"{path}?exp={q['exp']}&sig={'x' * 500}",
    ]
    for target in wrong:
        r = await client.get(target, headers=bearer(citizen_token))  # the owner, even
        assert r.status_code == 404, target
        assert r.headers["content-type"] == "application/problem+json"


def test_signature_helpers():
    exp = urls.expiry(600, now=1_000_000)
    assert exp % 60 == 0 and 1_000_600 <= exp < 1_000_660
    sig = urls.signature("k", 5, "thumb", exp)
    assert urls.verify("k", 5, "thumb", str(exp), sig, now=exp - 1) == 1
    assert urls.verify("k", 5, "thumb", str(exp), sig, now=exp) is None
    assert urls.verify("k", 5, "display", str(exp), sig, now=0) is None
    assert urls.verify("k", 6, "thumb", str(exp), sig, now=0) is None
    assert urls.verify("k", 5, "thumb", f"{exp}.0", sig, now=0) is None
    assert urls.verify("k", 5, "thumb", "１２３", sig, now=0) is None  # non-ASCII digits
    with pytest.raises(ValueError):
        urls.signed_url("http://x", "k", 5, "original", exp)


# ------------------------------------------------------------------------------ clean-up


async def test_cleanup_removes_old_unattached_photos_only(client, citizen_token, settings):
    storage = LocalStorage(settings.effective_media_dir)
    attached = await uploaded(client, bearer(citizen_token), gps_jpeg(seed=1))
    old = await uploaded(client, bearer(citizen_token), gps_jpeg(seed=2))
    fresh = await uploaded(client, bearer(citizen_token), gps_jpeg(seed=3))
    shared_data = gps_jpeg(seed=4)  # the same bytes from two owners share stored files
    shared_old = await uploaded(client, bearer(citizen_token), shared_data)
    other = (await login_citizen(client, "13900139000"))["access_token"]
    shared_fresh = await uploaded(client, bearer(other), shared_data)
    assert (await submit(client, citizen_token, [attached["id"]])).status_code == 201
    long_ago = datetime.now(UTC) - timedelta(hours=25)
    await Photo.filter(id__in=[attached["id"], old["id"], shared_old["id"]]).update(
        created_at=long_ago
    )
    rows = {p.id: p for p in await Photo.all()}
    gone = rows[old["id"]]

    assert await purge_unattached() == 2
    assert set(await Photo.all().values_list("id", flat=True)) == {
        attached["id"], fresh["id"], shared_fresh["id"]
    }
    assert not storage.exists(gone.display_key) and not storage.exists(gone.thumb_key)
    for pid in (attached["id"], fresh["id"], shared_fresh["id"]):
        assert storage.exists(rows[pid].display_key) and storage.exists(rows[pid].thumb_key)
    assert rows[shared_old["id"]].display_key == rows[shared_fresh["id"]].display_key
    assert (await client.get(local(shared_fresh["url"]))).status_code == 200
    assert (await client.get(local(old["url"]))).status_code == 404
    assert await purge_unattached() == 0


# ------------------------------------------------------------------------------- bursts


class Gate:
    """A processor that blocks until released, so a test can hold workers busy."""

    def __init__(self) -> None:
        self.release = threading.Event()

    def __call__(self, data: bytes, limits: PhotoLimits) -> ProcessedPhoto:
        assert self.release.wait(timeout=60)
        return process_photo(data, limits)


async def wait_for(predicate: Any, rounds: int = 2000) -> None:
    for _ in range(rounds):
        if predicate():
            return
        await asyncio.sleep(0.005)
    raise AssertionError("condition not reached")


async def test_a_burst_beyond_the_queue_gets_503_with_retry_after(client, citizen_token,
                                                                  tmp_path, monkeypatch):
    gate = Gate()
    service = media_service.PhotoService(
        LocalStorage(tmp_path),
        PhotoLimits(),
        BoundedPool(workers=1, queue=1, retry_after_s=7),
        processor=gate,
    )
    owner = Principal(kind="citizen", id=424242)
    jobs = [asyncio.create_task(service.ingest(owner, gps_jpeg(seed=n))) for n in (1, 2)]
    try:
        await wait_for(lambda: service.pool.active == 2)
        with pytest.raises(Unavailable) as info:
            await service.ingest(owner, gps_jpeg(seed=3))
        assert info.value.status == 503 and info.value.headers == {"Retry-After": "7"}

        monkeypatch.setattr(media_service, "get_service", lambda: service)
        r = await upload(client, bearer(citizen_token), gps_jpeg(seed=5))
        assert r.status_code == 503 and r.headers["retry-after"] == "7"
        assert r.json()["code"] == "busy"
    finally:
        gate.release.set()
        done = await asyncio.gather(*jobs)
    assert len({d["id"] for d in done}) == 2
    assert service.pool.active == 0
    again = await service.ingest(owner, gps_jpeg(seed=3))  # room again
    assert again["id"] not in {d["id"] for d in done}
    service.pool.close()


async def test_a_cancelled_upload_keeps_its_worker_slot_until_the_decode_ends(tmp_path):
    gate = Gate()
    pool = BoundedPool(workers=1, queue=0)
    service = media_service.PhotoService(LocalStorage(tmp_path), pool=pool, processor=gate)
    job = asyncio.create_task(service.ingest(Principal("citizen", 1), gps_jpeg()))
    await wait_for(lambda: pool.active == 1 and pool._slots is not None and pool._slots.locked())
    job.cancel()
    with pytest.raises(asyncio.CancelledError):
        await job
    assert pool.active == 0 and pool._slots is not None and pool._slots.locked()
    gate.release.set()
    await wait_for(lambda: not pool._slots.locked())  # type: ignore[union-attr]
    pool.close()


async def test_process_pool_executor(tmp_path):
    service = media_service.PhotoService(
        LocalStorage(tmp_path), pool=BoundedPool(workers=1, queue=0, executor="process", nice=5)
    )
    try:
        reply = await service.ingest(Principal("citizen", 77), gps_jpeg())
        assert reply["gps"] == pytest.approx({"lat": GPS[0], "lng": GPS[1]}, abs=1e-6)
        with pytest.raises(Exception) as info:
            await service.ingest(Principal("citizen", 77), fx.make_gif())
        assert getattr(info.value, "status", None) == 415
    finally:
        service.pool.close()
