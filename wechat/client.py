"""WeChat API client: wechatpy's ``WeChatClient`` with what it gets wrong put right.

Public API (notify/ and the rest of wechat/ use only this)::

    from wechat import client

    data = await client.call("oa", "POST", "cgi-bin/message/custom/send", json={...})
    data = await client.call("oa", "POST", "cgi-bin/message/template/send", json={...},
                             budget_s=10)
    data = await client.call("mini", "POST", "cgi-bin/message/subscribe/send", json={...})
    data = await client.call("mini", "GET", "sns/jscode2session", params={...}, token=False)
    body, content_type = await client.download("oa", "cgi-bin/media/get", {"media_id": mid})

- ``app`` is ``"mini"`` (HOTLINE_WECHAT_MINI_APPID/SECRET) or ``"oa"`` (HOTLINE_WECHAT_OA_*).
- ``path`` is relative to HOTLINE_WECHAT_API_BASE (default ``https://api.weixin.qq.com/``);
  absolute URLs are refused, so an access token never leaves for another host.
- ``token=True`` (default) adds the app's ``access_token`` query parameter.
- ``budget_s`` (seconds, default HOTLINE_WECHAT_TIMEOUT_S) bounds the whole call, a token fetch
  and the one retry included.
- ``call`` returns the decoded JSON object (``errcode`` 0 or absent). Otherwise it raises
  ``WeChatError(errcode, errmsg)``; ``WeChatUnavailable`` (a subclass, ``errcode is None``) when
  WeChat was not reached or did not answer properly (network error, timeout, HTTP error,
  non-JSON); ``WeChatNotConfigured`` when the app has no appid/secret. ``err.retryable`` tells a
  worker whether trying again later may help (-1 busy, 45011 quota, token errors, unreachable).

What the wrapper does that wechatpy alone does not:
- the base URL from settings for every call, the token fetch included (wechatpy hard-codes
  ``https://api.weixin.qq.com/cgi-bin/token``);
- a timeout on every request: requests' (connect, read) timeouts plus an overall deadline;
- access tokens from ``cgi-bin/stable_token`` kept in ``wechat.tokens`` (Redis when configured,
  else the ``wechat_access_token`` table, so every replica shares them), refreshed
  HOTLINE_WECHAT_TOKEN_MARGIN_S before expiry; on 40001/42001 one forced refresh and exactly one
  retry (wechatpy would retry without bound and keep the token in process memory);
- the blocking requests run in a dedicated pool of HOTLINE_WECHAT_WORKERS threads, never on the
  event loop; each thread has its own ``requests`` session.

Never call it inside a database transaction.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import re
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import requests
from wechatpy.client import WeChatClient
from wechatpy.exceptions import WeChatClientException
from wechatpy.session import SessionStorage

from hotline import settings as settings_mod
from wechat import tokens

log = logging.getLogger("hotline.wechat")

TOKEN_ERRORS = frozenset({40001, 42001})  # invalid credential, access token expired
RETRYABLE = frozenset({-1, 40001, 42001, 45011})
_PATH = re.compile(r"^[A-Za-z0-9_-]+(?:/[A-Za-z0-9_-]+)*$")


class WeChatError(Exception):
    """WeChat answered with a non-zero ``errcode`` (or, for subclasses, did not answer)."""

    def __init__(self, errcode: int | None, errmsg: str = "") -> None:
        super().__init__(f"WeChat error {errcode}: {errmsg}")
        self.errcode = errcode
        self.errmsg = errmsg

    @property
    def retryable(self) -> bool:
        return self.errcode is None or self.errcode in RETRYABLE


class WeChatUnavailable(WeChatError):
    """Network error, timeout, HTTP error status or a reply that is not a JSON object."""

    def __init__(self, errmsg: str) -> None:
        super().__init__(None, errmsg)


class WeChatNotConfigured(WeChatError):
    def __init__(self, app: str) -> None:
        super().__init__(None, f"the WeChat {app!r} app has no appid/secret configured")

    @property
    def retryable(self) -> bool:
        return False


@dataclass(frozen=True)
class AppConfig:
    name: str
    appid: str
    secret: str


def app_config(app: str) -> AppConfig:
    s = settings_mod.current()
    if app == "mini":
        appid, secret = s.wechat_mini_appid, s.wechat_mini_secret
    elif app == "oa":
        appid, secret = s.wechat_oa_appid, s.wechat_oa_secret
    else:
        raise ValueError(f"unknown WeChat app {app!r} (use 'mini' or 'oa')")
    if not appid or not secret:
        raise WeChatNotConfigured(app)
    return AppConfig(app, appid, secret)


def api_url(path: str) -> str:
    if not _PATH.match(path):
        raise ValueError(f"WeChat API path must be relative, like 'cgi-bin/token': {path!r}")
    base = settings_mod.current().wechat_api_base
    return (base if base.endswith("/") else base + "/") + path


# --------------------------------------------------------------------------- the sync side


class _NoStorage(SessionStorage):
    """wechatpy's session storage, unused: tokens live in ``wechat.tokens``."""

    def get(self, key: str, default: Any = None) -> Any:
        return default

    def set(self, key: str, value: Any, ttl: int | None = None) -> None:
        return None

    def delete(self, key: str) -> None:
        return None


class _Client(WeChatClient):
    """requests session + wechatpy's result handling; never fetches or retries on its own."""

    def __init__(self, appid: str, secret: str) -> None:
        super().__init__(appid, secret, session=_NoStorage(), auto_retry=False)

    def fetch_access_token(self) -> dict[str, Any]:
        raise RuntimeError("access tokens come from wechat.tokens, not from wechatpy")


_local = threading.local()


