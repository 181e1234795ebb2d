"""An Open311 POST: a partner with the ``cases:create`` scope files a case through the same
intake as ``POST /cases`` (channel ``partner``) and is given a token for it.

The answer is the spec's array for a ``batch`` service: ``[{token, service_notice,
account_id}]``. The token stays the partner's handle on the case: ``tokens/{token}`` gives the
``service_request_id`` (the public id) once the citizen agreed and a publisher published the
case, and nothing before. With an ``Idempotency-Key`` header (this platform's convention, not
the spec's), a retry with the same key and form returns the first answer and files nothing; the
same key with another form is 409.
"""

from __future__ import annotations

import secrets
from typing import Any

from tortoise.exceptions import IntegrityError

from casework import intake
from casework.intake import Submission
from models.partner import Partner, PartnerSubmission
from partners import keys

NOTICE = "诉求已受理。市民同意公开且经审核发布后，可凭 token 查询 service_request_id。"


async def _token(partner: Partner, case_id: int) -> str:
    """The partner's token for the case (made once; a concurrent retry reads the first)."""
    found = await PartnerSubmission.get_or_none(partner_id=partner.id, case_id=case_id)
    if found is not None:
        return found.token
    token = secrets.token_urlsafe(18)
    try:
        await PartnerSubmission.create(token=token, partner_id=partner.id, case_id=case_id)
    except IntegrityError:
        found = await PartnerSubmission.get(partner_id=partner.id, case_id=case_id)
        return found.token
    return token


async def submit(
    partner: Partner, sub: Submission, *, idempotency_key: str | None = None,
    fingerprint: str = "",
) -> tuple[int, list[dict[str, Any]]]:
    """File the case (or replay the first filing for a retried key); (status, the answer)."""
    status, reply = await intake.submit(keys.principal(partner), sub,
                                        idempotency_key=idempotency_key, fingerprint=fingerprint)
    token = await _token(partner, int(reply["id"]))
    return status, [{"token": token, "service_notice": NOTICE, "account_id": None}]
