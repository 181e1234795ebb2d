"""Self-service kiosks: registered to a unit with a key shown once, listed, revoked.

Only a digest of a kiosk's key is kept; a revoked kiosk's key is refused at its next request
(``identity.staff.device_principal`` looks up active devices only).
"""

from __future__ import annotations

import secrets
from typing import Any

from tortoise.transactions import in_transaction

from audit import log as audit_log
from audit.log import Actor
from hotline.crypto import token_digest
from hotline.db import lock_first
from hotline.errors import NotFound
from hotline.timefmt import iso
from identity.principal import Principal
from models.org import Device, Unit
from organisation import pages, units

Who = Principal | Actor
KEY_PREFIX = "kiosk_"


def view(device: Device, unit: Unit) -> dict[str, Any]:
    return {
        "id": device.id, "name": device.name, "unit": {"id": unit.id, "name": unit.name},
        "active": device.active, "created_at": iso(device.created_at),
    }


async def list_devices(
    who: Principal, *, unit_id: int | None = None, active: bool | None = None,
    limit: int = 20, cursor: str | None = None,
) -> dict[str, Any]:
    """The kiosks of the caller's subtree, in id order."""
    query = Device.filter(unit__path__startswith=who.unit_path or "/-")
    if unit_id is not None:
        query = query.filter(unit_id=unit_id)
    if active is not None:
        query = query.filter(active=active)
    rows, next_cursor = await pages.by_id(query.prefetch_related("unit"), limit, cursor, "devices")
    return {"items": [view(d, d.unit) for d in rows], "next_cursor": next_cursor}


async def register(who: Who, name: str, unit_id: int) -> tuple[dict[str, Any], str]:
    """A new kiosk of an active unit in the scope, and its key (to be shown this once)."""
    unit = await units.unit_ref(who, unit_id, "unit_id", active=True)
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    async with in_transaction() as conn:
        device = await Device.create(
            name=name, unit=unit, key_digest=token_digest(key), using_db=conn
        )
        await audit_log.record(conn, who, "device.create", f"device:{device.id}",
                               scope_path=unit.path,
                               after={"name": name, "unit_id": unit.id, "active": True})
    return view(device, unit), key


async def revoke(who: Who, device_id: int) -> None:
    """Deactivate a kiosk (its key is refused from now on); revoking twice changes nothing."""
    async with in_transaction() as conn:
        device = await lock_first(conn, Device, id=device_id)
        unit = await Unit.get(id=device.unit_id, using_db=conn) if device else None
        if device is None or unit is None or not units.in_scope(who, unit.path):
            raise NotFound("自助终端不存在", code="device_not_found")
        if not device.active:
            return
        device.active = False
        await device.save(using_db=conn, update_fields=["active"])
        await audit_log.record(conn, who, "device.revoke", f"device:{device.id}",
                               scope_path=unit.path, before={"active": True},
                               after={"active": False})


async def hall_name(device_id: int) -> str:
    """Where a kiosk stands, for its receipts: its unit's name."""
    device = await Device.get_or_none(id=device_id).prefetch_related("unit")
    return device.unit.name if device is not None else ""
