"""A question typed to the official account, answered from the knowledge base.

A text that is no command (``wechat.official_account``) and belongs to no open 随手拍 draft is
searched (``knowledge.search``, as ``GET /kb/search``); the reply lists the top items, each
with a link to its page (``knowledge.links``). Nothing found: ``None``, and the caller answers
with the help text. Read-only, so a retried message is simply answered again.
"""

from __future__ import annotations

from knowledge import links, search

TOP = 3
HEAD = "为您找到以下办事指南和常见问题："
TAIL = "如未能解决，可发送“随手拍”加问题描述提交诉求，或拨打12345。"


async def answer(question: str) -> str | None:
    """The reply text listing the items answering ``question``, or None."""
    hits = await search.search(question, limit=TOP)
    if not hits:
        return None
    lines = [HEAD]
    for n, hit in enumerate(hits, 1):
        lines.append(f"{n}. {links.short_title(hit['title'])}\n{links.item_url(hit['id'])}")
    lines.append(TAIL)
    return "\n".join(lines)
