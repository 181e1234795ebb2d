"""Outbound HTTP through httpx (webhooks, WeChat) costs no search of the import path."""

from __future__ import annotations

import sys
from importlib.machinery import ModuleSpec
from typing import Any

from httpcore._synchronization import current_async_library


class Spy:
    """A finder that records what Python looks for beyond the modules already loaded."""

    def __init__(self) -> None:
        self.asked: list[str] = []

    def find_spec(self, name: str, path: Any = None, target: Any = None) -> ModuleSpec | None:
        self.asked.append(name)
        return None


async def test_httpcore_finds_the_async_library_without_searching_the_path() -> None:
    # httpcore imports sniffio on every request; were it missing, each request would fail that
    # import and stat every directory of sys.path (measured: ~1 ms of CPU a webhook POST)
    spy = Spy()
    sys.meta_path.insert(0, spy)
    try:
        for _ in range(3):
            assert current_async_library() == "asyncio"
    finally:
        sys.meta_path.remove(spy)
    assert spy.asked == []
