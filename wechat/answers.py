"""A question typed to the official account, answered from the knowledge base.

A text that is no command (``wechat.official_account``) and belongs to no open 随手拍 draft is
searched (``knowledge.search``, as ``GET /kb/search``, keeping only items that answer at least
:data:`MIN_COVERAGE` of what the question is about); the reply lists the top items, each with a
link to its page (``knowledge.links``). A question nothing answers gets :data:`NOT_FOUND` (file
it with 随手拍, or call 12345), never unrelated items sharing a word with it. A text that asks
about nothing (a greeting, punctuation): ``None``, and the caller answers with the menu.

Each question counts as a precheck of a consultation in the knowledge statistics
(``casework.precheck.record_question``), once per message: a retried message is answered
again, not counted again.
"""

from __future__ import annotations

from casework import precheck
from knowledge import links, search
from knowledge.segment import ASKING, STOPWORDS, query_terms
from wechat import identities

TOP = 3
MIN_COVERAGE = 0.15  # on the labelled questions: 94 % still answered, 17 of 20 off-topic not
HEAD = "为您找到以下办事指南和常见问题："
TAIL = "如未能解决，可发送“随手拍”加问题描述提交诉求，或拨打12345。"
NOT_FOUND = (
    "抱歉，暂未找到与您的问题相关的办事指南。\n"
    "您可以发送“随手拍”加问题描述提交诉求，或拨打12345政务服务便民热线咨询。"
)


def asks_something(question: str) -> bool:
    """Whether the text holds a word that is neither a stopword nor a way of asking."""
    return any(t not in STOPWORDS and t not in ASKING for t in query_terms(question))


async def answer(question: str, *, openid: str, message_key: str) -> str | None:
    """The reply to ``question`` from ``openid``: the items answering it, :data:`NOT_FOUND`,
    or None when it asks about nothing."""
    if not asks_something(question):
        return None
    hits = await search.search(question, limit=TOP, min_coverage=MIN_COVERAGE)
    asker = await identities.find("openid_oa", openid)
    owner = f"citizen:{asker.id}" if asker is not None else "wechat_oa"
    await precheck.record_question(owner, message_key, [hit["id"] for hit in hits])
    if not hits:
        return NOT_FOUND
    lines = [HEAD]
    for n, hit in enumerate(hits, 1):
        lines.append(f"{n}. {links.short_title(hit['title'])}\n{links.item_url(hit['id'])}")
    lines.append(TAIL)
    return "\n".join(lines)
