"""The operator, dispatcher and unit handler desks in-process: a call recorded, dispatched with
the suggestion, signed and replied; only the table's actions shown; stale forms; masking;
escaping; roles; search."""

from __future__ import annotations

import re

import httpx

from models.case import Case
from tests.console.helpers import ORIGIN, signed_in

CALL = {
    "channel": "phone", "citizen_name": "王小明", "citizen_phone": "13800138000",
    "kind": "complaint", "category_code": "ENV-WATER-SEWAGE",
    "content": "小区旁边的河道有污水直排，气味很大。", "region_code": "330100",
    "address": "杭州市西湖区文三路", "lat": "30.2741", "lng": "120.1551",
}


async def record(client: httpx.AsyncClient, **changes: str) -> str:
    token = await signed_in(client, "operator")
    r = await client.post("/console/operator/cases", headers=ORIGIN,
                          data=CALL | changes | {"csrf_token": token})
    assert r.status_code == 201, r.text
    found = re.search(r"工单号 <strong class=\"big\">([0-9-]+)</strong>", r.text)
    assert found and "查询码" in r.text
    return found.group(1)


async def act(client: httpx.AsyncClient, user: str, no: str, action: str,
              **data: str) -> httpx.Response:
    token = await signed_in(client, user)
    return await client.post(f"/console/cases/{no}/{action}", headers=ORIGIN,
                             data=data | {"csrf_token": token})


def forms(html: str, no: str) -> set[str]:
    return set(re.findall(rf'action="/console/cases/{no}/(\w+)"', html))


async def test_a_call_goes_from_operator_to_dispatcher_to_handler(
    client: httpx.AsyncClient,
) -> None:
    no = await record(client)
    case = await Case.get(tracking_no=no)
    assert case.channel == "phone" and case.status == "submitted"

    token = await signed_in(client, "dispatcher")
    page = await client.get("/console/dispatch")
    assert no in page.text and "派至杭州市生态环境局" in page.text  # the suggestion, one click
    unit_id = re.search(rf'{no}/dispatch".*?name="unit_id" value="(\d+)"', page.text, re.S)
    assert unit_id
    r = await client.post(f"/console/cases/{no}/dispatch", headers=ORIGIN, data={
        "unit_id": unit_id.group(1), "procedure": "normal", "back": "/console/dispatch?tab=new",
        "csrf_token": token})
    assert r.status_code == 303 and r.headers["location"].startswith("/console/dispatch")
    assert (await Case.get(tracking_no=no)).status == "dispatched"

    await signed_in(client, "handler")
    bench = await client.get("/console/workbench")
    assert no in bench.text and re.search(r'data-tab="to_sign">1<', bench.text)
    page = await client.get(f"/console/cases/{no}")
    assert forms(page.text, no) == {"sign", "return", "transfer"}
    r = await act(client, "handler", no, "sign")
    assert r.status_code == 303
    page = await client.get(r.headers["location"])
    assert "已签收" in page.text and "下一时限" in page.text
    assert forms(page.text, no) == {"notice", "reply", "extension", "transfer", "return"}
    r = await act(client, "handler", no, "reply", content="经查，工地已停止夜间施工。")
    assert r.status_code == 303
    assert (await Case.get(tracking_no=no)).status == "replied"
    bench = await client.get("/console/workbench/queue?tab=replied")
    assert no in bench.text


async def test_a_stale_form_gets_a_clear_message(client: httpx.AsyncClient) -> None:
    no = await record(client)
    r = await act(client, "dispatcher", no, "reject", reason="不属于受理范围")
    assert r.status_code == 303
    r = await act(client, "dispatcher", no, "reject", reason="再次提交的旧表单")
    assert r.status_code == 409
    assert "当前状态为“不予受理”" in r.text and "不能“不予受理”" in r.text
    assert forms(r.text, no) == set()  # the page offers nothing the case no longer allows


