"""Reward programmes: which categories they cover, when, with what budget and amount rules."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from audit import log as audit_log
from casework.reference import province_scope
from hotline import settings as settings_mod
from hotline.db import lock_first
from hotline.errors import Conflict, NotFound, ValidationProblem, field_problem
from hotline.timefmt import SHANGHAI
from identity.principal import Principal
from models.org import Category
from models.reward import RewardProgram

SEVERITIES = ("minor", "moderate", "serious", "critical")
SEVERITY_LABELS = {"minor": "一般", "moderate": "较重", "serious": "严重", "critical": "特别严重"}
DEMO_NAME = "五水共治有奖举报"
RULES_TEXT = (
    "实名举报经承办单位查实后，按核实的严重程度给予定额奖励，"
    "并按罚款金额的一定比例追加奖励；同一问题以最先举报且经查实者为准；匿名举报不予奖励。"
)


def yuan(fen: int | None) -> str | None:
    """Fen as a yuan string with two decimals ("300.00")."""
    return None if fen is None else f"{Decimal(fen) / 100:.2f}"


def to_fen(amount: Any, label: str = "金额") -> int:
    """A yuan amount from JSON (number or string, at most two decimals) in fen."""
    if isinstance(amount, bool) or not isinstance(amount, int | float | str):
        raise ValidationProblem(f"{label}须为数字（元）", code="validation_error")
    try:
        value = Decimal(str(amount))
    except InvalidOperation as exc:
        raise ValidationProblem(f"{label}须为数字（元）", code="validation_error") from exc
    if value.is_finite() and value > 10**9:  # before quantize, which fails past its precision
        raise ValidationProblem(f"{label}过大", code="validation_error")
    if not value.is_finite() or value < 0 or value != value.quantize(Decimal("0.01")):
        raise ValidationProblem(f"{label}须为不超过两位小数的非负数（元）", code="validation_error")
    return int((value * 100).to_integral_value(ROUND_HALF_UP))


def max_amount_fen(program: RewardProgram, severity: str | None, fine_fen: int | None) -> int:
    """The most the rules allow: the severity's tier plus a share of the fine, capped."""
    tier = int((program.tiers_fen or {}).get(severity or "minor", 0))
    share = round((fine_fen or 0) * program.fine_pct / 100)
    return tier + min(share, program.fine_cap_fen)


def four_eyes_threshold(program: RewardProgram) -> int:
    if program.four_eyes_fen is not None:
        return program.four_eyes_fen
    return settings_mod.current().reward_four_eyes_fen


def local_date(at: datetime) -> date:
    return at.astimezone(SHANGHAI).date()


async def program_for(
    category_code: str, on: date, conn: BaseDBAsyncClient
) -> RewardProgram | None:
    """The active programme covering a category on a day (the earliest created, if several)."""
    rows = await (
        RewardProgram.filter(active=True, starts_on__lte=on, ends_on__gte=on)
        .order_by("id")
        .using_db(conn)
    )
    return next((p for p in rows if category_code in (p.categories or [])), None)


def program_view(p: RewardProgram, *, admin: bool = False) -> dict[str, Any]:
    view: dict[str, Any] = {
        "id": p.id,
        "name": p.name,
        "description": p.description,
        "categories": p.categories,
        "period": {"from": p.starts_on.isoformat(), "to": p.ends_on.isoformat()},
        "tiers": {s: yuan(int(p.tiers_fen.get(s, 0))) for s in SEVERITIES if s in p.tiers_fen},
        "fine_pct": p.fine_pct,
        "fine_cap": yuan(p.fine_cap_fen),
        "monthly_limit": {
            "count": p.monthly_count_limit,
            "amount": yuan(p.monthly_amount_limit_fen),
        },
        "claim_deadline_days": p.claim_deadline_days,
        "budget_total": yuan(p.budget_fen),
        "budget_remaining": yuan(max(0, p.budget_fen - p.committed_fen)),
        "rules": RULES_TEXT,
    }
    if admin:
        view |= {
            "active": p.active,
            "committed": yuan(p.committed_fen),
            "paid": yuan(p.paid_fen),
            "four_eyes_above": yuan(four_eyes_threshold(p)),
        }
    return view


async def public_programs(today: date) -> list[dict[str, Any]]:
    rows = await RewardProgram.filter(active=True, ends_on__gte=today).order_by("starts_on", "id")
    return [program_view(p) for p in rows]


async def all_programs() -> list[dict[str, Any]]:
    return [program_view(p, admin=True) for p in await RewardProgram.all().order_by("id")]


@dataclass
class ProgramIn:
    name: str
    categories: list[str]
    starts_on: date
    ends_on: date
    budget: Any
    tiers: dict[str, Any]
    fine_pct: float = 0.0
    fine_cap: Any = 0
    monthly_count_limit: int = 5
    monthly_amount_limit: Any = 5000
    claim_deadline_days: int = 60
    four_eyes_above: Any = None
    description: str = ""


