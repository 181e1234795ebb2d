"""Browser tests of the citizen pages and the kiosk, on the console's harness (one copy:
tests/console/browser/conftest.py: uvicorn on the test database, Debian's Chromium).
/h5/ runs in a 390×844 phone viewport with touch, /kiosk/ in a 1080×1920 portrait one."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from tests.console.browser.conftest import (  # noqa: F401  (fixtures used here)
    SCREENS,
    _missing,
    browser,
    live_server,
    screenshot,
)

# the kiosk's idle timeout in these tests (60 s + 10 s by default), read by the live server
os.environ.setdefault("HOTLINE_KIOSK_IDLE_S", "4")
os.environ.setdefault("HOTLINE_KIOSK_CONFIRM_S", "2")

PHONE = {"width": 390, "height": 844}
KIOSK = {"width": 1080, "height": 1920}


def pytest_collection_modifyitems(config: Any, items: list[Any]) -> None:
    reason = _missing()
    if reason is None:
        return
    here = str(Path(__file__).parent)
    for item in items:
        if str(item.fspath).startswith(here):
            item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture
async def new_page(browser: Any, live_server: str) -> AsyncIterator[Any]:  # noqa: F811
    """A factory of pages (``kind``: "phone" or "kiosk"), each in its own browser context."""
    contexts: list[Any] = []
    asked: list[str] = []

    async def make(kind: str = "phone") -> Any:
        options: dict[str, Any] = {
            "viewport": PHONE, "has_touch": True, "is_mobile": True, "device_scale_factor": 2,
            "geolocation": {"latitude": 30.2741, "longitude": 120.1551},
            "permissions": ["geolocation"],
        }
        if kind == "kiosk":
            options = {"viewport": KIOSK, "has_touch": True}
        elif kind == "desktop":  # the staff console
            options = {"viewport": {"width": 1366, "height": 768}}
        context = await browser.new_context(
            base_url=live_server, locale="zh-CN", timezone_id="Asia/Shanghai", **options
        )
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = await context.new_page()
        page.on("request", lambda req: asked.append(req.url))
        return page

    yield make
    for context in contexts:
        await context.close()
    # no page asked anything of another host
    outside = [u for u in asked if not u.startswith((live_server, "data:", "blob:"))]
    assert not outside, outside


def server_log(settings: Any) -> str:
    """What the live server logged so far (uvicorn's access lines included at info level)."""
    return (Path(settings.var_dir) / "live-server.log").read_text(errors="replace")


async def shot(page: Any, name: str, *, full: bool = False) -> None:
    SCREENS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(SCREENS / name), full_page=full)
