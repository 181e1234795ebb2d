"""Browser tests: the app served by uvicorn on 127.0.0.1:<free port> (a subprocess on the test
database), driven by Playwright through Debian's Chromium (/usr/bin/chromium; never a
downloaded browser). Without Chromium or the playwright package every test here is skipped,
and pytest's summary (``make test`` runs with -rs) says why."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from hotline.settings import Settings

CHROMIUM = os.environ.get("HOTLINE_TEST_CHROMIUM", "/usr/bin/chromium")
SCREENS = Path(__file__).resolve().parents[3] / "docs" / "screens"
VIEWPORT = {"width": 1366, "height": 768}
POLL_S = 1  # the pages' polling in these tests (15 s by default)
# more of the live server's environment, set by other browser suites' conftests at import
LIVE_ENV: dict[str, str] = {}


def _missing() -> str | None:
    if not (os.path.exists(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        return (f"browser tests skipped: {CHROMIUM} not found "
                "(apt-get install chromium fonts-noto-cjk; .ci/run does)")
    try:
        import playwright  # noqa: F401
    except ImportError:
        return "browser tests skipped: the playwright package is not installed (.[dev])"
    return None


def pytest_collection_modifyitems(config: Any, items: list[Any]) -> None:
    reason = _missing()
    if reason is None:
        return
    here = str(Path(__file__).parent)
    for item in items:
        if str(item.fspath).startswith(here):
            item.add_marker(pytest.mark.skip(reason=reason))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def live_server(app: Any, settings: Settings) -> Iterator[str]:
    """The base URL of the app served by uvicorn against the test database."""
    port = _free_port()
    env = os.environ | {
        "HOTLINE_ENV": "test",
        "HOTLINE_DATABASE_URL": settings.database_url,
        "HOTLINE_VAR_DIR": str(settings.var_dir),
        "HOTLINE_SECRET_KEY": settings.secret_key,
        "HOTLINE_DATA_KEY": settings.data_key,
        "HOTLINE_REDIS_URL": settings.redis_url,
        "HOTLINE_RUN_WORKERS": "false",
        "HOTLINE_CONSOLE_POLL_S": str(POLL_S),
        "HOTLINE_PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
    } | LIVE_ENV
    log = open(settings.var_dir / "live-server.log", "wb")  # noqa: SIM115
    proc = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "--factory", "app_api.app:create_app",
         "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"],
        env=env, stdout=log, stderr=subprocess.STDOUT,
        cwd=Path(__file__).resolve().parents[3],
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(150):
            if proc.poll() is not None:
                raise RuntimeError((settings.var_dir / "live-server.log").read_text())
            try:
                if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        else:
            raise RuntimeError("the live server did not start")
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Any]:
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        chromium = await p.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-dev-shm-usage"]
        )
        yield chromium
        await chromium.close()


@pytest.fixture
async def new_page(browser: Any, live_server: str) -> AsyncIterator[Any]:
    """A factory of pages, each in its own browser context (its own cookies)."""
    contexts: list[Any] = []

    async def make() -> Any:
        context = await browser.new_context(
            viewport=VIEWPORT, base_url=live_server, locale="zh-CN",
            timezone_id="Asia/Shanghai",
        )
        context.set_default_timeout(10_000)
        contexts.append(context)
        return await context.new_page()

    yield make
    for context in contexts:
        await context.close()


async def login(page: Any, username: str) -> None:
    from launch.seed import DEMO_PASSWORD

    await page.goto("/console/login")
    await page.get_by_label("用户名").fill(username)
    await page.get_by_label("密码").fill(DEMO_PASSWORD)
    await page.get_by_role("button", name="登录").click()
    await page.wait_for_url("**/console/**")


async def screenshot(page: Any, name: str) -> None:
    SCREENS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(SCREENS / name))


def have_chromium() -> bool:
    return shutil.which(CHROMIUM) is not None
