"""schemathesis over every operation of /openapi.json, as every kind of caller.

Each operation is one test: hypothesis draws requests from the operation's schema (valid ones,
then invalid ones) and a caller for each (nobody, a citizen, a kiosk, a staff member of each
role), sends them to the test app in-process, and checks every answer: no 5xx, a status the
operation declares, the declared content type, a body valid against the declared schema.

Requests are drawn in a worker thread (hypothesis drives a synchronous test) and sent on the
test's event loop, where the database connections live. Examples per operation are bounded
(``HOTLINE_FUZZ_EXAMPLES``, default below) so the whole run takes about two minutes.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
from collections.abc import AsyncIterator, Coroutine
from pathlib import Path
from typing import Any, TypeVar

import httpx
import hypothesis
import pytest
import requests
import schemathesis
from hypothesis import strategies as st
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from hotline import settings as settings_mod
from tests.conftest import COMPLAINT, bearer, login_citizen, login_staff
from tests.fakes.wechat_api import FakeWeChat
from tests.wechat.support import wx_fixture  # noqa: F401  (the fake WeChat API: fixture wx)

ROLES = ("operator", "dispatcher", "handler", "supervisor", "reward_admin", "admin")
CALLERS = ("nobody", "citizen", "kiosk", *ROLES)
EXAMPLES = int(os.environ.get("HOTLINE_FUZZ_EXAMPLES", "100"))
# operations whose every request costs a password hash (argon2) get fewer examples
FEWER = {("POST", "/api/v1/auth/staff-login"): 4}
CHECKS = [
    schemathesis.checks.not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
T = TypeVar("T")


def _operations() -> list[tuple[str, str]]:
    """(method, path) of every operation, from an app built only to read its routes."""
    from app_api.app import create_app
    from hotline.settings import Settings

    before = settings_mod._current
    var = Path(tempfile.mkdtemp(prefix="hotline-fuzz-"))
    try:
        app = create_app(
            Settings(
                env="test", var_dir=var, database_url=f"sqlite://{var / 'unused.sqlite3'}",
                secret_key="x" * 32, data_key="y" * 32, run_workers=False,
            ),
            manage_db=False,
        )
        doc = app.openapi()
    finally:
        settings_mod._current = before
    return [
        (method.upper(), path)
        for path, item in doc["paths"].items()
        for method in item
        if method in ("get", "post", "put", "patch", "delete")
    ]


OPERATIONS = _operations()


@pytest.fixture(scope="module")
def schema(app: Any) -> Any:
    return schemathesis.openapi.from_dict(app.openapi())


@pytest.fixture
async def fuzz_client(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    """Like ``client``, but an unhandled error comes back as the 500 a client would get."""
    transport = httpx.ASGITransport(
        app=app, client=("203.0.113.9", 50000), raise_app_exceptions=False
    )
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c


async def _callers(client: httpx.AsyncClient) -> dict[str, dict[str, str]]:
    from identity.staff import create_device
    from models.org import Unit

    citizen = await login_citizen(client, "13800138000")
    _, key = await create_device("模糊测试自助终端", await Unit.get(code="HZ-XH"))
    headers: dict[str, dict[str, str]] = {
        "nobody": {},
        "citizen": bearer(citizen["access_token"]),
        "kiosk": {"X-Device-Key": key},
    }
    for role in ROLES:
        headers[role] = bearer(await login_staff(client, role))
    return headers


async def _some_cases(client: httpx.AsyncClient, callers: dict[str, dict[str, str]]) -> None:
    """A few cases, so that lists and queues have items whose shape gets checked."""
    for who in ("citizen", "kiosk"):
        r = await client.post("/api/v1/cases", json=COMPLAINT, headers=callers[who])
        assert r.status_code == 201, r.text
    body = COMPLAINT | {"channel": "phone", "citizen": {"name": "王小明", "phone": "13900139000"}}
    r = await client.post("/api/v1/intake/cases", json=body, headers=callers["operator"])
    assert r.status_code == 201, r.text


def _request(
    client: httpx.AsyncClient, case: schemathesis.Case[Any], headers: dict[str, str]
) -> httpx.Request:
    """The request schemathesis built (encoded as ``requests`` would send it), for httpx."""
    kwargs = case.as_transport_kwargs(base_url="http://testserver")
    kwargs["headers"] = {**headers, **(kwargs.get("headers") or {})}
    prepared = requests.Request(**kwargs).prepare()
    body = prepared.body
    if isinstance(body, str):
        body = body.encode()
    if not isinstance(body, bytes | None):
        raise TypeError(f"unexpected request body {type(body).__name__}")
    headers = {
        name: value.decode("latin-1") if isinstance(value, bytes) else value
        for name, value in prepared.headers.items()
    }
    return client.build_request(
        prepared.method or "GET", prepared.url or "", headers=headers, content=body
    )


@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
async def test_operation(
    fuzz_client: httpx.AsyncClient, schema: Any, wx: FakeWeChat, method: str, path: str
) -> None:
    client = fuzz_client
    loop = asyncio.get_running_loop()
    callers = await _callers(client)
    await _some_cases(client, callers)
    operation = schema[path][method]

    def run(coro: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coro, loop).result(timeout=60)

    found: dict[tuple[str, int], str] = {}  # (failure kind, status) -> how to reproduce it

    def check(case: schemathesis.Case[Any], caller: str) -> None:
        request = _request(client, case, callers[caller])
        response = run(client.send(request))
        try:
            case.validate_response(response, checks=CHECKS)
        except FailureGroup as group:  # keep going: report every distinct failure at the end
            for failure in group.exceptions:
                key = (f"{failure.code} {failure.title}", response.status_code)
                how = f"as {caller}: {case.as_curl_command()}\n    {failure.message}"
                found.setdefault(key, how)

    def coverage() -> None:
        """schemathesis's deterministic boundary cases (lengths, ranges, types, missing parts),
        valid and invalid, each sent as the next caller in turn."""
        modes = [schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE]
        cases = schema.iter_coverage_cases(
            operation,
            generation_modes=modes,
            generation_config=schema.config.generation_for(operation=operation),
        )
        turn = 0
        for case in cases:
            if case.method.upper() != method:  # other methods: Starlette's 405, not ours
                continue
            check(case, CALLERS[turn % len(CALLERS)])
            turn += 1

    strategy = st.one_of(
        operation.as_strategy(generation_mode=schemathesis.GenerationMode.POSITIVE),
        operation.as_strategy(generation_mode=schemathesis.GenerationMode.NEGATIVE),
    )

    @hypothesis.settings(
        max_examples=max(1, EXAMPLES // FEWER.get((method, path), 1)),
        deadline=None,
        database=None,
        derandomize=True,
        phases=[hypothesis.Phase.generate],
        suppress_health_check=list(hypothesis.HealthCheck),
    )
    @hypothesis.given(case=strategy, caller=st.sampled_from(CALLERS))
    def fuzz(case: schemathesis.Case[Any], caller: str) -> None:
        check(case, caller)

    await asyncio.to_thread(coverage)
    await asyncio.to_thread(fuzz)
    report = [f"{kind} [{status}] {how}" for (kind, status), how in sorted(found.items())]
    if report:
        pytest.fail(f"{method} {path}:\n" + "\n".join(report), pytrace=False)