def _thread_client(cfg: AppConfig) -> _Client:
    clients: dict[tuple[str, str], _Client] | None = getattr(_local, "clients", None)
    if clients is None:
        clients = _local.clients = {}
    key = (cfg.appid, cfg.secret)
    if key not in clients:
        clients[key] = _Client(cfg.appid, cfg.secret)
    return clients[key]


def _request_sync(
    cfg: AppConfig,
    method: str,
    url: str,
    params: dict[str, Any] | None,
    body: dict[str, Any] | None,
    access_token: str | None,
    raw: bool,
    timeout: tuple[float, float],
) -> Any:
    """One HTTP request in a pool thread; returns the JSON object or (bytes, content type)."""
    wx = _thread_client(cfg)
    query: Any = dict(params or {})
    if access_token is None:
        query = list(query.items())  # a list, so wechatpy adds no access_token
    else:
        query["access_token"] = access_token
    kwargs: dict[str, Any] = {"params": query, "timeout": timeout}
    if body is not None:
        kwargs["data"] = body  # wechatpy serialises dicts as UTF-8 JSON, Chinese unescaped
        kwargs["headers"] = {"Content-Type": "application/json; charset=utf-8"}
    try:
        result = wx._request(method=method.lower(), url_or_endpoint=url, **kwargs)
    except WeChatClientException as exc:
        if exc.errcode is None:
            status = getattr(exc.response, "status_code", None)
            raise WeChatUnavailable(f"HTTP {status}") from None
        raise WeChatError(int(exc.errcode), str(exc.errmsg)) from None
    except requests.RequestException as exc:
        raise WeChatUnavailable(f"{type(exc).__name__}: {exc}") from None
    except (ValueError, TypeError) as exc:  # e.g. a non-numeric errcode
        raise WeChatUnavailable(f"unreadable reply: {exc}") from None
    if raw:
        if isinstance(result, requests.Response):
            return result.content, result.headers.get("Content-Type", "")
        raise WeChatUnavailable("expected a file, got a JSON reply")
    if not isinstance(result, dict):
        raise WeChatUnavailable("reply is not a JSON object")
    return result


# -------------------------------------------------------------------------- the async side

_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()


def _executor() -> ThreadPoolExecutor:
    global _pool
    with _pool_lock:
        if _pool is None:
            workers = max(1, settings_mod.current().wechat_workers)
            _pool = ThreadPoolExecutor(workers, thread_name_prefix="wechat")
        return _pool


def shutdown() -> None:
    """Stop the thread pool (a new one starts on the next call)."""
    global _pool
    with _pool_lock:
        pool, _pool = _pool, None
    if pool is not None:
        pool.shutdown(wait=False, cancel_futures=True)


async def _run(deadline: float, cfg: AppConfig, method: str, url: str, params: Any, body: Any,
               access_token: str | None, raw: bool) -> Any:
    loop = asyncio.get_running_loop()
    remaining = deadline - loop.time()
    if remaining <= 0:
        raise WeChatUnavailable("timeout")
    connect = min(settings_mod.current().wechat_connect_timeout_s, remaining)
    job = functools.partial(
        _request_sync, cfg, method, url, params, body, access_token, raw, (connect, remaining)
    )
    try:
        return await asyncio.wait_for(loop.run_in_executor(_executor(), job), remaining)
    except TimeoutError:
        raise WeChatUnavailable("timeout") from None


async def _fetch_token(cfg: AppConfig, deadline: float, force: bool) -> tuple[str, int]:
    body = {
        "grant_type": "client_credential",
        "appid": cfg.appid,
        "secret": cfg.secret,
        "force_refresh": force,
    }
    data = await _run(
        deadline, cfg, "POST", api_url("cgi-bin/stable_token"), None, body, None, False
    )
    token = data.get("access_token")
    if not isinstance(token, str) or not token:
        raise WeChatUnavailable("stable_token answered without an access_token")
    try:
        expires_in = int(data.get("expires_in", 7200))
    except (TypeError, ValueError):
        expires_in = 7200
    log.info("fetched a WeChat access token for %s (force=%s)", cfg.name, force)
    return token, expires_in


async def _call(app: str, method: str, path: str, params: dict[str, Any] | None,
                body: dict[str, Any] | None, token: bool, budget_s: float | None,
                raw: bool) -> Any:
    cfg = app_config(app)
    url = api_url(path)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + (budget_s or settings_mod.current().wechat_timeout_s)
    if not token:
        return await _run(deadline, cfg, method, url, params, body, None, raw)
    fetch = functools.partial(_fetch_token, cfg, deadline)
    access = await tokens.current(cfg.appid, fetch)
    try:
        return await _run(deadline, cfg, method, url, params, body, access, raw)
    except WeChatError as exc:
        if exc.errcode not in TOKEN_ERRORS:
            raise
        log.info("WeChat %s answered %s on %s; refreshing the token once", app, exc.errcode, path)
        access = await tokens.refresh(cfg.appid, access, fetch)
        return await _run(deadline, cfg, method, url, params, body, access, raw)


async def call(
    app: str,
    method: str,
    path: str,
    *,
    params: dict[str, Any] | None = None,
    json: dict[str, Any] | None = None,
    token: bool = True,
    budget_s: float | None = None,
) -> dict[str, Any]:
    """Call a WeChat JSON API; see the module docstring."""
    result: dict[str, Any] = await _call(app, method, path, params, json, token, budget_s, False)
    return result


async def download(
    app: str, path: str, params: dict[str, Any], *, budget_s: float | None = None
) -> tuple[bytes, str]:
    """GET a file (e.g. ``cgi-bin/media/get``): its bytes and content type."""
    result: tuple[bytes, str] = await _call(app, "GET", path, params, None, True, budget_s, True)
    return result
