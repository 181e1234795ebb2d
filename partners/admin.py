"""Partners as administrators see them: created with a key and a webhook secret shown once,
listed, changed, deactivated (their key refused at once). Every write is audited.

Scope: a partner acting for a unit (a unit's OA system) belongs to that unit's subtree, as
kiosks do; a province-wide partner (no unit: 110, Open311 clients) is administered by the root
unit's administrators only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from audit import log as audit_log
from casework.reference import province_scope
from hotline.crypto import encrypt
from hotline.db import lock_first
from hotline.errors import NotFound, field_problem
from hotline.timefmt import iso
from identity.principal import Principal
from models.org import Unit
from models.partner import Partner
from organisation import pages, scope, units
from partners import delivery, keys, targets

FIELDS = ("name", "scopes", "unit_id", "webhook_url", "active")


@dataclass
class PartnerIn:
    name: str
    scopes: list[str]
    unit_id: int | None = None
    webhook_url: str | None = None
    active: bool = True


def view(p: Partner, unit: Unit | None) -> dict[str, Any]:
    return {
        "id": p.id, "name": p.name, "scopes": list(p.scopes), "unit_id": p.unit_id,
        "unit": {"id": unit.id, "name": unit.name} if unit else None,
        "webhook_url": p.webhook_url, "active": p.active, "created_at": iso(p.created_at),
    }


def _record(p: Partner) -> dict[str, Any]:
    """What the audit log keeps of a partner (never a key or a secret)."""
    return {k: getattr(p, k) for k in FIELDS}


def _scopes(given: list[str]) -> list[str]:
    bad = [s for s in given if s not in keys.SCOPES]
    if bad or not given:
        raise field_problem("scopes", f"权限须为 {'、'.join(keys.SCOPES)} 中的一种或几种",
                            "invalid_scopes")
    return sorted(set(given), key=keys.SCOPES.index)


async def _unit(who: Principal, unit_id: int | None) -> Unit | None:
    """The unit a partner will act for (in the caller's scope and active), or None for a
    province-wide partner, which only the root unit's administrators may have."""
    if unit_id is None:
        scope.require_root_admin(who)
        return None
    return await units.unit_ref(who, unit_id, "unit_id", active=True)


async def list_partners(
    who: Principal, *, active: bool | None = None, limit: int = 20, cursor: str | None = None,
) -> dict[str, Any]:
    """The partners the caller administers, in id order."""
    query = Partner.all()
    if not scope.is_root_admin(who):
        query = query.filter(unit__path__startswith=who.unit_path or "/-")
    if active is not None:
        query = query.filter(active=active)
    rows, next_cursor = await pages.by_id(query.prefetch_related("unit"), limit, cursor,
                                          "partners")
    return {"items": [view(p, p.unit) for p in rows], "next_cursor": next_cursor}


async def create(who: Principal, data: PartnerIn) -> tuple[dict[str, Any], str, str]:
    """A new partner, its API key and its webhook secret (both to be shown this once)."""
    scopes = _scopes(data.scopes)
    url = targets.check_webhook_url(data.webhook_url)
    unit = await _unit(who, data.unit_id)
    api_key, secret = keys.new_key(), keys.new_webhook_secret()
    audit_scope = unit.path if unit else await province_scope()
    async with in_transaction() as conn:
        p = await Partner.create(
            name=data.name, scopes=scopes, unit_id=unit.id if unit else None, webhook_url=url,
            webhook_secret_enc=encrypt(secret), key_digest=keys.digest(api_key),
            active=data.active, using_db=conn,
        )
        await audit_log.record(conn, who, "partner.create", f"partner:{p.id}",
                               scope_path=audit_scope, after=_record(p))
    return view(p, unit), api_key, secret


async def update(who: Principal, partner_id: int, changes: dict[str, Any]) -> dict[str, Any]:
    """Apply ``changes`` (a subset of :data:`FIELDS`; ``unit_id``/``webhook_url`` may be None)."""
    if "scopes" in changes:
        changes["scopes"] = _scopes(changes["scopes"])
    if "webhook_url" in changes:
        changes["webhook_url"] = targets.check_webhook_url(changes["webhook_url"])
    async with in_transaction() as conn:
        p, unit = await locked(conn, who, partner_id)
        if "unit_id" in changes and changes["unit_id"] != p.unit_id:
            unit = await _unit(who, changes["unit_id"])
        old = _record(p)
        before = {k: old[k] for k in FIELDS if k in changes and changes[k] != old[k]}
        after = {k: changes[k] for k in before}
        for key, value in after.items():
            setattr(p, key, value)
        if after:
            await p.save(using_db=conn, update_fields=list(after))
            audit_scope = unit.path if unit else await province_scope()
            await audit_log.record(conn, who, "partner.update", f"partner:{p.id}",
                                   scope_path=audit_scope, before=before, after=after)
    delivery.forget()  # a worker in this process routes with the change at once
    return view(p, unit)


async def locked(
    conn: BaseDBAsyncClient, who: Principal, partner_id: int
) -> tuple[Partner, Unit | None]:
    """The partner (locked until the commit) and its unit; 404 unless ``who`` administers it."""
    p = await lock_first(conn, Partner, id=partner_id)
    unit = await Unit.get_or_none(id=p.unit_id, using_db=conn) if p and p.unit_id else None
    if p is None or not _administers(who, unit):
        raise NotFound("合作系统不存在", code="partner_not_found")
    return p, unit


async def administered(who: Principal, partner_id: int) -> Partner:
    """The partner, read without a lock; 404 unless ``who`` administers it."""
    p = await Partner.get_or_none(id=partner_id)
    unit = await Unit.get_or_none(id=p.unit_id) if p and p.unit_id else None
    if p is None or not _administers(who, unit):
        raise NotFound("合作系统不存在", code="partner_not_found")
    return p


async def audit_scope(unit: Unit | None) -> str:
    return unit.path if unit else await province_scope()


def _administers(who: Principal, unit: Unit | None) -> bool:
    return scope.is_root_admin(who) or (unit is not None and scope.covers(who, unit.path))
