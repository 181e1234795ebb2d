"""Photos in S3-compatible object storage (``HOTLINE_MEDIA_STORE=s3://bucket``), against a real
S3-speaking server on loopback (moto's server mode, signatures checked: tests/fakes/s3.py). The
production code runs unchanged; only the settings point it at the fake."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from botocore.exceptions import ClientError
from pydantic import ValidationError

from hotline import settings as settings_mod
from hotline.settings import Settings
from media import service as media_service
from media.cleanup import purge_unattached
from media.pipeline import PhotoLimits, process_photo
from media.storage import content_key
from models.media import Photo
from privacy.erasure import erase
from tests.conftest import bearer, login_citizen
from tests.fakes.s3 import FakeS3, free_port
from tests.media import fixtures as fx
from tests.media.test_photos_api import (
    SECRET_COMMENT,
    gps_jpeg,
    local,
    media_files,
    submit,
    upload,
    uploaded,
)

PROBLEM = "application/problem+json"


@pytest.fixture(scope="module")
def s3_server():
    fake = FakeS3().start()
    yield fake
    fake.stop()


def use(monkeypatch: pytest.MonkeyPatch, **fields: object) -> Settings:
    """Install validated settings with ``fields`` changed (as the environment would)."""
    configured = Settings.model_validate(settings_mod.current().model_dump() | fields)
    monkeypatch.setattr(settings_mod, "_current", configured)
    return configured


@pytest.fixture
def s3(s3_server, monkeypatch):
    s3_server.clear()
    use(monkeypatch, **s3_server.settings())
    return s3_server


def stored(fake: FakeS3, key: str) -> bytes:
    return fake.client().get_object(Bucket=fake.bucket, Key=key)["Body"].read()


async def test_a_photo_lives_in_the_bucket_under_its_content_hash_without_metadata(
    client, citizen_token, settings, s3
):
    data = gps_jpeg(comment=SECRET_COMMENT, xmp=fx.XMP_PACKET, trailing=b"TRAILER")
    local_before = media_files(settings)
    body = await uploaded(client, bearer(citizen_token), data)
    photo = await Photo.get(id=body["id"])

    assert set(s3.objects()) == {photo.display_key, photo.thumb_key}
    assert media_files(settings) == local_before  # nothing went to the local directory
    for key in (photo.display_key, photo.thumb_key):
        blob = stored(s3, key)
        assert content_key(blob) == key
        head = s3.client().head_object(Bucket=s3.bucket, Key=key)
        assert head["Metadata"] == {} and head["ContentType"] == "image/jpeg"
        leaks = fx.metadata_leaks(blob, [SECRET_COMMENT, b"TRAILER", b"XMP-SECRET-TOOL",
                                         b"HotlineTestCam", b"2024:05:06"])
        assert leaks == []

    served = await client.get(local(body["url"]))
    assert served.status_code == 200 and served.headers["content-type"] == "image/jpeg"
    assert served.content == stored(s3, photo.display_key)
    assert served.headers["etag"] == f'"{photo.display_key}"'
    thumb = await client.get(local(body["thumb_url"]))
    assert thumb.status_code == 200 and thumb.content == stored(s3, photo.thumb_key)
    again = await client.get(local(body["url"]), headers={"If-None-Match": served.headers["etag"]})
    assert again.status_code == 304


async def test_the_same_bytes_are_one_photo_per_owner_and_one_object_in_all(
    client, citizen_token, s3
):
    data = gps_jpeg(seed=5)
    first = await uploaded(client, bearer(citizen_token), data)
    assert (await uploaded(client, bearer(citizen_token), data))["id"] == first["id"]
    other = (await login_citizen(client, "13900139000"))["access_token"]
    theirs = await uploaded(client, bearer(other), data)
    assert theirs["id"] != first["id"] and await Photo.all().count() == 2
    assert len(s3.objects()) == 2  # both rows share the display and thumb objects


async def test_a_key_prefix_puts_photos_under_it(client, citizen_token, s3, monkeypatch):
    use(monkeypatch, **s3.settings(media_s3_prefix="hotline/photos"))
    body = await uploaded(client, bearer(citizen_token), gps_jpeg(seed=6))
    photo = await Photo.get(id=body["id"])
    assert set(s3.objects()) == {f"hotline/photos/{photo.display_key}",
                                 f"hotline/photos/{photo.thumb_key}"}
    assert (await client.get(local(body["url"]))).status_code == 200


async def test_cleanup_and_erasure_remove_the_objects(client, citizen_token, s3):
    attached = await uploaded(client, bearer(citizen_token), gps_jpeg(seed=1))
    old = await uploaded(client, bearer(citizen_token), gps_jpeg(seed=2))
    assert (await submit(client, citizen_token, [attached["id"]])).status_code == 201
    rows = {p.id: p for p in await Photo.all()}
    await Photo.filter(id=old["id"]).update(created_at=datetime.now(UTC) - timedelta(hours=25))

    assert await purge_unattached() == 1
    kept = rows[attached["id"]]
    assert set(s3.objects()) == {kept.display_key, kept.thumb_key}
    assert (await client.get(local(old["url"]))).status_code == 404

    other = await login_citizen(client, "13900139000")
    theirs = await uploaded(client, bearer(other["access_token"]), gps_jpeg(seed=3))
    assert len(s3.objects()) == 4
    mine = await Photo.get(id=theirs["id"])
    await erase(int(mine.owner_id))
    assert set(s3.objects()) == {kept.display_key, kept.thumb_key}


async def test_the_server_checks_signatures_and_a_wrong_secret_is_a_503(
    client, citizen_token, s3, monkeypatch
):
    forged = FakeS3._client(s3, "s3", aws_access_key_id=s3.access_key_id,
                            aws_secret_access_key="not-the-secret")
    with pytest.raises(ClientError) as refused:
        forged.list_objects_v2(Bucket=s3.bucket)
    assert refused.value.response["Error"]["Code"] == "SignatureDoesNotMatch"

    use(monkeypatch, **s3.settings(media_s3_secret_access_key="not-the-secret"))
    r = await upload(client, bearer(citizen_token), gps_jpeg(seed=7))
    assert r.status_code == 503 and r.headers["content-type"].startswith(PROBLEM)
    assert r.json()["code"] == "storage_unavailable" and r.headers["retry-after"]
    assert await Photo.all().count() == 0 and s3.objects() == {}


async def test_an_outage_is_a_503_stores_nothing_and_heals_when_the_store_returns(
    client, citizen_token, s3
):
    body = await uploaded(client, bearer(citizen_token), gps_jpeg(seed=8))
    s3.server.stop()
    try:
        r = await upload(client, bearer(citizen_token), gps_jpeg(seed=9))
        assert r.status_code == 503 and r.headers["content-type"].startswith(PROBLEM)
        assert r.json()["code"] == "storage_unavailable"
        assert "存储" in r.json()["detail"]
        served = await client.get(local(body["url"]))
        assert served.status_code == 503 and served.json()["code"] == "storage_unavailable"
    finally:
        s3.server.start()  # same port; moto keeps its state in this process
    assert await Photo.all().count() == 1
    assert len(s3.objects()) == 2
    assert (await client.get(local(body["url"]))).status_code == 200
    assert (await upload(client, bearer(citizen_token), gps_jpeg(seed=9))).status_code == 201


async def test_an_unreachable_endpoint_is_a_503(client, citizen_token, s3, monkeypatch):
    use(monkeypatch, **s3.settings(media_s3_endpoint_url=f"http://127.0.0.1:{free_port()}"))
    r = await upload(client, bearer(citizen_token), gps_jpeg(seed=10))
    assert r.status_code == 503 and r.json()["code"] == "storage_unavailable"
    assert await Photo.all().count() == 0


async def test_a_photo_is_never_half_stored(client, citizen_token, s3):
    data = gps_jpeg(seed=12)
    thumb_key = content_key(process_photo(data, PhotoLimits()).thumb)
    policy = {"Version": "2012-10-17", "Statement": [{
        "Effect": "Deny", "Principal": "*", "Action": "s3:PutObject",
        "Resource": f"arn:*:s3:::{s3.bucket}/{thumb_key}",
    }]}
    s3.client().put_bucket_policy(Bucket=s3.bucket, Policy=json.dumps(policy))
    r = await upload(client, bearer(citizen_token), data)
    assert r.status_code == 503 and r.json()["code"] == "storage_unavailable"
    assert await Photo.all().count() == 0
    assert s3.objects() == {}  # the display variant that went in first was taken back


async def test_redirect_mode_sends_the_viewer_to_a_presigned_url(
    client, citizen_token, s3, monkeypatch
):
    body = await uploaded(client, bearer(citizen_token), gps_jpeg(seed=13))
    photo = await Photo.get(id=body["id"])
    use(monkeypatch, **s3.settings(media_s3_serve="redirect", media_s3_redirect_ttl_s=120))
    r = await client.get(local(body["url"]))
    assert r.status_code == 302 and r.headers["cache-control"] == "private, no-store"
    target = urlsplit(r.headers["location"])
    assert f"{target.scheme}://{target.netloc}" == s3.url
    assert target.path == f"/{s3.bucket}/{photo.display_key}"
    query = parse_qs(target.query)
    assert query["X-Amz-Expires"] == ["120"] and query["X-Amz-Signature"]
    assert (await client.get(f"/api/v1/photos/{photo.id}/display?exp=1&sig=x")).status_code == 404
    # moto checks header signatures only; let the presigned GET through to fetch the bytes
    s3._auth("inf")
    try:
        async with httpx.AsyncClient() as outside:
            fetched = await outside.get(r.headers["location"])
    finally:
        s3._auth("0")
    assert fetched.status_code == 200 and fetched.content == stored(s3, photo.display_key)


def test_object_storage_settings_refuse_a_half_configuration():
    full = {"media_store": "s3://photos", "media_s3_access_key_id": "AK",
            "media_s3_secret_access_key": "SK"}
    assert Settings.model_validate(full).media_s3_bucket == "photos"
    assert Settings.model_validate({}).media_s3_bucket == ""
    for broken, needle in (
        ({"media_store": "s3://photos"}, "HOTLINE_MEDIA_S3_ACCESS_KEY_ID"),
        (full | {"media_s3_secret_access_key": ""}, "HOTLINE_MEDIA_S3_SECRET_ACCESS_KEY"),
        ({"media_s3_endpoint_url": "http://minio:9000"}, "HOTLINE_MEDIA_STORE is not s3://"),
        (full | {"media_store": "s3://photos/sub"}, "HOTLINE_MEDIA_S3_PREFIX"),
        (full | {"media_store": "minio://photos"}, "s3://bucket"),
        (full | {"media_s3_endpoint_url": "minio:9000"}, "http://"),
    ):
        with pytest.raises(ValidationError, match=needle):
            Settings.model_validate(broken)


def test_the_local_directory_stays_the_default(settings):
    assert settings.media_store == ""
    storage = media_service.storage_for(settings)
    assert type(storage).__name__ == "LocalStorage"
