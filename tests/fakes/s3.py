"""A real S3-speaking server on 127.0.0.1: moto in server mode (``ThreadedMotoServer``, in a
thread of the test process), with request authentication ON.

``start()`` creates, while authentication is still off, an IAM user allowed ``s3:*``, its access
key and the bucket; then it switches moto's checks on (``/moto-api/reset-auth`` with 0 free
actions), so every later request must carry a SigV4 signature made with that user's secret:
a wrong secret is refused (``SignatureDoesNotMatch``), an unknown key id too.

``client()`` is an inspector for the tests (list, head, get objects), signed like the app's.
Run alone: ``python -m tests.fakes.s3`` prints the settings to point a server at it.
"""

from __future__ import annotations

import json
import logging
import socket
import time
from typing import Any

import boto3
import httpx
from botocore.config import Config
from moto.server import ThreadedMotoServer

ALLOW_S3 = json.dumps(
    {"Version": "2012-10-17",
     "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class FakeS3:
    def __init__(self, bucket: str = "hotline-photos", region: str = "cn-hangzhou") -> None:
        self.bucket, self.region = bucket, region
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.server = ThreadedMotoServer(ip_address="127.0.0.1", port=self.port, verbose=False)
        self.access_key_id = ""
        self.secret_access_key = ""
        self.running = False

    def _auth(self, free_actions: str) -> None:
        r = httpx.post(f"{self.url}/moto-api/reset-auth", content=free_actions.encode())
        r.raise_for_status()

    def start(self) -> FakeS3:
        logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per request
        self.server.start()
        self.running = True
        self._auth("inf")  # set-up is unauthenticated
        admin: dict[str, Any] = {"aws_access_key_id": "setup", "aws_secret_access_key": "setup"}
        iam = self._client("iam", **admin)
        iam.create_user(UserName="hotline")
        iam.put_user_policy(UserName="hotline", PolicyName="photos", PolicyDocument=ALLOW_S3)
        key = iam.create_access_key(UserName="hotline")["AccessKey"]
        self.access_key_id, self.secret_access_key = key["AccessKeyId"], key["SecretAccessKey"]
        self._client("s3", **admin).create_bucket(
            Bucket=self.bucket, CreateBucketConfiguration={"LocationConstraint": self.region}
        )
        self._auth("0")  # from now on every request is checked: signature, key, policy
        return self

    def _client(self, service: str, **keys: Any) -> Any:
        return boto3.session.Session(region_name=self.region, **keys).client(
            service,
            endpoint_url=self.url,
            config=Config(signature_version="s3v4", retries={"total_max_attempts": 1}),
        )

    def client(self) -> Any:
        """An S3 client with the fake's valid credentials (to look into the bucket)."""
        return self._client(
            "s3",
            aws_access_key_id=self.access_key_id,
            aws_secret_access_key=self.secret_access_key,
        )

    def settings(self, **overrides: Any) -> dict[str, Any]:
        """``Settings`` fields that point the app at this server."""
        return {
            "media_store": f"s3://{self.bucket}",
            "media_s3_endpoint_url": self.url,
            "media_s3_region": self.region,
            "media_s3_access_key_id": self.access_key_id,
            "media_s3_secret_access_key": self.secret_access_key,
            "media_s3_addressing_style": "path",
            "media_s3_max_attempts": 1,
            "media_s3_timeout_s": 5.0,
        } | overrides

    def objects(self, prefix: str = "") -> dict[str, dict[str, Any]]:
        """Key -> the listing entry of every object in the bucket under ``prefix``."""
        pages = self.client().get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=prefix
        )
        return {o["Key"]: o for page in pages for o in page.get("Contents", [])}

    def clear(self) -> None:
        s3 = self.client()
        for key in self.objects():
            s3.delete_object(Bucket=self.bucket, Key=key)
        s3.delete_bucket_policy(Bucket=self.bucket)

    def stop(self) -> None:
        if self.running:
            self._auth("inf")  # moto's switch is process-wide: leave it as found
            self.server.stop()
            self.running = False


if __name__ == "__main__":
    fake = FakeS3().start()
    for name, value in fake.settings().items():
        print(f"HOTLINE_{name.upper()}={value}")
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        fake.stop()
