"""The supervisor's desk in-process: the dashboard with its numbers and charts, the lists
behind them, the supervise action (CSRF-checked, stale forms refused), the task queues."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from hotline.timefmt import SHANGHAI
from models.case import Case, CaseEvent, CaseTask
from tests.casework.test_queues import assign, new_case
from tests.casework.test_queues import lights as light_fields
from tests.console.helpers import ORIGIN, signed_in

DESK = "/console/supervisor"


async def _red_case(client: httpx.AsyncClient, token: str) -> str:
    f = light_fields(datetime.now(UTC))
    return await new_case(client, token, **await assign("HZ-STHJJ", **f["red"]))


async def test_the_dashboard_shows_the_red_light_and_inline_charts(
    client: httpx.AsyncClient, citizen_token: str
) -> None:
    await _red_case(client, citizen_token)
    await signed_in(client, "supervisor")
    r = await client.get(DESK)
    assert r.status_code == 200, r.text
    html = r.text
    assert "已超期" in html and "本月按时办结率" in html and "本月满意率" in html
    assert html.count("<svg") == 4  # lights per unit, rates by month, channels, categories
    assert "<script" not in html.split("<main", 1)[1]  # no script in the page's body
    assert "kozea.github.io" not in html and "http://pygal.org" not in html
    assert "杭州市生态环境局" in html  # the unit with the red case, on the chart and table
    assert 'href="/console/supervisor/cases?light=red&amp;unit_id=' in html


async def test_supervise_a_red_case_from_its_list(
    client: httpx.AsyncClient, citizen_token: str
) -> None:
    no = await _red_case(client, citizen_token)
    token = await signed_in(client, "supervisor")
    r = await client.get(f"{DESK}/cases", params={"light": "red"})
    assert r.status_code == 200 and no in r.text and "已超期" in r.text
    r = await client.post(f"{DESK}/cases/{no}/supervise", headers=ORIGIN, data={
        "note": "请于今日内办结并反馈", "csrf_token": token, "back": f"{DESK}/cases?light=red"})
    assert r.status_code == 303
    assert r.headers["location"] == f"{DESK}/cases?light=red&done=supervise"
    case = await Case.get(tracking_no=no)
    events = await CaseEvent.filter(case_id=case.id, action="supervise")
    assert [e.note for e in events] == ["请于今日内办结并反馈"]
    page = await client.get(r.headers["location"])
    assert "已督办" in page.text


async def test_supervise_without_the_form_token_or_from_another_site_is_refused(
    client: httpx.AsyncClient, citizen_token: str
) -> None:
    no = await _red_case(client, citizen_token)
    token = await signed_in(client, "supervisor")
    r = await client.post(f"{DESK}/cases/{no}/supervise", headers=ORIGIN,
                          data={"note": "x"})
    assert r.status_code == 403 and "安全校验" in r.text
    r = await client.post(f"{DESK}/cases/{no}/supervise",
                          headers={"Origin": "https://evil.example"},
                          data={"note": "x", "csrf_token": token})
    assert r.status_code == 403
    case = await Case.get(tracking_no=no)
    assert not await CaseEvent.filter(case_id=case.id, action="supervise").exists()


async def test_a_stale_form_gets_a_message_not_a_500(
    client: httpx.AsyncClient, citizen_token: str
) -> None:
    no = await new_case(client, citizen_token, **await assign("HZ-STHJJ", status="closed"))
    token = await signed_in(client, "supervisor")
    r = await client.post(f"{DESK}/cases/{no}/supervise", headers=ORIGIN,
                          data={"note": "督办", "csrf_token": token})
    assert r.status_code == 409 and "无法完成操作" in r.text


async def _task(no: str, kind: str) -> None:
    case = await Case.get(tracking_no=no)
    await CaseTask.create(case_id=case.id, kind=kind,
                          created_at=datetime.now(UTC) - timedelta(hours=3))


async def test_verification_queue_and_its_decision(
    client: httpx.AsyncClient, citizen_token: str
) -> None:
    no = await new_case(client, citizen_token, **await assign(
        "HZ-STHJJ", status="rated", rating=1, replied_at=datetime.now(UTC)))
    await _task(no, "verification")
    token = await signed_in(client, "supervisor")
    home = await client.get(DESK)
    assert "不满意核实 <span class=\"count\">1</span>" in home.text
    page = await client.get(f"{DESK}/tasks/verification")
    assert no in page.text and "非常不满意" in page.text
    r = await client.post(f"{DESK}/cases/{no}/verify", headers=ORIGIN, data={
        "outcome": "upheld", "note": "经核实答复合理", "csrf_token": token,
        "back": f"{DESK}/tasks/verification"})
    assert r.status_code == 303
    assert (await Case.get(tracking_no=no)).status == "closed"
    after: Any = await client.get(r.headers["location"])
    assert "核实结果已记录" in after.text and "没有待处理的不满意核实任务" in after.text


async def test_extension_decision_from_its_queue(
    client: httpx.AsyncClient, citizen_token: str
) -> None:
    no = await new_case(client, citizen_token, **await assign(
        "HZ-STHJJ", status="extension_requested", held_status="signed", procedure="normal",
        extension_requested_days=10))
    await _task(no, "extension")
    token = await signed_in(client, "supervisor")
    page = await client.get(f"{DESK}/tasks/extension")
    assert "申请延期 10 天" in page.text
    r = await client.post(f"{DESK}/cases/{no}/extension", headers=ORIGIN,
                          data={"approve": "0", "csrf_token": token})
    assert r.status_code == 303
    assert (await Case.get(tracking_no=no)).status == "signed"


async def test_the_lists_behind_the_charts(client: httpx.AsyncClient, citizen_token: str) -> None:
    no = await new_case(client, citizen_token)
    await signed_in(client, "supervisor")
    today = datetime.now(SHANGHAI).date().isoformat()
    for params in ({"channel": "app", "from": today[:8] + "01", "to": today},
                   {"category_code": "ENV-NOISE", "from": today[:8] + "01", "to": today},
                   {"open": "1"}):
        r = await client.get(f"{DESK}/cases", params=params)
        assert r.status_code == 200 and no in r.text, params
        # the citizen's phone is never on the supervisor's lists
        assert "13800138000" not in r.text and "138****8000" not in r.text
    r = await client.get(f"{DESK}/cases", params={"from": "2026-13-01"})
    assert r.status_code == 422 and "YYYY-MM-DD" in r.text


async def test_the_row_of_numbers_is_polled_without_counting_as_activity(
    client: httpx.AsyncClient, citizen_token: str
) -> None:
    await signed_in(client, "supervisor")
    page = await client.get(DESK)
    assert 'hx-get="/console/supervisor/figures"' in page.text
    before = await client.get(f"{DESK}/figures", headers={"X-Console-Poll": "1"})
    assert '<span class="figure-value">0</span>' in before.text
    await _red_case(client, citizen_token)
    after = await client.get(f"{DESK}/figures", headers={"X-Console-Poll": "1"})
    red = after.text.split("figure-red", 1)[1]
    assert '<span class="figure-value">1</span>' in red.split("</a>", 1)[0]
    assert "<html" not in after.text  # a fragment