async def create_program(data: ProgramIn, by: Principal | None = None) -> RewardProgram:
    """A new programme, audited as ``reward_program.create`` by ``by`` (None: the system, as
    when seeding)."""
    if not data.name.strip():
        raise ValidationProblem("请填写项目名称", code="validation_error")
    if data.ends_on < data.starts_on:
        raise ValidationProblem("结束日期不能早于开始日期", code="validation_error")
    known = set(
        await Category.filter(code__in=data.categories, rewardable=True).values_list(
            "code", flat=True
        )
    )
    unknown = sorted(set(data.categories) - known)
    if not data.categories or unknown:
        raise ValidationProblem(
            f"类别不存在或不属于有奖举报类别：{'、'.join(unknown)}", code="unknown_category"
        )
    bad = sorted(set(data.tiers) - set(SEVERITIES))
    if bad:
        raise ValidationProblem(f"未知的严重程度：{'、'.join(bad)}", code="validation_error")
    if not 0 <= data.fine_pct <= 100:
        raise ValidationProblem("罚款奖励比例须在 0 到 100 之间", code="validation_error")
    if data.monthly_count_limit < 1 or data.claim_deadline_days < 1:
        raise ValidationProblem("次数上限和领取期限须为正数", code="validation_error")
    scope_path = await province_scope()
    async with in_transaction() as conn:
        program = await RewardProgram.create(
            name=data.name.strip(),
            description=data.description,
            categories=sorted(set(data.categories)),
            starts_on=data.starts_on,
            ends_on=data.ends_on,
            budget_fen=to_fen(data.budget, "预算"),
            tiers_fen={s: to_fen(v, "奖励档位") for s, v in data.tiers.items()},
            fine_pct=data.fine_pct,
            fine_cap_fen=to_fen(data.fine_cap, "罚款奖励上限"),
            monthly_count_limit=data.monthly_count_limit,
            monthly_amount_limit_fen=to_fen(data.monthly_amount_limit, "每月金额上限"),
            claim_deadline_days=data.claim_deadline_days,
            four_eyes_fen=(
                None if data.four_eyes_above is None else to_fen(data.four_eyes_above, "复核金额")
            ),
            using_db=conn,
        )
        await audit_log.record(
            conn, by, "reward_program.create", f"reward_program:{program.id}",
            scope_path=scope_path, after=_audited(program),
        )
    return program


def _audited(p: RewardProgram) -> dict[str, Any]:
    """A programme's terms as the audit log keeps them (amounts in yuan)."""
    return {
        "name": p.name,
        "categories": p.categories,
        "starts_on": p.starts_on.isoformat(),
        "ends_on": p.ends_on.isoformat(),
        "budget": yuan(p.budget_fen),
        "tiers": {s: yuan(int(v)) for s, v in p.tiers_fen.items()},
        "fine_pct": p.fine_pct,
        "fine_cap": yuan(p.fine_cap_fen),
        "four_eyes_above": yuan(p.four_eyes_fen),
        "active": p.active,
    }


def demo_program(today: date) -> ProgramIn:
    return ProgramIn(
        name=DEMO_NAME,
        description="对劣V类水、污水直排、黑臭河道等问题实名举报，经查实给予奖励。",
        categories=["ENV-WATER-V", "ENV-WATER-SEWAGE", "ENV-WATER-BLACK"],
        starts_on=date(today.year, 1, 1),
        ends_on=date(today.year + 1, 12, 31),
        budget=1_000_000,
        tiers={"minor": 100, "moderate": 300, "serious": 1000, "critical": 2000},
        fine_pct=10.0,
        fine_cap=5000,
        monthly_count_limit=5,
        monthly_amount_limit=5000,
        claim_deadline_days=60,
    )


async def seed_demo_program(today: date | None = None) -> RewardProgram:
    """The demo 五水共治 programme (idempotent: an existing one of that name is kept)."""
    existing = await RewardProgram.get_or_none(name=DEMO_NAME)
    if existing is not None:
        return existing
    return await create_program(demo_program(today or datetime.now(SHANGHAI).date()))


async def update_program(
    actor: Any, program_id: int, changes: dict[str, Any]
) -> dict[str, Any]:
    """Change a programme's ``budget`` (yuan), ``ends_on`` or ``active``: the budget never
    below what is committed. The row is locked from the check to the update, so a concurrent
    approval (which commits against the budget) waits for it or is checked against it."""
    scope_path = await province_scope()
    async with in_transaction() as conn:
        p = await lock_first(conn, RewardProgram, id=program_id)
        if p is None:
            raise NotFound("奖励项目不存在", code="program_not_found")
        new: dict[str, Any] = {}
        if "budget" in changes:
            new["budget_fen"] = to_fen(changes["budget"], "预算")
            if new["budget_fen"] < p.committed_fen:
                raise Conflict(
                    f"预算不能低于已承诺的奖励金额 {yuan(p.committed_fen)} 元",
                    code="budget_below_committed",
                    extra={"committed": yuan(p.committed_fen),
                           "errors": [{"loc": ["body", "budget"], "msg": "预算低于已承诺金额",
                                       "type": "budget_below_committed"}]},
                )
        if "ends_on" in changes:
            if changes["ends_on"] < p.starts_on:
                raise field_problem("ends_on", "结束日期不能早于开始日期", "ends_before_start")
            new["ends_on"] = changes["ends_on"]
        if "active" in changes:
            new["active"] = bool(changes["active"])
        shown = {"budget_fen": "budget", "ends_on": "ends_on", "active": "active"}

        def out(key: str, value: Any) -> Any:
            return yuan(value) if key == "budget_fen" else value

        changed = {k: v for k, v in new.items() if getattr(p, k) != v}
        before = {shown[k]: out(k, getattr(p, k)) for k in changed}
        after = {shown[k]: out(k, v) for k, v in changed.items()}
        if changed:
            for key, value in changed.items():
                setattr(p, key, value)
            await p.save(using_db=conn, update_fields=list(changed))
            await audit_log.record(
                conn, actor, "reward_program.update", f"reward_program:{p.id}",
                scope_path=scope_path, before=before, after=after,
            )
    return program_view(p, admin=True)


async def admin_program(program_id: int) -> dict[str, Any]:
    """One programme as reward administrators see it (``program_view(admin=True)``)."""
    return program_view(await RewardProgram.get(id=program_id), admin=True)
