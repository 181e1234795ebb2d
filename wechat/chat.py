"""随手拍 by chat: a draft per openid built from text, photos and a location, filed on 提交.

A draft lives HOTLINE_WECHAT_DRAFT_TTL_S (30 min) after its last message; an expired one is
dropped the next time it is touched. Each step runs through ``seen.once``: a retried MsgId
makes no second step.

Photos: the image message is acknowledged at once and the draft gets a pending entry
``{"m": media_id, "at": epoch}`` in ``photo_ids``; a background task fetches the file
(``cgi-bin/media/get``), runs it through the photo pipeline as the citizen's photo, and
replaces the entry with the photo id (or ``{"m": .., "failed": true}``). 提交 asks the
citizen to wait while a photo younger than HOTLINE_WECHAT_PHOTO_WAIT_S is pending, and files
without photos that failed or never arrived (say, the replica restarted), telling the citizen.

Filing: category HOTLINE_WECHAT_OA_CATEGORY (default ``GENERAL`` 综合, which accepts every kind)
and kind HOTLINE_WECHAT_OA_KIND (default ``report``); the dispatcher re-categorises when
dispatching. The text passes msg_sec_check first (``wechat.security``).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Coroutine
from datetime import UTC, datetime, timedelta
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from casework import intake
from casework.intake import Submission, in_china
from hotline import db
from hotline import settings as settings_mod
from hotline.db import flat_values
from hotline.errors import Problem
from identity.principal import Principal
from media import service as media_service
from models.media import Photo
from models.wechat import ChatDraft
from wechat import client, identities, security, seen
from wechat.client import WeChatError

log = logging.getLogger("hotline.wechat")

MAX_PHOTOS = 9
NEXT = "继续发送文字、照片或位置，发送“提交”提交诉求，发送“取消”放弃。"
NO_DRAFT = "您当前没有待提交的随手拍。发送“随手拍”加问题描述即可开始。"

_tasks: set[asyncio.Task[None]] = set()


def spawn(coro: Coroutine[Any, Any, None]) -> None:
    task = asyncio.get_running_loop().create_task(coro)
    _tasks.add(task)
    task.add_done_callback(_tasks.discard)


async def drain() -> None:
    """Wait for background photo fetches (tests, shutdown)."""
    while _tasks:
        await asyncio.gather(*list(_tasks), return_exceptions=True)


def _expired(draft: ChatDraft, now: datetime) -> bool:
    ttl = timedelta(seconds=settings_mod.current().wechat_draft_ttl_s)
    return draft.updated_at < now - ttl


async def _load(openid: str, conn: BaseDBAsyncClient | None = None) -> ChatDraft | None:
    """The live draft (an expired one is deleted)."""
    query = ChatDraft.filter(openid=openid)
    if conn is not None:
        query = query.using_db(conn)
        if not db.is_sqlite():
            query = query.select_for_update()
    draft = await query.first()
    if draft is not None and _expired(draft, datetime.now(UTC)):
        await draft.delete(using_db=conn)
        return None
    return draft


async def has_draft(openid: str) -> bool:
    return await _load(openid) is not None


def _fresh(openid: str) -> ChatDraft:
    return ChatDraft(openid=openid, texts=[], photo_ids=[], updated_at=datetime.now(UTC))


async def add_text(key: str, openid: str, text: str) -> str:
    limit = settings_mod.current().content_max_chars

    async def step(conn: BaseDBAsyncClient) -> str:
        existing = await _load(openid, conn)
        draft = existing or _fresh(openid)
        started = existing is None
        if text:
            if sum(len(t) + 1 for t in draft.texts) + len(text) > limit:
                return f"文字描述已达上限（{limit}字），请发送“提交”或“取消”。"
            draft.texts = [*draft.texts, text]
        draft.updated_at = datetime.now(UTC)
        await draft.save(using_db=conn)
        head = "已开始随手拍。" if started else ""
        if not text:
            return head + "请发送问题描述、现场照片和位置，" + NEXT
        return f"{head}已记录文字描述（共{len(draft.texts)}段）。{NEXT}"

    return (await seen.once(key, step))[0]


async def add_location(key: str, openid: str, lat: float | None, lng: float | None,
                       label: str) -> str:
    async def step(conn: BaseDBAsyncClient) -> str:
        if lat is None or lng is None or not in_china(lat, lng):
            return "未能识别该位置，请在“+”菜单中选择“位置”重新发送。"
        draft = await _load(openid, conn) or _fresh(openid)
        draft.lat, draft.lng, draft.address = lat, lng, label or None
        draft.updated_at = datetime.now(UTC)
        await draft.save(using_db=conn)
        return f"已记录位置：{label or f'{lat:.5f}, {lng:.5f}'}。{NEXT}"

    return (await seen.once(key, step))[0]


async def add_photo(key: str, openid: str, media_id: str) -> str:
    if not media_id:
        return "未能接收该图片，请重新发送。"
    citizen = await identities.find_or_create("openid_oa", openid)
    added = False

    async def step(conn: BaseDBAsyncClient) -> str:
        nonlocal added
        draft = await _load(openid, conn) or _fresh(openid)
        if len(draft.photo_ids) >= MAX_PHOTOS:
            return f"每件诉求最多附{MAX_PHOTOS}张照片。{NEXT}"
        added = True
        draft.photo_ids = [*draft.photo_ids, {"m": media_id, "at": int(time.time())}]
        draft.updated_at = datetime.now(UTC)
        await draft.save(using_db=conn)
        return f"已收到照片（共{len(draft.photo_ids)}张）。{NEXT}"

    reply, ran = await seen.once(key, step)
    if ran and added:
        spawn(fetch_photo(openid, citizen.id, media_id))
    return reply


async def fetch_photo(openid: str, citizen_id: int, media_id: str) -> None:
    """Background: media/get -> photo pipeline -> the draft's pending entry becomes an id."""
    photo_id: int | None = None
    owner = Principal(kind="citizen", id=citizen_id, channel="wechat_oa")
    try:
        data, _ = await client.download("oa", "cgi-bin/media/get", {"media_id": media_id})
        photo_id = int((await media_service.get_service().ingest(owner, data))["id"])
    except (WeChatError, Problem) as exc:
        log.warning("chat photo %s not taken: %s", media_id, exc)
    except Exception:
        log.exception("chat photo %s failed", media_id)
    try:
        async with in_transaction() as conn:
            draft = await _load(openid, conn)
            if draft is None:
                return
            entries = []
            for p in draft.photo_ids:
                if isinstance(p, dict) and p.get("m") == media_id and not p.get("failed"):
                    p = photo_id if photo_id is not None else {"m": media_id, "failed": True}
                entries.append(p)
            draft.photo_ids = entries
            await draft.save(using_db=conn, update_fields=["photo_ids"])
    except Exception:
        log.exception("could not record chat photo %s in the draft", media_id)


