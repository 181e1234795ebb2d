"""Blob storage for processed photo variants.

Keys are content addresses: ``content_key(data)`` = SHA-256 hex of the *stored* bytes (the
re-encoded variant, not the upload). ``LocalStorage`` fans them out as ``root/aa/bb/<key>`` and
writes atomically (temp file in the same directory, fsync, ``os.replace``), so a reader sees
either nothing or the complete file. ``content_type`` is accepted for object-store backends; the
local backend does not persist it (all variants are ``image/jpeg``). ``media.s3.S3Storage`` is
the object-store backend.

The methods are synchronous; async code calls them through ``run_blocking``, which uses the
backend's own thread pool when it has one (``executor``), so a slow object store cannot take
the threads other work needs. A backend that cannot reach its store raises
``StorageUnavailable`` (a missing key is not an error: ``get`` answers ``None``).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import hashlib
import os
import re
import tempfile
from collections.abc import Callable
from concurrent.futures import Executor
from pathlib import Path
from typing import Final, Protocol, TypeVar, runtime_checkable

T = TypeVar("T")

_KEY_RE: Final = re.compile(r"[0-9a-f]{64}")


def content_key(data: bytes) -> str:
    """SHA-256 hex digest used as the storage key of ``data``."""
    return hashlib.sha256(data).hexdigest()


class StorageUnavailable(Exception):
    """The blob store could not be reached, timed out, or refused our credentials."""


def check_key(key: str) -> str:
    if not isinstance(key, str) or not _KEY_RE.fullmatch(key):
        raise ValueError("storage key must be a lowercase sha256 hex digest")
    return key


async def run_blocking(storage: object, fn: Callable[..., T], *args: object) -> T:
    """``fn(*args)`` (a storage method) off the event loop, in the backend's pool if it has one."""
    executor: Executor | None = getattr(storage, "executor", None)
    if executor is None:
        return await asyncio.to_thread(fn, *args)
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(executor, functools.partial(fn, *args))


@runtime_checkable
class PhotoStorage(Protocol):
    def put(self, key: str, data: bytes, content_type: str) -> None: ...

    def get(self, key: str) -> bytes | None: ...

    def delete(self, key: str) -> None: ...

    def exists(self, key: str) -> bool: ...


class LocalStorage:
    """Content-addressed filesystem storage (``root/aa/bb/<sha256>``)."""

    def __init__(self, root: Path | str, *, file_mode: int = 0o644, fsync: bool = True) -> None:
        self.root = Path(root)
        self.file_mode = file_mode
        self.fsync = fsync

    def path_for(self, key: str) -> Path:
        check_key(key)
        return self.root / key[:2] / key[2:4] / key

    def put(self, key: str, data: bytes, content_type: str = "application/octet-stream") -> None:
        path = self.path_for(key)
        if content_key(data) != key:
            raise ValueError("key does not match the sha256 of the data (content-addressed)")
        if path.is_file():
            return  # identical content already stored
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".part")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                if self.fsync:
                    os.fsync(fh.fileno())
            os.chmod(tmp_name, self.file_mode)
            os.replace(tmp_name, path)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp_name)
            raise
        if self.fsync:
            _fsync_dir(path.parent)

    def put_content(self, data: bytes, content_type: str = "image/jpeg") -> str:
        """Store ``data`` under its content key and return the key."""
        key = content_key(data)
        self.put(key, data, content_type)
        return key

    def get(self, key: str) -> bytes | None:
        try:
            return self.path_for(key).read_bytes()
        except FileNotFoundError:
            return None

    def delete(self, key: str) -> None:
        self.path_for(key).unlink(missing_ok=True)

    def exists(self, key: str) -> bool:
        return self.path_for(key).is_file()


def _fsync_dir(directory: Path) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
