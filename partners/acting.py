"""A unit's OA system reporting its steps: ``sign``, ``notice`` and ``reply``.

The step runs through ``casework.lifecycle.perform`` — the transition table, the deadlines it
meets, the citizen's messages, the hooks — exactly as the handler's staff endpoint does; the
table lists ``partner`` beside ``handler`` for these three actions. A step the case's state
does not allow is the same 409 ``invalid_transition``. Only a partner acting for a unit, on a
case dispatched into that unit's subtree, may report (others: 404, as for a case not found).
"""

from __future__ import annotations

from typing import Any

from casework import lifecycle
from hotline.errors import Forbidden, NotFound
from models.partner import Partner
from partners import inbound, keys

ACTIONS = ("sign", "notice", "reply")


async def report(
    partner: Partner, ref: str, action: str, payload: dict[str, Any]
) -> dict[str, Any]:
    """Run ``action`` for the partner on the case ``ref`` names (external id or tracking no)."""
    if partner.unit_id is None:
        raise Forbidden("只有代表承办单位的合作系统可以报告办理步骤", code="unit_partner_only")
    who = await keys.acting(partner)
    case, external_id = await inbound.resolve(partner, who, ref)
    if not who.covers(case.unit_path):
        raise NotFound("未找到该诉求")  # it filed the case, but the case is not its unit's
    view = await lifecycle.perform(who, case.tracking_no, action, payload)
    return view | {"external_id": external_id}
