"""Synonym groups: the built-in list (``knowledge/data/synonyms.txt``, changed in the repo) and
the groups editors add or remove through ``/admin/kb/synonyms`` (table ``kb_synonym``, audited
as ``kb_synonym.create`` / ``kb_synonym.delete``). Searches use a change at once in this process
and within :data:`knowledge.lexicon.TTL_S` seconds in the others."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from tortoise.transactions import in_transaction

from audit import log as audit
from casework.reference import province_scope
from hotline import generations
from hotline.db import lock_first
from hotline.errors import NotFound, field_problem
from hotline.timefmt import iso
from identity.principal import Principal
from knowledge import lexicon
from models.knowledge import KbSynonym

Who = Principal | audit.Actor
MAX_TERM_CHARS = 32


def _view(row: KbSynonym) -> dict[str, Any]:
    return {"id": row.id, "terms": list(row.terms), "builtin": False,
            "created_by": row.created_by, "created_at": iso(row.created_at)}


async def list_groups() -> dict[str, Any]:
    """The built-in groups first (``id`` null, ``builtin`` true), then the editors' groups."""
    builtin = [{"id": None, "terms": lexicon.clean_group(g), "builtin": True,
                "created_by": None, "created_at": None} for g in lexicon.builtin_synonyms()]
    rows = await KbSynonym.all().order_by("id")
    return {"items": builtin + [_view(r) for r in rows]}


async def add_group(who: Who, terms: list[str]) -> dict[str, Any]:
    group = lexicon.clean_group(terms)
    if len(group) < 2:
        raise field_problem("terms", "同义词组至少包含两个不同的词", "too_few_terms")
    if any(len(t) > MAX_TERM_CHARS for t in group):
        raise field_problem("terms", f"每个词最长 {MAX_TERM_CHARS} 个字", "term_too_long")
    scope = await province_scope()
    try:
        async with in_transaction() as conn:
            row = await KbSynonym.create(terms=group, created_by=who.name or "system",
                                         created_at=datetime.now(UTC), using_db=conn)
            await generations.bump(conn, generations.KNOWLEDGE)
            await audit.record(conn, who, "kb_synonym.create", f"kb_synonym:{row.id}",
                               scope_path=scope, after={"terms": group})
    finally:
        lexicon.changed()
    return _view(row)


async def delete_group(who: Who, group_id: int) -> None:
    scope = await province_scope()
    try:
        async with in_transaction() as conn:
            row = await lock_first(conn, KbSynonym, id=group_id)
            if row is None:
                raise NotFound("同义词组不存在", code="synonym_not_found")
            await row.delete(using_db=conn)
            await generations.bump(conn, generations.KNOWLEDGE)
            await audit.record(conn, who, "kb_synonym.delete", f"kb_synonym:{group_id}",
                               scope_path=scope, before={"terms": row.terms})
    finally:
        lexicon.changed()
