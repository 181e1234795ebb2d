"""Manual payout at a service hall: the citizen shows a claim code (and an ID card).

A keyed hash of the code is what the hall looks it up by; the code itself is sealed in
``code_enc`` (shown only to its citizen, only while awaiting pickup: ``rewards.queries.
pickup_codes``) and goes out in the encrypted outbox row of the ``reward_pickup`` message.
Both are dropped when it is paid or expires. An uncollected code expires with the claim
deadline, and the budget it held is released.
"""

from __future__ import annotations

import secrets

from hotline.crypto import lookup_hash

CODE_DIGITS = 10


class ManualProvider:
    name = "manual"

    @staticmethod
    def new_code() -> str:
        return f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"

    @staticmethod
    def code_hash(code: str) -> str:
        return lookup_hash(code.strip().replace(" ", ""), "reward-claim-code")
