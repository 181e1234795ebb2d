"""Unit services: deactivated units drop out of routing suggestions; the system seeds roots."""

from __future__ import annotations

import pytest

from audit.log import Actor
from casework.routing import suggest_unit
from hotline.errors import Problem
from identity import staff_admin
from models.audit import AuditEntry
from models.org import Staff, Unit
from organisation import units

SYSTEM = Actor("system")


async def test_routing_skips_a_deactivated_unit(fresh_org):
    xh = await Unit.get(code="HZ-XH-STHJ")
    assert (await suggest_unit("ENV-WATER-V", "330106001")) == xh
    handler = await Staff.get(username="handler_xh")
    await staff_admin.update_staff(SYSTEM, handler.id, {"active": False})
    await units.update_unit(SYSTEM, xh.id, {"active": False})
    # the rule of 西湖区 is skipped: the city's rule applies
    suggested = await suggest_unit("ENV-WATER-V", "330106001")
    assert suggested is not None and suggested.code == "HZ-STHJJ"
    await units.update_unit(SYSTEM, xh.id, {"active": True})
    assert (await suggest_unit("ENV-WATER-V", "330106001")) == xh


async def test_only_the_system_creates_a_root_and_every_write_is_audited(fresh_org):
    made = await units.create_unit(SYSTEM, code="TEST-ROOT", name="测试根", region_code="330000",
                                   parent_id=None)
    assert made["path"] == f"/{made['id']}/" and made["parent_id"] is None
    entry = await AuditEntry.get(action="unit.create", target=f"unit:{made['id']}")
    assert entry.actor == "system" and entry.after is not None
    assert entry.after["code"] == "TEST-ROOT"


async def test_reactivation_needs_an_active_parent(fresh_org):
    parent = await units.create_unit(SYSTEM, code="T-P", name="上级", region_code="330100",
                                     parent_id=(await Unit.get(code="ZJ12345")).id)
    child = await units.create_unit(SYSTEM, code="T-C", name="下级", region_code="330100",
                                    parent_id=parent["id"])
    await units.update_unit(SYSTEM, child["id"], {"active": False})
    await units.update_unit(SYSTEM, parent["id"], {"active": False})
    with pytest.raises(Problem) as refused:
        await units.update_unit(SYSTEM, child["id"], {"active": True})
    assert refused.value.code == "parent_inactive" and refused.value.status == 409
    with pytest.raises(Problem) as under:
        await units.create_unit(SYSTEM, code="T-D", name="x", region_code="330100",
                                parent_id=parent["id"])
    assert under.value.code == "parent_inactive"
