"""The knowledge base: public search and reading; editing by roles ``admin`` and ``kb_editor``."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Response

from app_api.deps import principal, require_roles, staff
from app_api.schemas.inputs import CursorQuery, Id, LineQuery
from app_api.schemas.kb import (
    DeflectionIn,
    DeflectionOut,
    KbAdminItemOut,
    KbItemIn,
    KbItemOut,
    KbItemPageOut,
    KbItemPatchIn,
    KbKind,
    KbSearchOut,
    KbState,
    KbSynonymIn,
    KbSynonymOut,
    KbSynonymsOut,
    KbVersionsOut,
)
from app_api.schemas.problem import problems
from casework import precheck
from identity.principal import Principal
from knowledge import items, search, synonyms
from models.knowledge import KbState as State

router = APIRouter(tags=["knowledge"])

ItemId = Annotated[Id, Path(description="知识条目 ID")]
SynonymId = Annotated[Id, Path(description="同义词组 ID")]
Limit = Annotated[int, Query(ge=1, le=100, description="每页条数（默认 20，最多 100）")]
SearchLimit = Annotated[int, Query(ge=1, le=search.MAX_LIMIT,
                                   description="最多返回条数（默认 10，最多 50）")]
SearchText = Annotated[str, Query(max_length=10000,
                                  description="要查询的问题或关键词，任意文字（只读前 200 字）")]


def editor(who: Principal = Depends(staff)) -> Principal:
    require_roles(who, "admin", "kb_editor")
    return who


@router.get("/kb/search", response_model=KbSearchOut)
async def search_kb(q: SearchText = "", limit: SearchLimit = 10,
                    kind: KbKind | None = None) -> dict[str, Any]:
    """Published items answering ``q``, best first; any text is a query (no match: no items)."""
    return {"items": await search.search(q, limit=limit, kind=kind)}


@router.get("/kb/items/{id}", response_model=KbItemOut, responses=problems(404))
async def read_item(id: ItemId) -> dict[str, Any]:
    """A published item (a draft or an archived item is a 404)."""
    return await items.published_item(id)


@router.post("/kb/deflections", status_code=201, response_model=DeflectionOut,
             responses=problems(401, 404, 409, 422))
async def deflection(body: DeflectionIn, who: Principal = Depends(principal)) -> dict[str, Any]:
    """“这解决了我的问题”：提交前查询后看了知识条目、不再提交。每次查询只记一次（重试得到同一记录）。"""
    return await precheck.deflect(who, body.precheck_id, body.kb_item_id)


@router.get("/admin/kb/items", response_model=KbItemPageOut, responses=problems(403))
async def list_items(
    _: Principal = Depends(editor), q: LineQuery = None, kind: KbKind | None = None,
    state: KbState | None = None, department: LineQuery = None, limit: Limit = 20,
    cursor: CursorQuery = None,
) -> dict[str, Any]:
    """Every item, drafts and archived ones too, newest first (``q``: the title contains)."""
    return await items.list_items(q=q, kind=kind, state=state, department=department,
                                  limit=limit, cursor=cursor)


@router.post("/admin/kb/items", status_code=201, response_model=KbAdminItemOut,
             responses=problems(403, 422))
async def create_item(body: KbItemIn, who: Principal = Depends(editor)) -> dict[str, Any]:
    """A new item, searchable at once unless ``draft: true``."""
    return await items.create_item(who, body.fields(), draft=body.draft)


@router.get("/admin/kb/items/{id}", response_model=KbAdminItemOut, responses=problems(403, 404))
async def read_admin_item(id: ItemId, _: Principal = Depends(editor)) -> dict[str, Any]:
    return await items.admin_item(id)


@router.patch("/admin/kb/items/{id}", response_model=KbAdminItemOut,
              responses=problems(403, 404, 422))
async def update_item(id: ItemId, body: KbItemPatchIn,
                      who: Principal = Depends(editor)) -> dict[str, Any]:
    """Change the given fields (a new version); ``draft`` moves it between draft and published."""
    return await items.update_item(who, id, body.changes())


@router.delete("/admin/kb/items/{id}", status_code=204, response_class=Response,
               responses=problems(403, 404))
async def archive_item(id: ItemId, who: Principal = Depends(editor)) -> Response:
    """Withdraw and archive the item; its versions are kept."""
    await items.set_state(who, id, State.archived, "archive")
    return Response(status_code=204)


@router.post("/admin/kb/items/{id}/publish", response_model=KbAdminItemOut,
             responses=problems(403, 404))
async def publish_item(id: ItemId, who: Principal = Depends(editor)) -> dict[str, Any]:
    return await items.set_state(who, id, State.published, "publish")


@router.post("/admin/kb/items/{id}/unpublish", response_model=KbAdminItemOut,
             responses=problems(403, 404))
async def unpublish_item(id: ItemId, who: Principal = Depends(editor)) -> dict[str, Any]:
    return await items.set_state(who, id, State.draft, "unpublish")


@router.get("/admin/kb/items/{id}/versions", response_model=KbVersionsOut,
            responses=problems(403, 404))
async def item_versions(id: ItemId, _: Principal = Depends(editor)) -> dict[str, Any]:
    return await items.versions(id)


@router.get("/admin/kb/synonyms", response_model=KbSynonymsOut, responses=problems(403))
async def list_synonyms(_: Principal = Depends(editor)) -> dict[str, Any]:
    return await synonyms.list_groups()


@router.post("/admin/kb/synonyms", status_code=201, response_model=KbSynonymOut,
             responses=problems(403, 422))
async def add_synonyms(body: KbSynonymIn, who: Principal = Depends(editor)) -> dict[str, Any]:
    return await synonyms.add_group(who, body.terms)


@router.delete("/admin/kb/synonyms/{id}", status_code=204, response_class=Response,
               responses=problems(403, 404))
async def delete_synonyms(id: SynonymId, who: Principal = Depends(editor)) -> Response:
    await synonyms.delete_group(who, id)
    return Response(status_code=204)
