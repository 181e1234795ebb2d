"""Whom a case's message goes to: one rule for intake's batch and for every lifecycle step."""

from __future__ import annotations

from hotline.crypto import decrypt, encrypt
from notify import recipients


async def test_a_citizen_account_is_preferred_and_the_sealed_phone_kept_as_it_is(app):
    sealed = encrypt("13912345678")
    row = recipients.to_citizen(
        "case_replied", {"tracking_no": "x"}, case_id=5, citizen_id=9, phone_enc=sealed
    )
    assert row is not None
    assert (row["recipient_kind"], row["recipient_id"], row["case_id"]) == ("citizen", "9", 5)
    assert row["address_enc"] is sealed  # not decrypted and sealed again on the hot path
    walk_in = recipients.to_citizen(
        "case_replied", {"tracking_no": "x"}, case_id=5, citizen_id=None, phone_enc=sealed
    )
    assert walk_in is not None
    assert (walk_in["recipient_kind"], walk_in["recipient_id"]) == ("phone", None)
    assert decrypt(walk_in["address_enc"]) == "13912345678"


async def test_nobody_to_tell_is_no_message(app):
    assert (
        recipients.to_citizen("case_replied", {}, case_id=5, citizen_id=None, phone_enc=None)
        is None
    )


async def test_units_and_their_supervisors(app):
    unit = recipients.to_unit("unit_dispatched", {}, case_id=5, unit_id=3)
    assert (unit["channel"], unit["recipient_kind"], unit["recipient_id"]) == ("unit", "unit", "3")
    up = recipients.to_unit("unit_supervised", {}, case_id=5, unit_id=3, supervisors=True)
    assert up["recipient_kind"] == "supervisors"


def test_intake_and_the_lifecycle_share_the_rule():
    import inspect

    from casework import filing, lifecycle

    assert "recipients.to_citizen" in inspect.getsource(filing._received)
    assert "recipients.to_citizen" in inspect.getsource(lifecycle._deliver)