async def cancel(key: str, openid: str) -> str:
    async def step(conn: BaseDBAsyncClient) -> str:
        draft = await _load(openid, conn)
        if draft is None:
            return NO_DRAFT
        await draft.delete(using_db=conn)
        return "已取消本次随手拍。"

    return (await seen.once(key, step))[0]


async def submit(key: str, openid: str) -> str:
    before = await seen.earlier(key)
    if before is not None:
        return before
    if not await seen.claim(key):
        return await seen.earlier(key) or ""
    try:
        reply = await _file(openid)
    except BaseException:
        await seen.release(key)  # let WeChat's retry try again
        raise
    await seen.settle(key, reply)
    return reply


def _split_photos(entries: list[Any]) -> tuple[list[int], int, int]:
    """(ready photo ids, still pending, lost)."""
    wait = settings_mod.current().wechat_photo_wait_s
    ready, pending, lost = [], 0, 0
    for p in entries:
        if isinstance(p, int):
            ready.append(p)
        elif isinstance(p, dict) and not p.get("failed") and time.time() - p.get("at", 0) < wait:
            pending += 1
        else:
            lost += 1
    return ready, pending, lost


async def _file(openid: str) -> str:
    s = settings_mod.current()
    draft = await _load(openid)
    if draft is None:
        return NO_DRAFT
    content = "\n".join(draft.texts).strip()
    if len(content) < s.content_min_chars:
        return f"请先用文字描述您反映的问题（至少{s.content_min_chars}个字），再发送“提交”。"
    ready, pending, lost = _split_photos(list(draft.photo_ids))
    if pending:
        return "照片还在接收中，请稍等几秒后再发送“提交”。"
    verdict = await security.check_text(
        "oa", openid, "\n".join(filter(None, [content, draft.address]))
    )
    if verdict.risky:
        await ChatDraft.filter(openid=openid).delete()
        return security.REFUSAL
    citizen = await identities.find_or_create("openid_oa", openid)
    who = Principal(kind="citizen", id=citizen.id, channel="wechat_oa")
    free: set[int] = set(
        await flat_values(
            Photo.filter(
                id__in=ready or [0], owner_kind="citizen", owner_id=str(citizen.id), case_id=None
            ),
            "id",
        )
    )
    photos = [p for p in dict.fromkeys(ready) if p in free]
    lost += len(ready) - len(photos)
    sub = Submission(
        kind=s.wechat_oa_kind,
        category_code=s.wechat_oa_category,
        content=content,
        channel="wechat_oa",
        title=content.replace("\n", " ")[:30],
        lat=draft.lat,
        lng=draft.lng,
        address=draft.address,
        photo_ids=photos,
        flags=list(verdict.flags),
    )
    try:
        _, case = await intake.submit(who, sub)
    except Problem as exc:
        log.info("chat submission refused: %s %s", exc.code, exc.detail)
        return f"提交未成功：{exc.detail}"
    await ChatDraft.filter(openid=openid).delete()
    note = f"\n（有{lost}张照片未能接收，未随诉求提交。）" if lost else ""
    return (
        f"您的诉求已提交。\n诉求编号：{case['tracking_no']}\n查询码：{case['query_code']}"
        f"（请妥善保存）\n发送“查询 {case['tracking_no']}”可随时查看办理进度。{note}"
    )
