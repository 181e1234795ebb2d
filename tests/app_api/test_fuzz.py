"""schemathesis over every operation of /openapi.json, as every kind of caller.

Each operation is one test: hypothesis draws requests from the operation's schema (valid ones,
then invalid ones) and a caller for each (nobody, a citizen, a kiosk, a staff member of each
role), sends them to the test app in-process, and checks every answer: no 5xx, a status the
operation declares, the declared content type, a body valid against the declared schema.

Three passes per operation: schemathesis's deterministic coverage cases (boundaries, wrong
types, missing parts); a hostile pass, where a valid request (a known-good body, a real case in
the path) gets one hostile value at a time (NUL and other control characters, bidi overrides,
integers past 2^31, 2^63 and 2^64), sent as callers that get past authentication; then
hypothesis's random requests, valid and invalid.

Requests are drawn in a worker thread (hypothesis drives a synchronous test) and sent on the
test's event loop, where the database connections live. Examples per operation are bounded
(``HOTLINE_FUZZ_EXAMPLES``, default below) so the whole run takes about two minutes.
"""

from __future__ import annotations

import asyncio
import itertools
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
from models.org import Unit
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
    tmp = tempfile.TemporaryDirectory(prefix="hotline-fuzz-")
    var = Path(tmp.name)
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
        tmp.cleanup()
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


# What attackers send and random generation rarely hits: control and bidi characters, blank
# text, numbers past what the database columns hold.
HOSTILE_TEXT = ("a\x00b", "\u202eabc", "\x1b[0m", " ")
HOSTILE_INTS = (2**31, 2**63, 2**64, -(2**63) - 1, 10**30)
# callers tried in this order to find who gets past authentication for an operation
PROBE = ("admin", "citizen", "kiosk", "reward_admin", "supervisor", "dispatcher", "handler",
         "operator", "nobody")


def _bodies(unit_id: int, tracking_no: str) -> dict[tuple[str, str], Any]:
    """Valid bodies for the hostile pass (generated ones rarely get past domain checks), so
    that each field's hostile value reaches the code behind the checks before it."""
    case = COMPLAINT | {
        "title": "夜间施工噪音", "occurred_at": "2026-11-01T22:00:00+08:00", "photo_ids": [1],
        "contact_phone": "13800138000",
    }
    staff = "/api/v1/staff/cases/{no}/"
    return {
        ("POST", "/api/v1/cases"): case,
        ("POST", "/api/v1/intake/cases"): case | {
            "channel": "phone", "citizen": {"name": "王小明", "phone": "13900139000"},
        },
        ("POST", "/api/v1/cases/{no}/rating"): {"score": 5, "comment": "满意"},
        ("POST", staff + "answer"): {"content": "已答复"},
        ("POST", staff + "dispatch"): {
            "unit_id": unit_id, "procedure": "normal", "co_unit_ids": [unit_id],
        },
        ("POST", staff + "return"): {"reason": "不属本单位"},
        ("POST", staff + "transfer"): {"reason": "不属本单位"},
        ("POST", staff + "notice"): {"content": "已受理"},
        ("POST", staff + "reply"): {"content": "已处理", "public": False},
        ("POST", staff + "extension"): {"days": 5, "reason": "需要时间"},
        ("POST", staff + "extension/decision"): {"approve": True},
        ("POST", staff + "supervise"): {"note": "请尽快办理"},
        ("POST", staff + "callback"): {"reached": True, "satisfied": True, "note": "已回访"},
        ("POST", staff + "verify"): {"outcome": "upheld", "note": "已核实"},
        ("POST", staff + "merge"): {"into": tracking_no},
        ("POST", staff + "reject"): {"reason": "重复"},
        ("POST", "/api/v1/admin/rewards/claims/{claim_id}/approve"): {"amount": "100.00"},
        ("POST", "/api/v1/admin/rewards/claims/{claim_id}/deny"): {"reason": "不符合"},
    }


def _hostile(value: Any) -> list[Any]:
    if isinstance(value, bool):
        return []
    if isinstance(value, int):
        return list(HOSTILE_INTS)
    if isinstance(value, str):
        return list(HOSTILE_TEXT)
    return []


def _variants(value: Any) -> list[Any]:
    """Copies of ``value`` with one leaf (a string or an integer) made hostile at a time."""
    out = _hostile(value)
    if isinstance(value, dict):
        for key, item in value.items():
            out += [value | {key: v} for v in _variants(item)]
    elif isinstance(value, list) and value:
        out += [[v, *value[1:]] for v in _variants(value[0])]
    return out


def _hostile_cases(case: schemathesis.Case[Any]) -> list[schemathesis.Case[Any]]:
    out = []
    for where in ("path_parameters", "query"):
        current = getattr(case, where) or {}
        for key, value in current.items():
            for bad in _hostile(value):
                derived = case.derive()
                setattr(derived, where, current | {key: bad})
                out.append(derived)
    if isinstance(case.body, dict | list) and (case.media_type or "").endswith("json"):
        for bad in _variants(case.body):
            derived = case.derive()
            derived.body = bad
            out.append(derived)
    return out


SANDBOX_REGION, SANDBOX_UNIT, SANDBOX_ADMIN = "339900", "FUZZ-SANDBOX", "fuzz_admin"


