"""Knowledge items: create, edit, publish, unpublish, archive; every saved version kept.

Every write saves the item with its segmented index text (the database's full-text index follows
by itself: ``knowledge.fts``), appends a :class:`~models.knowledge.KbItemVersion` and an audit
entry (``kb_item.<action>``, target ``kb_item:<id>``, scope the root unit's path), all in one
transaction. A published item is searchable as soon as the transaction commits; drafts and
archived items are in neither the index nor the public API.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from audit import log as audit
from casework.reference import province_scope
from hotline import cursors, generations
from hotline.db import lock_first
from hotline.errors import NotFound, field_problem
from hotline.timefmt import iso
from identity.principal import Principal
from knowledge import lexicon
from knowledge.segment import index_text
from models.knowledge import KbItem, KbItemVersion, KbState

Who = Principal | audit.Actor
KINDS = ("service", "faq", "policy")
STATES = ("draft", "published", "archived")
TEXT_FIELDS = ("title", "body", "department", "applicable", "time_limit_legal",
               "time_limit_promised", "fee", "online", "location", "legal_basis")
LIST_FIELDS = ("materials", "steps")
FIELDS = ("kind", *TEXT_FIELDS, *LIST_FIELDS)
NOT_NULL = ("kind", "title", "body", "department", "applicable", "materials", "steps")
CURSOR_TAG = "kb"


def _name(who: Who) -> str:
    return who.name or "system"


def content(item: KbItem) -> dict[str, Any]:
    """The item's editable fields."""
    return {f: getattr(item, f) for f in FIELDS} | {"kind": str(item.kind)}


def public_view(item: KbItem) -> dict[str, Any]:
    return {"id": item.id} | content(item) | {
        "time_limit": item.time_limit_promised or item.time_limit_legal,
        "version": item.version,
        "updated_at": iso(item.updated_at),
    }


def admin_view(item: KbItem) -> dict[str, Any]:
    return public_view(item) | {
        "key": item.key, "state": str(item.state), "created_at": iso(item.created_at),
        "updated_by": item.updated_by,
    }


def _index(item: KbItem) -> None:
    item.title_terms = index_text(item.title)
    parts = [item.body, item.department, item.applicable, *item.materials, *item.steps,
             item.time_limit_legal, item.time_limit_promised, item.fee, item.online,
             item.location, item.legal_basis]
    item.body_terms = index_text("\n".join(p for p in parts if p))


def _check(changes: dict[str, Any]) -> None:
    if "kind" in changes and changes["kind"] not in KINDS:
        raise field_problem("kind", "类型须为 service、faq 或 policy", "invalid_kind")
    for name in NOT_NULL:
        if name in changes and changes[name] is None:
            raise field_problem(name, f"{name} 不能为 null", "null_field")
    if "title" in changes and not str(changes["title"]).strip():
        raise field_problem("title", "标题不能为空", "empty_title")


async def _save(conn: Any, who: Who, item: KbItem, action: str,
                before: dict[str, Any] | None, after: dict[str, Any], scope: str) -> None:
    now = datetime.now(UTC)
    item.updated_at, item.updated_by = now, _name(who)
    _index(item)
    await item.save(using_db=conn)
    await KbItemVersion.create(
        item_id=item.id, version=item.version, action=action, state=str(item.state),
        data=content(item), editor=_name(who), at=now, using_db=conn,
    )
    await audit.record(conn, who, f"kb_item.{action}", f"kb_item:{item.id}",
                       scope_path=scope, before=before, after=after)
    await generations.bump(conn, generations.KNOWLEDGE)


