"""Messages to the reporter about a claim, written to the outbox in the caller's transaction."""

from __future__ import annotations

from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient

from hotline.crypto import decrypt
from models.case import Case
from models.citizen import Citizen
from models.reward import RewardClaim
from notify.outbox import enqueue


async def tell_reporter(
    conn: BaseDBAsyncClient, claim: RewardClaim, template: str, params: dict[str, Any]
) -> None:
    case = await Case.get(id=claim.case_id, using_db=conn)
    phone = decrypt(case.contact_phone_enc)
    if not phone:
        citizen = await Citizen.get(id=claim.citizen_id, using_db=conn)
        phone = decrypt(citizen.phone_enc)
    await enqueue(
        template,
        {"tracking_no": case.tracking_no, **params},
        channel="sms",
        recipient_kind="citizen",
        recipient_id=str(claim.citizen_id),
        address=phone,
        case_id=case.id,
        using_db=conn,
    )
