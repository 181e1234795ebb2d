"""A claim beside the earlier reports it was compared against."""

from __future__ import annotations

from identity.principal import Principal
from models.org import Staff
from rewards import comparison
from tests.rewards.support import (  # noqa: F401 (fixtures prog, staffs)
    WATER,
    claim_of,
    handle,
    moved,
    prog_fixture,
    reporter,
    staffs_fixture,
)
from tests.rewards.support import submit as file_report


async def _reward_admin() -> Principal:
    staff = await Staff.get(username="reward_admin").prefetch_related("unit")
    return Principal(kind="staff", id=staff.id, roles=frozenset({"reward_admin"}),
                     unit_id=staff.unit.id, unit_path=staff.unit.path)


async def test_the_duplicate_is_shown_beside_the_earlier_report(client, prog, staffs):
    first = await file_report(client, await reporter(client, "13700000101"))
    second = await file_report(client, await reporter(client, "13700000102"), moved(WATER, 120))
    far = await file_report(client, await reporter(client, "13700000103"), moved(WATER, 900))
    for no in (first, second, far):
        await handle(client, staffs, no)
    a, b = await claim_of(first), await claim_of(second)
    got = await comparison.compared(await _reward_admin(), b.id)
    assert got["claim"]["tracking_no"] == second
    assert got["claim"]["address"] == WATER["location"]["address"]
    [other] = got["others"]  # the report 900 m away was not compared
    assert other["tracking_no"] == first and other["claim_id"] == a.id
    assert other["earlier"] and other["winner"]
    assert other["reasons"] == ["同类别、距离相近"] and 100 < other["distance_m"] < 140
    assert other["status_label"] == "符合条件，待审批"
    # no reporter identity on either side
    text = str(got)
    assert "13700000101" not in text and "王小明" not in text
    # from the winner's side the later report is shown, not earlier
    back = await comparison.compared(await _reward_admin(), a.id)
    assert [(o["tracking_no"], o["earlier"]) for o in back["others"]] == [(second, False)]