async def create_item(who: Who, data: dict[str, Any], *, draft: bool = False,
                      key: str | None = None) -> dict[str, Any]:
    """A new item, published at once unless ``draft``."""
    _check(data | {"title": data.get("title", "")})
    fields = {f: data[f] for f in FIELDS if data.get(f) is not None}
    now = datetime.now(UTC)
    state = KbState.draft if draft else KbState.published
    scope = await province_scope()
    try:
        async with in_transaction() as conn:
            item = KbItem(key=key, state=state, created_at=now, updated_at=now, version=1,
                          **fields)
            _index(item)
            await item.save(using_db=conn)  # the id, for the version and the audit entry
            await _save(conn, who, item, "create", None,
                        {"kind": str(item.kind), "title": item.title, "state": str(state)}, scope)
    except IntegrityError:
        raise field_problem("key", f"键 {key} 已存在", "duplicate_key", 409) from None
    finally:
        lexicon.changed()
    return admin_view(item)


async def _locked(conn: Any, item_id: int) -> KbItem:
    item = await lock_first(conn, KbItem, id=item_id)
    if item is None:
        raise NotFound("知识条目不存在", code="kb_item_not_found")
    return item


async def update_item(who: Who, item_id: int, changes: dict[str, Any]) -> dict[str, Any]:
    """Apply ``changes`` (a subset of :data:`FIELDS`, ``draft`` too); a new version."""
    draft = changes.pop("draft", None)
    _check(changes)
    scope = await province_scope()
    try:
        async with in_transaction() as conn:
            item = await _locked(conn, item_id)
            before, after = {}, {}
            for name, value in changes.items():
                if getattr(item, name) != value:
                    before[name], after[name] = getattr(item, name), value
                    setattr(item, name, value)
            state = item.state
            if draft is True and state == KbState.published:
                state = KbState.draft
            elif draft is False and state == KbState.draft:
                state = KbState.published
            if state != item.state:
                before["state"], after["state"] = str(item.state), str(state)
                item.state = state
            if after:
                item.version += 1
                await _save(conn, who, item, "update", before, after, scope)
    finally:
        lexicon.changed()
    return admin_view(item)


async def set_state(who: Who, item_id: int, state: KbState, action: str) -> dict[str, Any]:
    """Publish, unpublish (back to draft) or archive; the same state again changes nothing."""
    scope = await province_scope()
    try:
        async with in_transaction() as conn:
            item = await _locked(conn, item_id)
            if item.state != state:
                before = {"state": str(item.state)}
                item.state = state
                item.version += 1
                await _save(conn, who, item, action, before, {"state": str(state)}, scope)
    finally:
        lexicon.changed()
    return admin_view(item)


async def published_item(item_id: int) -> dict[str, Any]:
    item = await KbItem.get_or_none(id=item_id, state=KbState.published)
    if item is None:
        raise NotFound("知识条目不存在", code="kb_item_not_found")
    return public_view(item)


async def admin_item(item_id: int) -> dict[str, Any]:
    item = await KbItem.get_or_none(id=item_id)
    if item is None:
        raise NotFound("知识条目不存在", code="kb_item_not_found")
    return admin_view(item)


async def list_items(*, q: str | None = None, kind: str | None = None,
                     state: str | None = None, department: str | None = None,
                     limit: int = 20, cursor: str | None = None) -> dict[str, Any]:
    """Every item, drafts and archived ones too, newest id first; ``q``: the title contains."""
    query = KbItem.all()
    if q:
        query = query.filter(title__icontains=q)
    if kind:
        query = query.filter(kind=kind)
    if state:
        query = query.filter(state=state)
    if department:
        query = query.filter(department__icontains=department)
    if cursor:
        query = query.filter(id__lt=cursors.read(cursor, CURSOR_TAG, 1)[0])
    rows = await query.order_by("-id").limit(limit + 1)
    more = len(rows) > limit
    return {
        "items": [admin_view(r) for r in rows[:limit]],
        "next_cursor": cursors.sign(CURSOR_TAG, rows[limit - 1].id) if more else None,
    }


async def versions(item_id: int) -> dict[str, Any]:
    if not await KbItem.exists(id=item_id):
        raise NotFound("知识条目不存在", code="kb_item_not_found")
    rows = await KbItemVersion.filter(item_id=item_id).order_by("-version")
    return {"items": [
        {"version": v.version, "action": v.action, "state": v.state, "editor": v.editor,
         "at": iso(v.at), "data": v.data}
        for v in rows
    ]}
