"""Questions typed to the official account: answered from the knowledge base only when an item
really answers them, else a polite reply pointing to 随手拍 and 12345; each question counted
once as a precheck in the knowledge statistics."""

from __future__ import annotations

import httpx
import pytest

from models.citizen import Citizen
from models.knowledge import KbPrecheck
from tests.conftest import bearer, login_staff
from tests.fakes.wechat_api import FakeWeChat
from tests.wechat.support import OAChannel, next_msg_id, wx_fixture  # noqa: F401
from wechat import answers

LINK = "https://hotline.example.gov.cn/kb/items/"


@pytest.fixture
def oa(client: httpx.AsyncClient, wx: FakeWeChat) -> OAChannel:
    return OAChannel(client)


async def knowledge_stats(client: httpx.AsyncClient) -> dict[str, object]:
    token = await login_staff(client, "supervisor")
    r = await client.get("/api/v1/staff/stats", headers=bearer(token))
    assert r.status_code == 200, r.text
    return dict(r.json()["knowledge"])


@pytest.mark.parametrize("question", ["股票明天会涨吗", "我家猫不吃饭怎么办", "推荐一部好看的电影"])
async def test_a_question_nothing_answers_gets_a_polite_no_not_unrelated_items(
    oa: OAChannel, question: str
) -> None:
    reply = await oa.say("o-asker", question)
    assert reply == answers.NOT_FOUND
    assert LINK not in reply and "随手拍" in reply and "12345" in reply


async def test_a_question_the_knowledge_base_answers_still_gets_its_items(
    oa: OAChannel,
) -> None:
    reply = await oa.say("o-asker", "外地人在杭州怎么办居住证")
    assert reply.startswith(answers.HEAD) and LINK in reply


@pytest.mark.parametrize("text", ["你好", "在吗", "？？？"])
async def test_a_greeting_gets_the_menu(oa: OAChannel, text: str) -> None:
    from wechat.official_account import HELP

    assert await oa.say("o-asker", text) == HELP
    assert not await KbPrecheck.exists()  # a greeting is no question


async def test_chat_questions_count_as_prechecks_once_per_message(
    client: httpx.AsyncClient, oa: OAChannel
) -> None:
    before = await knowledge_stats(client)
    await oa.send("o-counted", "event", Event="subscribe")  # a follower: a citizen row
    msg_id = next_msg_id()
    first = await oa.say("o-counted", "居住证怎么办理", msg_id=msg_id)
    # WeChat retries a message it got no answer to in time: answered again, counted once
    assert await oa.say("o-counted", "居住证怎么办理", msg_id=msg_id) == first
    assert await oa.say("o-counted", "股票明天会涨吗") == answers.NOT_FOUND
    after = await knowledge_stats(client)
    assert after["prechecks"] == before["prechecks"] + 2  # type: ignore[operator]
    assert after["offered"] == before["offered"] + 1  # type: ignore[operator]
    citizen = await Citizen.get(openid_oa="o-counted")
    rows = await KbPrecheck.filter(channel="wechat_oa").order_by("id")
    assert [r.owner for r in rows] == [f"citizen:{citizen.id}"] * 2
    assert rows[0].kb_item_ids and rows[1].kb_item_ids == []
    assert {r.kind for r in rows} == {"consultation"}
