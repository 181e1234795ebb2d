"""Photo variants in an S3-compatible object store (MinIO, Aliyun OSS's S3 API, AWS S3).

``HOTLINE_MEDIA_STORE=s3://bucket`` selects this backend; the object key of a variant is
``HOTLINE_MEDIA_S3_PREFIX`` + its SHA-256 (the same content address as on disk), stored with
``Content-Type: image/jpeg``, a ``Content-MD5`` the store verifies, and no user metadata.

The client is boto3, which is synchronous: every call runs in this backend's own thread pool
(``executor``, ``media_s3_workers`` threads, as many keep-alive connections) with connect and read
timeouts and a bounded number of attempts, so neither the event loop nor the shared default pool
waits on the store. Request checksums are only sent where the API requires them, because the
CRC32 headers newer SDKs add by default are refused by some S3-compatible stores. Any failure
to reach the store, a timeout, a 5xx or a refused credential raises ``StorageUnavailable``; the
service turns that into a 503 problem+json (``storage_unavailable``), never a 500.

Serving signed photo URLs. Two ways, chosen by ``HOTLINE_MEDIA_S3_SERVE``:

- ``stream`` (the default): the API fetches the object and answers with its bytes, exactly as
  with the local directory. A citizen's phone, a kiosk or a government intranet client often
  cannot reach the object store at all (it sits in a private network segment, behind a
  firewall, under an internal hostname or a private CA), and the bucket never needs to be
  exposed. Variants are small (a display JPEG is at most 1600 px, some hundred KB), so
  proxying costs little.
- ``redirect``: a 302 to a presigned GET URL valid for ``HOTLINE_MEDIA_S3_REDIRECT_TTL_S``
  (computed locally, no call to the store). It takes the bytes off the API processes, but
  only works where every client can reach the store's endpoint directly.

Either way the access decision (signature, expiry, who may see which variant) stays in
``media.serving``; the presigned URL is only ever handed to someone who passed it.
"""

from __future__ import annotations

import base64
import hashlib
import logging
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from hotline.settings import Settings
from media.storage import StorageUnavailable, check_key, content_key

log = logging.getLogger("hotline.media")

_MISSING = {"404", "NoSuchKey", "NotFound"}


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


class S3Storage:
    """Content-addressed object storage: ``bucket/<prefix><sha256>``."""

    def __init__(self, client: Any, bucket: str, *, prefix: str = "", workers: int = 16) -> None:
        self.client = client
        self.bucket = bucket
        self.prefix = prefix if not prefix or prefix.endswith("/") else prefix + "/"
        self.executor = ThreadPoolExecutor(workers, thread_name_prefix="hotline-s3")

    @classmethod
    def from_settings(cls, s: Settings) -> S3Storage:
        return cls(
            client_for(s), s.media_s3_bucket, prefix=s.media_s3_prefix, workers=s.media_s3_workers
        )

    def object_key(self, key: str) -> str:
        return self.prefix + check_key(key)

    def _fail(self, action: str, key: str, exc: Exception) -> StorageUnavailable:
        log.error("object store %s of s3://%s/%s failed: %s", action, self.bucket,
                  self.object_key(key), exc)
        return StorageUnavailable(f"{action} {self.object_key(key)}: {exc}")

    def put(self, key: str, data: bytes, content_type: str = "application/octet-stream") -> None:
        if content_key(data) != key:
            raise ValueError("key does not match the sha256 of the data (content-addressed)")
        md5 = base64.b64encode(hashlib.md5(data, usedforsecurity=False).digest()).decode()
        try:
            self.client.put_object(
                Bucket=self.bucket, Key=self.object_key(key), Body=data,
                ContentType=content_type, ContentMD5=md5,
            )
        except (BotoCoreError, ClientError) as exc:
            raise self._fail("put", key, exc) from exc

    def get(self, key: str) -> bytes | None:
        try:
            reply = self.client.get_object(Bucket=self.bucket, Key=self.object_key(key))
            with reply["Body"] as body:
                data: bytes = body.read()
        except ClientError as exc:
            if _code(exc) in _MISSING:
                return None
            raise self._fail("get", key, exc) from exc
        except BotoCoreError as exc:
            raise self._fail("get", key, exc) from exc
        return data

    def delete(self, key: str) -> None:
        try:  # idempotent: deleting a missing key succeeds
            self.client.delete_object(Bucket=self.bucket, Key=self.object_key(key))
        except (BotoCoreError, ClientError) as exc:
            raise self._fail("delete", key, exc) from exc

    def exists(self, key: str) -> bool:
        try:
            self.client.head_object(Bucket=self.bucket, Key=self.object_key(key))
        except ClientError as exc:
            if _code(exc) in _MISSING:
                return False
            raise self._fail("head", key, exc) from exc
        except BotoCoreError as exc:
            raise self._fail("head", key, exc) from exc
        return True

    def presigned_url(self, key: str, ttl_s: int, content_type: str) -> str:
        """A GET URL for the object, valid ``ttl_s`` seconds (signed locally, no request)."""
        url: str = self.client.generate_presigned_url(
            "get_object",
            Params={"Bucket": self.bucket, "Key": self.object_key(key),
                    "ResponseContentType": content_type},
            ExpiresIn=max(1, ttl_s),
        )
        return url

    def close(self) -> None:
        self.executor.shutdown(wait=False, cancel_futures=True)
        self.client.close()


def client_for(s: Settings) -> Any:
    """A boto3 S3 client for the settings (credentials only from the settings, never ~/.aws)."""
    config = Config(
        region_name=s.media_s3_region,
        signature_version="s3v4",
        s3={"addressing_style": s.media_s3_addressing_style},
        connect_timeout=s.media_s3_connect_timeout_s,
        read_timeout=s.media_s3_timeout_s,
        retries={"mode": "standard", "total_max_attempts": s.media_s3_max_attempts},
        max_pool_connections=s.media_s3_workers,
        request_checksum_calculation="when_required",
        response_checksum_validation="when_required",
        user_agent_appid="hotline",
    )
    session = boto3.session.Session(
        aws_access_key_id=s.media_s3_access_key_id,
        aws_secret_access_key=s.media_s3_secret_access_key,
        region_name=s.media_s3_region,
    )
    return session.client(
        "s3",
        endpoint_url=s.media_s3_endpoint_url or None,
        verify=s.media_s3_ca_bundle or None,
        config=config,
    )