async def test_the_live_column_changes_only_with_the_state(client: httpx.AsyncClient) -> None:
    no = await record(client)
    await signed_in(client, "dispatcher")
    poll = {"HX-Request": "true", "X-Console-Poll": "1"}
    r = await client.get(f"/console/cases/{no}/live?status=submitted", headers=poll)
    assert r.status_code == 204
    await act(client, "dispatcher", no, "reject", reason="不属于受理范围")
    r = await client.get(f"/console/cases/{no}/live?status=submitted", headers=poll)
    assert r.status_code == 200 and "刚刚发生变化" in r.text and forms(r.text, no) == set()


async def test_bad_input_is_said_in_the_words_of_the_form(client: httpx.AsyncClient) -> None:
    no = await record(client)
    r = await act(client, "dispatcher", no, "reject", reason="")
    assert r.status_code == 422 and "请填写理由" in r.text
    token = await signed_in(client, "operator")
    r = await client.post("/console/operator/cases", headers=ORIGIN,
                          data=CALL | {"content": "太短", "csrf_token": token})
    assert r.status_code == 422 and "诉求内容" in r.text or "太短" in r.text


async def test_citizen_text_is_escaped(client: httpx.AsyncClient) -> None:
    no = await record(client, content="<script>alert('x')</script> 噪音扰民严重")
    await signed_in(client, "dispatcher")
    page = await client.get(f"/console/cases/{no}")
    assert "<script>alert" not in page.text and "&lt;script&gt;alert" in page.text


async def test_masking_as_in_the_api(client: httpx.AsyncClient) -> None:
    no = await record(client, confidential="on")
    await signed_in(client, "dispatcher")
    page = await client.get(f"/console/cases/{no}")
    assert "13800138000" not in page.text and "138****8000" in page.text
    # a reward reporter's identity: never shown to the handling unit
    no2 = await record(client)
    case = await Case.get(tracking_no=no2)
    await Case.filter(id=case.id).update(flags=[*(case.flags or []), "reward_claim"])
    await act(client, "dispatcher", no2, "dispatch", unit_id=str(await _unit("HZ-STHJJ")),
              procedure="normal")
    await act(client, "handler", no2, "sign")
    page = await client.get(f"/console/cases/{no2}")
    assert "13800138000" not in page.text and "王小明" not in page.text
    assert "有奖举报查实情况" in page.text  # the reply asks for the verification facts


async def _unit(code: str) -> int:
    from models.org import Unit

    return (await Unit.get(code=code)).id


async def test_desks_are_for_their_roles(client: httpx.AsyncClient) -> None:
    await signed_in(client, "operator")
    for path in ("/console/workbench", "/console/dispatch"):
        r = await client.get(path)
        assert r.status_code == 403 and "无权" in r.text
    await signed_in(client, "handler")
    assert (await client.get("/console/operator")).status_code == 403
    home = await client.get("/console/")
    assert "承办工作台" in home.text and "派单中心" not in home.text


async def test_a_case_outside_the_scope_is_not_found(client: httpx.AsyncClient) -> None:
    no = await record(client)
    await act(client, "dispatcher", no, "dispatch", unit_id=str(await _unit("HZ-STHJJ")),
              procedure="normal")
    await signed_in(client, "handler_nb")  # Ningbo's unit
    r = await client.get(f"/console/cases/{no}")
    assert r.status_code == 404 and "未找到" in r.text
    r = await act(client, "handler_nb", no, "sign")
    assert r.status_code == 404 and (await Case.get(tracking_no=no)).status == "dispatched"


async def test_search_and_caller_history(client: httpx.AsyncClient) -> None:
    no = await record(client)
    r = await client.get(f"/console/search?q={no}")
    assert r.status_code == 303 and r.headers["location"] == f"/console/cases/{no}"
    r = await client.get("/console/search?q=13800138000")
    assert no in r.text
    r = await client.get("/console/operator/history?phone=13800138000")
    assert no in r.text
    r = await client.get("/console/operator/history?phone=13900000000")
    assert "没有历史诉求" in r.text
