"""Monthly figures in the open equal the staff statistics; supervision notices."""

from __future__ import annotations

from datetime import date
from typing import Any

from casework import stats
from models.org import Unit
from publishing.figures import public_figures
from tests.casework.test_stats import handmade, root_supervisor
from tests.conftest import bearer, login_staff


async def test_public_figures_equal_the_staff_statistics(client: Any, citizen_token: str):
    await handmade(client, citizen_token)
    r = await client.get("/api/v1/public/stats", params={"month": "2026-10"})
    assert r.status_code == 200, r.text
    body = r.json()
    who = await root_supervisor()
    october = {"from_": date(2026, 10, 1), "to": date(2026, 10, 31)}
    province = await stats.compute(who, **october)
    assert body["province"] == {"unit": {"name": province["unit"]["name"]},
                                **public_figures(province)}
    assert body["province"]["received"] == 7 and body["province"]["completed_late"] == 1
    assert body["province"]["open"] == 1  # c3, still being handled
    names = {u["unit"]["name"]: u for u in body["units"]}
    assert len(names) >= 2
    for unit in await Unit.all():
        if unit.name not in names:
            continue
        staff = await stats.compute(who, unit_id=unit.id, **october)
        assert names[unit.name] == {"unit": {"name": unit.name}, **public_figures(staff)}
    r = await client.get("/api/v1/public/stats", params={"month": "2026-13"})
    assert (r.status_code, r.json()["code"]) == (422, "invalid_month")


async def test_supervision_notices_published_and_withdrawn(client: Any, citizen_token: str):
    token = await login_staff(client, "supervisor")
    unit = await Unit.get(code="HZ-STHJJ")
    body = {"unit_id": unit.id, "title": "关于夜间施工噪声投诉的督查通报",
            "text": "本月督办噪声投诉 3 件，均已办结。", "publish": True}
    r = await client.post("/api/v1/staff/supervision-notices", json=body, headers=bearer(token))
    assert r.status_code == 201, r.text
    notice = r.json()
    items = (await client.get("/api/v1/public/supervision")).json()["items"]
    assert [(i["title"], i["unit"]["name"], i["cases"]) for i in items] == [
        (body["title"], unit.name, 0)]
    r = await client.post(f"/api/v1/staff/supervision-notices/{notice['id']}/unpublish",
                          headers=bearer(token))
    assert r.status_code == 200 and r.json()["published"] is False
    assert (await client.get("/api/v1/public/supervision")).json()["items"] == []
    leaky = body | {"text": "经办人王小明电话13912345678"}
    r = await client.post("/api/v1/staff/supervision-notices", json=leaky, headers=bearer(token))
    assert (r.status_code, r.json()["code"]) == (422, "personal_data_in_text")
    publisher = await login_staff(client, "publisher")
    r = await client.post("/api/v1/staff/supervision-notices", json=body,
                          headers=bearer(publisher))
    assert r.status_code == 403