async def _sandbox_admin() -> str:
    """The ``admin`` the fuzzer calls as: an administrator of a unit (in a region) of its own
    under the root, so that random administration writes (renaming, moving, deactivating,
    routing, resetting passwords) reach the code behind every check but change nothing the
    other tests rely on. Province-wide writes (categories, the calendar) answer it 403."""
    from identity.staff import create_staff
    from launch.seed import DEMO_PASSWORD
    from models.org import Region, RegionLevel, Staff

    if not await Staff.exists(username=SANDBOX_ADMIN):
        await Region.get_or_create(
            code=SANDBOX_REGION,
            defaults={"name": "模糊测试区", "level": RegionLevel.city, "parent_id": "330000"},
        )
        root = await Unit.filter(parent_id=None).order_by("id").first()
        assert root is not None
        unit = await Unit.create(
            code=SANDBOX_UNIT, name="模糊测试单位", region_id=SANDBOX_REGION, parent=root
        )
        unit.path = f"{root.path}{unit.id}/"
        await unit.save(update_fields=["path"])
        await create_staff(SANDBOX_ADMIN, DEMO_PASSWORD, ["admin"], unit)
    return SANDBOX_ADMIN


async def _callers(client: httpx.AsyncClient) -> dict[str, dict[str, str]]:
    from identity.staff import create_device

    citizen = await login_citizen(client, "13800138000")
    _, key = await create_device("模糊测试自助终端", await Unit.get(code="HZ-XH"))
    headers: dict[str, dict[str, str]] = {
        "nobody": {},
        "citizen": bearer(citizen["access_token"]),
        "kiosk": {"X-Device-Key": key},
    }
    for role in ROLES:
        username = await _sandbox_admin() if role == "admin" else role
        headers[role] = bearer(await login_staff(client, username))
    return headers


async def _some_cases(client: httpx.AsyncClient, callers: dict[str, dict[str, str]]) -> str:
    """A few cases, so that lists and queues have items whose shape gets checked; returns the
    citizen's tracking number."""
    numbers = []
    for who in ("citizen", "kiosk"):
        r = await client.post("/api/v1/cases", json=COMPLAINT, headers=callers[who])
        assert r.status_code == 201, r.text
        numbers.append(r.json()["tracking_no"])
    body = COMPLAINT | {"channel": "phone", "citizen": {"name": "王小明", "phone": "13900139000"}}
    r = await client.post("/api/v1/intake/cases", json=body, headers=callers["operator"])
    assert r.status_code == 201, r.text
    return numbers[0]


def _request(
    client: httpx.AsyncClient, case: schemathesis.Case[Any], headers: dict[str, str]
) -> httpx.Request:
    """The request schemathesis built (encoded as ``requests`` would send it), for httpx."""
    kwargs = case.as_transport_kwargs(base_url="http://testserver")
    generated = kwargs.get("headers") or {}
    if headers:  # the caller's credentials replace generated ones (kept for "nobody")
        generated = {
            k: v for k, v in generated.items()
            if k.lower() not in ("authorization", "x-device-key")
        }
    kwargs["headers"] = {**generated, **headers}
    prepared = requests.Request(**kwargs).prepare()
    body = prepared.body
    if isinstance(body, str):
        body = body.encode()
    if not isinstance(body, bytes | None):
        raise TypeError(f"unexpected request body {type(body).__name__}")
    # as bytes, latin-1 as requests sends them: a generated header may hold "Bearer \x86§³"
    headers = {
        name: value if isinstance(value, bytes) else value.encode("latin-1")
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
    tracking_no = await _some_cases(client, callers)
    bodies = _bodies((await Unit.get(code="HZ-XH")).id, tracking_no)
    operation = schema[path][method]

    def run(coro: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coro, loop).result(timeout=60)

    found: dict[tuple[str, int], str] = {}  # (failure kind, status) -> how to reproduce it

    def check(case: schemathesis.Case[Any], caller: str) -> None:
        try:
            request = _request(client, case, callers[caller])
        except httpx.InvalidURL:  # past 64 KiB: no HTTP client sends it, no server sees it
            return
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

    def hostile() -> None:
        """The fullest valid coverage case (on a real case where the path names one), sent with
        one hostile value at a time, as the first two callers that get past authentication."""
        modes = [schemathesis.GenerationMode.POSITIVE]
        cases = schema.iter_coverage_cases(
            operation,
            generation_modes=modes,
            generation_config=schema.config.generation_for(operation=operation),
        )
        candidates = [c for c in itertools.islice(cases, 60) if c.method.upper() == method]
        if not candidates:
            return
        # the fullest one: optional fields and parameters included, so they get mutated too
        base = max(candidates, key=lambda c: len(repr((c.body, c.query, c.path_parameters))))
        body = bodies.get((method, path))
        if body is not None:
            base.body = body
            base.media_type = "application/json"
        for name in ("no", "tracking_no"):
            if name in base.path_parameters:
                base.path_parameters = base.path_parameters | {name: tracking_no}
        admitted = []
        for caller in PROBE:
            response = run(client.send(_request(client, base, callers[caller])))
            if response.status_code not in (401, 403):
                admitted.append(caller)
            if len(admitted) == 2:
                break
        admitted = admitted or ["nobody"]
        for n, case in enumerate(_hostile_cases(base)):
            check(case, admitted[n % len(admitted)])

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
    await asyncio.to_thread(hostile)
    await asyncio.to_thread(fuzz)
    report = [f"{kind} [{status}] {how}" for (kind, status), how in sorted(found.items())]
    if report:
        pytest.fail(f"{method} {path}:\n" + "\n".join(report), pytrace=False)

