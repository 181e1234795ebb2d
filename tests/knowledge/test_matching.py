"""What the full-text index answers the search (``knowledge.matching``): token counts and the
lowest ids matching a query are the same whichever plan PostgreSQL takes (all matches, an id
window, a walk of the primary key), and equal to a count over the items themselves; on
PostgreSQL the term counts (``kb_term``) follow every write."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest
from tortoise.connection import get_connection

from knowledge import fts, lexicon, matching
from models.knowledge import KbItem

TAG = "kbmatch"  # updated_by of the crowd's rows, so they are removed afterwards
N = 240


def _terms(i: int) -> tuple[str, str]:
    """Title and body tokens of crowd item ``i`` (words no demo item holds): xqcommon in most
    items, xqmiddle in a tenth, xqrare in a fortieth, xqjia and xqyi side by side in some and
    apart in others."""
    body = ["xqcommon"] if i % 5 else []
    body += ["xqmiddle"] if i % 10 == 3 else []
    body += ["xqrare"] if i % 40 == 7 else []
    body += ["xqjia", "xqyi"] if i % 6 == 1 else (["xqjia", "xqbing", "xqyi"] if i % 6 == 4 else [])
    return f"xqcrowd xqitem {i % 3}", " ".join(body + ["xqfill"])


@pytest.fixture
async def crowd(app: Any) -> AsyncIterator[dict[int, tuple[str, str, str, str]]]:
    """N items written as the bench writes them (one statement each), every seventh a draft:
    id -> (kind, state, title_terms, body_terms)."""
    conn = get_connection("default")
    sqlite = conn.capabilities.dialect == "sqlite"
    now = datetime.now(UTC)
    cols = ("kind, state, title, body, department, applicable, materials, steps, version, "
            "created_at, updated_at, updated_by, title_terms, body_terms")
    marks = ", ".join("?" if sqlite else f"${i + 1}" for i in range(14))
    for i in range(N):
        title, body = _terms(i)
        kind = "faq" if i % 4 == 0 else "service"
        state = "draft" if i % 7 == 0 else "published"
        at: Any = now.isoformat() if sqlite else now
        await conn.execute_query(
            f"INSERT INTO kb_item ({cols}) VALUES ({marks})",
            [kind, state, f"条目{i}", "", "", "", "[]", "[]", 1, at, at, TAG, title, body])
    rows = await KbItem.filter(updated_by=TAG).order_by("id").values(
        "id", "kind", "state", "title_terms", "body_terms")
    lexicon.invalidate()
    yield {r["id"]: (str(r["kind"]), str(r["state"]), r["title_terms"], r["body_terms"])
           for r in rows}
    await KbItem.filter(updated_by=TAG).delete()
    lexicon.invalidate()


def _holds(row: tuple[str, str, str, str], phrase: str) -> bool:
    tokens = set(f"{row[2]} {row[3]}".split())
    return all(t in tokens for t in phrase.split())


def _expected(crowd: dict[int, tuple[str, str, str, str]], groups: list[list[str]],
              kind: str | None, limit: int) -> list[int]:
    return [i for i, row in sorted(crowd.items())
            if row[1] == "published" and (kind is None or row[0] == kind)
            and all(any(_holds(row, p) for p in g) for g in groups)][:limit]


QUERIES = [
    ([["xqcommon"]], None, 30),
    ([["xqmiddle"]], None, 10),
    ([["xqrare"]], "service", 10),
    ([["xqjia xqyi"]], None, 15),  # a phrase: its tokens, adjacent or not
    ([["xqrare"], ["xqmiddle", "xqcommon"]], None, 20),
    ([["xqcommon"], ["xqjia xqyi"]], "faq", 12),
    ([["xqnowhere"]], None, 10),
]
PLANS = {  # FEW, WALK_SHARE: which plan PostgreSQL takes for these counts
    "all matches": (10_000, 2.0),
    "id windows": (0, 2.0),
    "walks": (0, 0.0),
}


@pytest.mark.parametrize("plan", list(PLANS))
async def test_the_lowest_ids_are_the_same_whatever_the_plan(
    crowd: dict[int, tuple[str, str, str, str]], plan: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    few, share = PLANS[plan]
    monkeypatch.setattr(matching, "FEW", few)
    monkeypatch.setattr(matching, "WALK_SHARE", share)
    conn = get_connection("default")
    figs = await lexicon.figures()
    published = [i for i, row in crowd.items() if row[1] == "published"]
    assert figs.high >= max(published)
    for groups, kind, limit in QUERIES:
        estimate = int(sum(1 for row in crowd.values() if row[1] == "published"
                             and all(any(_holds(row, p) for p in g) for g in groups)))
        async with matching.reader(conn) as read:
            found = await read.lowest(groups, kind, limit, max(estimate, 1),
                                      (figs.count, figs.low, figs.high))
            rows = await read.rows(found)
        assert found == _expected(crowd, groups, kind, limit), (groups, kind)
        assert [r["id"] for r in rows] == found


async def test_phrase_counts_are_the_items_holding_each_phrase(
    crowd: dict[int, tuple[str, str, str, str]]
) -> None:
    """A token's count, and a phrase's: only the items holding its tokens side by side."""
    conn = get_connection("default")
    phrases = ["xqcommon", "xqmiddle", "xqrare", "xqjia", "xqfill", "xqnowhere", "xqjia xqyi"]
    counts = await matching.phrase_counts(conn, phrases)
    for phrase in phrases:
        held = sum(1 for row in crowd.values() if row[1] == "published"
                   and f" {phrase} " in f" {row[2]} {row[3]} ")
        assert min(counts[phrase], matching.DF_CAP) == min(held, matching.DF_CAP), phrase
    assert 0 < counts["xqjia xqyi"] < counts["xqjia"]


async def test_term_counts_follow_publish_edit_unpublish_and_delete(
    crowd: dict[int, tuple[str, str, str, str]]
) -> None:
    """PostgreSQL's kb_term is what a recount over the published items gives, after every
    kind of write (SQLite counts in its FTS index, always current)."""
    conn = get_connection("default")
    if conn.capabilities.dialect == "sqlite":
        pytest.skip("kb_term is PostgreSQL's")

    async def recount_matches() -> None:
        rows = await conn.execute_query_dict(
            "SELECT coalesce(t.term, c.lexeme) AS term, coalesce(t.items, 0) AS kept, "
            "coalesce(c.n, 0) AS counted FROM kb_term t FULL JOIN (SELECT u.lexeme, count(*) "
            "AS n FROM kb_item k, unnest(k.tsv) u GROUP BY u.lexeme) c ON c.lexeme = t.term "
            "WHERE coalesce(t.items, 0) <> coalesce(c.n, 0)")
        assert rows == []

    await recount_matches()
    ids = sorted(crowd)
    await KbItem.filter(id__in=ids[:20]).update(state="archived")  # unpublish
    await recount_matches()
    await KbItem.filter(id__in=ids[:10]).update(state="published")  # publish again
    await KbItem.filter(id__in=ids[5:15]).update(body_terms="xqrare xqnew")  # edit
    await recount_matches()
    assert (await matching.phrase_counts(conn, ["xqnew"]))["xqnew"] == 5
    await KbItem.filter(id__in=ids[:30]).delete()
    await recount_matches()
    assert (await matching.phrase_counts(conn, ["xqnew"]))["xqnew"] == 0
    await conn.execute_query("UPDATE kb_term SET items = items + 7")  # drifted somehow
    await fts.rebuild(conn)  # counted again from the tsvectors
    await recount_matches()
