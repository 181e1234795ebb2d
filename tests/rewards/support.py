"""Shared helpers of the rewards tests: real-name reporters, a report taken to its verified reply,
reward administrators, and claims made directly in the database for the bulk tests."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest

from hotline.crypto import decrypt, encrypt, lookup_hash
from identity.staff import create_staff
from launch.seed import DEMO_PASSWORD
from models.case import Case
from models.citizen import Citizen
from models.org import Staff, Unit
from models.outbox import OutboxMessage
from models.reward import ClaimStatus, RewardClaim, RewardProgram
from rewards.programs import seed_demo_program
from tests.conftest import bearer, login_citizen, login_staff
from tests.identity.ids import id_number

WATER = {
    "kind": "report",
    "category_code": "ENV-WATER-V",
    "content": "文一西路桥下河道水体发黑发臭，疑似劣V类水，有排污口在排放污水。",
    "location": {
        "lat": 30.2900,
        "lng": 120.1000,
        "address": "杭州市西湖区文一西路桥下",
        "region_code": "330106",
    },
}
M_PER_DEG = 111_195.0  # metres per degree of latitude (and of longitude at the equator)


def moved(body: dict[str, Any], north_m: float = 0.0, **extra: Any) -> dict[str, Any]:
    loc = dict(body["location"])
    loc["lat"] = round(loc["lat"] + north_m / M_PER_DEG, 7)
    return body | {"location": loc} | extra


async def program() -> RewardProgram:
    return await seed_demo_program()


def id_number_for(phone: str) -> str:
    """A valid ID number of its own for each test phone (birth date and sequence from it)."""
    born = date(1950, 1, 1) + timedelta(days=int(phone[-7:]) % 20_000)
    return id_number("330106", born.strftime("%Y%m%d"), phone[-3:])


_operator: list[str] = []  # the operator's access token, kept across tests (staff rows stay)


async def operator_token(client: httpx.AsyncClient) -> str:
    if not _operator:
        _operator.append(await login_staff(client, "operator"))
    return _operator[0]


async def reporter(
    client: httpx.AsyncClient, phone: str, name: str = "王小明", real_name: bool = True
) -> str:
    """A citizen's access token; real-name verified at the counter with ``name`` (by an
    operator, over HTTP) unless told otherwise."""
    if real_name:
        r = await client.post(
            "/api/v1/staff/citizens/real-name",
            json={"phone": phone, "name": name, "id_number": id_number_for(phone)},
            headers=bearer(await operator_token(client)),
        )
        assert r.status_code == 200, r.text
    login = await login_citizen(client, phone)
    assert login["citizen"]["real_name_verified"] is real_name
    return login["access_token"]


async def submit(client: httpx.AsyncClient, token: str, body: dict[str, Any] = WATER) -> str:
    r = await client.post("/api/v1/cases", json=body, headers=bearer(token))
    assert r.status_code == 201, r.text
    return r.json()["tracking_no"]


async def act(
    client: httpx.AsyncClient, token: str, no: str, path: str, body: dict[str, Any] | None = None
) -> dict[str, Any]:
    r = await client.post(
        f"/api/v1/staff/cases/{no}/{path}", json=body or {}, headers=bearer(token)
    )
    assert r.status_code == 200, r.text
    return r.json()


class Staffs:
    """Tokens of the demo staff, logged in once per test."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client
        self.tokens: dict[str, str] = {}

    async def __call__(self, username: str) -> str:
        if username not in self.tokens:
            self.tokens[username] = await login_staff(self.client, username)
        return self.tokens[username]


async def second_reward_admin(username: str = "reward_admin2") -> Staff:
    """Another reward administrator (staff rows outlive tests: created once)."""
    staff = await Staff.get_or_none(username=username)
    if staff is None:
        root = await Unit.get(code="ZJ12345")
        staff = await create_staff(username, DEMO_PASSWORD, ["reward_admin"], root)
    return staff


async def handle(
    client: httpx.AsyncClient,
    staffs: Staffs,
    no: str,
    *,
    verified: bool | None = True,
    severity: str | None = "moderate",
    fine: float | None = None,
    unit_code: str = "HZ-STHJJ",
) -> dict[str, Any]:
    """Dispatch to the unit, sign, and reply with the verification facts."""
    unit = await Unit.get(code=unit_code)
    await act(client, await staffs("dispatcher"), no, "dispatch",
              {"unit_id": unit.id, "procedure": "simple"})
    handler = await staffs("handler")
    await act(client, handler, no, "sign")
    body: dict[str, Any] = {"content": "经现场核查，反映情况属实，已责令整改。"}
    if verified is not None:
        body["verified"] = verified
    if severity is not None:
        body["severity"] = severity
    if fine is not None:
        body["fine"] = fine
    return await act(client, handler, no, "reply", body)


async def claim_of(no: str) -> RewardClaim:
    case = await Case.get(tracking_no=no)
    return await RewardClaim.get(case_id=case.id)


async def sms_params(phone: str, template: str) -> list[dict[str, Any]]:
    out = []
    for row in await OutboxMessage.filter(template=template).order_by("id"):
        if decrypt(row.address_enc) == phone:
            out.append(json.loads(decrypt(row.params_enc) or "{}"))
    return out


async def bulk_claims(
    prog: RewardProgram,
    n: int,
    *,
    max_fen: int = 30_000,
    citizens: int | None = None,
    flags: list[str] | None = None,
) -> list[RewardClaim]:
    """``n`` eligible claims made directly in the database (one citizen each by default)."""
    root = await Unit.get(code="ZJ12345")
    now = datetime.now(UTC)
    people = []
    for i in range(citizens or n):
        phone = f"1770000{i:04d}"
        people.append(
            await Citizen.create(
                phone_enc=encrypt(phone),
                phone_hash=lookup_hash(phone),
                name_enc=encrypt(f"测试{i}"),
                real_name_verified=True,
            )
        )
    claims = []
    for i in range(n):
        at = now - timedelta(minutes=n - i)
        case = await Case.create(
            tracking_no=f"BULK-{i:06d}",
            query_code_hash="x",
            kind="report",
            category_id="ENV-WATER-V",
            channel="app",
            content="bulk",
            lat=30.0 + i * 0.01,
            lng=120.0,
            citizen_id=people[i % len(people)].id,
            unit_path=root.path,
            flags=["reward_claim"],
            created_at=at,
        )
        claims.append(
            await RewardClaim.create(
                case_id=case.id,
                program_id=prog.id,
                citizen_id=people[i % len(people)].id,
                status=ClaimStatus.eligible,
                group_case_id=case.id,
                category_code="ENV-WATER-V",
                lat=case.lat,
                lng=case.lng,
                reported_at=at,
                verified=True,
                severity="moderate",
                max_amount_fen=max_fen,
                flags=flags or [],
                flagged=bool(flags),
                created_at=at,
            )
        )
    return claims


@pytest.fixture(name="staffs")
async def staffs_fixture(client: httpx.AsyncClient) -> Staffs:
    return Staffs(client)


@pytest.fixture(name="prog")
async def prog_fixture() -> RewardProgram:
    """The demo 五水共治 programme (the harness wipes programmes between tests)."""
    return await program()
