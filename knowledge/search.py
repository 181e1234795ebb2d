"""Knowledge-base search: the database's full-text index finds, Python ranks.

1. The query is segmented (:func:`knowledge.segment.query_terms`, stopwords dropped, at most
   :data:`MAX_CONCEPTS` terms). Each term is a *concept*: the term and its synonyms
   (:mod:`knowledge.lexicon`), each a phrase of index tokens. Words of the typo table found in
   the query, and title words one character away from a word found in no item (居往证 → 居住证),
   are added as concepts of weight :data:`CORRECTION_WEIGHT`.
2. Per phrase, the number of published items holding it (one query, each count capped at
   :data:`DF_CAP`); phrases no item holds are dropped.
3. Candidates, lowest ids first on both databases: the items holding every concept (at most
   :data:`CANDIDATES`); when they are fewer, the items holding each concept, the rarest
   concepts first, :data:`PER_CONCEPT` per concept. No database-side ranking: ranking every
   match of a common word costs more than the whole search may take.
4. Python scores every candidate with BM25F (k1 1.2, b 0.75; a title hit counts
   :data:`TITLE_WEIGHT` body hits; lengths in characters of the segmented text): a concept
   scores its best phrase, a document the sum of its concepts. Ties go to the lower id.

Every step reads the same figures and the same rows on both databases and the ranking is the
same Python code, so SQLite and PostgreSQL return the same items in the same order. The price
of the cheap candidate step: when a common word is all a query has, only the lowest ids of the
items holding it compete.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from html import escape
from typing import Any

from tortoise.connection import get_connection
from tortoise.transactions import in_transaction

from knowledge import lexicon
from knowledge.segment import MAX_QUERY_CHARS, index_text, normalise, query_terms

MAX_CONCEPTS = 16
CANDIDATES = 200
DF_CAP = 1000
PER_CONCEPT = 100
TITLE_WEIGHT = 3.0
K1, B = 1.2, 0.75
CORRECTION_WEIGHT = 0.8
SNIPPET_CHARS = 120
MAX_LIMIT = 50


@dataclass
class Concept:
    weight: float
    phrases: list[str]  # space-joined index tokens


def _sqlite(conn: Any) -> bool:
    return bool(conn.capabilities.dialect == "sqlite")


def _fts5(phrase: str) -> str:
    return '"' + phrase.replace('"', '""') + '"'


def _tsquery(phrase: str) -> str:
    lexemes = ["'" + t.replace("\\", "\\\\").replace("'", "''") + "'" for t in phrase.split()]
    return "(" + " <-> ".join(lexemes) + ")"


def concepts_of(query: str, lex: lexicon.Lexicon) -> list[Concept]:
    found: list[Concept] = []
    for term in query_terms(query)[:MAX_CONCEPTS]:
        found.append(Concept(1.0, list(lex.synonyms.get(term, [term]))))
    text = normalise(query[:MAX_QUERY_CHARS])
    for wrong, right in lex.typos.items():
        if wrong in text:
            phrase = index_text(right)
            found.append(Concept(CORRECTION_WEIGHT, list(lex.synonyms.get(phrase, [phrase]))))
    return found


async def _document_frequencies(conn: Any, phrases: list[str]) -> dict[str, int]:
    """Per phrase, the published items holding it, capped at :data:`DF_CAP`; kept as long as
    the lexicon's figures (:func:`lexicon.cached_counts`: a publish in this process clears them),
    so a common word is counted once, not on every query."""
    counts, missing = lexicon.cached_counts(phrases)
    if not missing:
        return counts
    if _sqlite(conn):
        parts = [f"(SELECT count(*) FROM (SELECT 1 FROM kb_fts WHERE kb_fts MATCH ? "
                 f"LIMIT {DF_CAP}))"] * len(missing)
        args = [_fts5(p) for p in missing]
        row = (await conn.execute_query("SELECT " + ", ".join(parts), args))[1][0]
    else:
        parts = [f"(SELECT count(*) FROM (SELECT 1 FROM kb_item WHERE tsv @@ ${i + 1}::tsquery "
                 f"LIMIT {DF_CAP}) s{i}) AS n{i}" for i in range(len(missing))]
        args = [_tsquery(p) for p in missing]
        row = list((await _pg_rows("SELECT " + ", ".join(parts), args))[0].values())
    found = {p: int(row[i]) for i, p in enumerate(missing)}
    lexicon.keep_counts(found)
    return counts | found


# PostgreSQL: bitmap scans of the GIN index only (a sequential scan, or a walk of the primary
# key, decompresses the tsvector of every row it passes: 60-70 ms for a word in a few percent
# of 100,000 items, where the index answers a single word without opening a tsvector), planned
# for the values at hand (no generic plan of a prepared statement), no parallel workers or JIT
_PG_SETTINGS = (
    "SET LOCAL enable_seqscan = off; SET LOCAL enable_indexscan = off; "
    "SET LOCAL plan_cache_mode = force_custom_plan; "
    "SET LOCAL max_parallel_workers_per_gather = 0; SET LOCAL jit = off"
)


async def _pg_rows(sql: str, args: list[Any], *, walk: bool = False) -> list[dict[str, Any]]:
    """Rows through the GIN index only; with ``walk``, the primary key may be walked too."""
    settings = _PG_SETTINGS.replace("SET LOCAL enable_indexscan = off; ", "") if walk else (
        _PG_SETTINGS)
    async with in_transaction("default") as conn:
        await conn.execute_script(settings)
        return list(await conn.execute_query_dict(sql, args))


def _match(conn: Any, groups: list[list[str]]) -> str:
    """The index query for items holding a phrase of every group."""
    if _sqlite(conn):
        return " AND ".join("(" + " OR ".join(_fts5(p) for p in g) + ")" for g in groups)
    return " & ".join("(" + " | ".join(_tsquery(p) for p in g) + ")" for g in groups)


async def _fetch(conn: Any, groups: list[list[str]], kind: str | None,
                 limit: int, df: dict[str, int]) -> list[dict[str, Any]]:
    """Items holding a phrase of every group, lowest ids first (the same on both databases).

    On PostgreSQL, when every group is held by at least :data:`DF_CAP` items the planner may
    walk the primary key (it knows a word's frequency: one held by most items is found in the
    first rows); otherwise the GIN index reads the few matches."""
    columns = "k.id, k.kind, k.title, k.department, k.title_terms, k.body_terms"
    if _sqlite(conn):
        where = " AND k.kind = ?" if kind else ""
        sql = (f"SELECT {columns} FROM kb_fts JOIN kb_item k ON k.id = kb_fts.rowid "
               f"WHERE kb_fts MATCH ?{where} ORDER BY kb_fts.rowid LIMIT {limit}")
    else:  # the ids first, then the rows: a bitmap scan decompresses no tsvector of a word
        where = " AND kind = $2" if kind else ""
        sql = (f"SELECT {columns} FROM kb_item k WHERE k.id IN (SELECT id FROM kb_item WHERE "
               f"tsv @@ $1::tsquery{where} ORDER BY id LIMIT {limit}) ORDER BY k.id")
    args: list[Any] = [_match(conn, groups)] + ([kind] if kind else [])
    if _sqlite(conn):
        return list(await conn.execute_query_dict(sql, args))
    common = all(sum(df.get(p, 0) for p in g) >= DF_CAP for g in groups)
    return await _pg_rows(sql, args, walk=common)


async def _candidates(conn: Any, concepts: list[Concept], df: dict[str, int],
                      kind: str | None) -> list[dict[str, Any]]:
    """The items holding every concept; when they are fewer than :data:`CANDIDATES`, those
    holding each concept, the rarest concepts first, :data:`PER_CONCEPT` each."""
    groups = [[p for p in c.phrases if df.get(p)] for c in concepts]
    groups = [g for g in groups if g]
    found = {r["id"]: r for r in await _fetch(conn, groups, kind, CANDIDATES, df)}
    if len(found) < CANDIDATES and len(groups) > 1:
        for group in sorted(groups, key=lambda g: (sum(df[p] for p in g), g)):
            for row in await _fetch(conn, [group], kind, PER_CONCEPT, df):
                found.setdefault(row["id"], row)
            if len(found) >= CANDIDATES:
                break
    return list(found.values())


def _tf(padded: str, phrase: str) -> int:
    return padded.count(f" {phrase} ")


def score(row: dict[str, Any], concepts: list[Concept], idf: dict[str, float],
          figs: lexicon.Figures) -> float:
    title, body = row["title_terms"], row["body_terms"]
    nt = 1 - B + B * len(title) / (figs.avg_title or 1.0)
    nb = 1 - B + B * len(body) / (figs.avg_body or 1.0)
    padded_title, padded_body = f" {title} ", f" {body} "
    total = 0.0
    for concept in concepts:
        best = 0.0
        for phrase in concept.phrases:
            if phrase not in idf:
                continue
            tf = (TITLE_WEIGHT * _tf(padded_title, phrase) / nt
                  + _tf(padded_body, phrase) / nb)
            if tf:
                best = max(best, idf[phrase] * tf / (K1 + tf))
        total += concept.weight * best
    return total


async def search(q: str, *, limit: int = 10, kind: str | None = None) -> list[dict[str, Any]]:
    """The published items answering ``q``, best first: ``{id, kind, title, snippet, score,
    department}``. Any text is a query (an empty or meaningless one finds nothing)."""
    limit = max(1, min(limit, MAX_LIMIT))
    # controls, lone surrogates and the like are spaces: the segmenter sees plain text
    q = "".join(ch if ch.isprintable() else " " for ch in q[:MAX_QUERY_CHARS])
    lex = await lexicon.lexicon()
    concepts = concepts_of(q, lex)
    if not concepts:
        return []
    conn = get_connection("default")
    phrases = list(dict.fromkeys(p for c in concepts for p in c.phrases))
    df = await _document_frequencies(conn, phrases)
    figs = await lexicon.figures()
    unknown = [c.phrases[0] for c in concepts if c.weight == 1.0 and not df.get(c.phrases[0])]
    if unknown:
        fixes = lexicon.corrections(normalise(q[:MAX_QUERY_CHARS]), unknown, figs)
        extra = [Concept(CORRECTION_WEIGHT, list(lex.synonyms.get(w, [w]))) for w in fixes]
        new = [p for c in extra for p in c.phrases if p not in df]
        df |= await _document_frequencies(conn, new)
        concepts += extra
    n = max(figs.count, 1)
    idf = {p: math.log(1 + (n - min(f, n) + 0.5) / (min(f, n) + 0.5)) for p, f in df.items() if f}
    if not idf:
        return []
    rows = await _candidates(conn, concepts, df, kind)
    ranked = sorted(((score(r, concepts, idf, figs), r["id"], r) for r in rows),
                    key=lambda x: (-x[0], x[1]))[:limit]
    if not ranked:
        return []
    bodies = await _bodies(conn, [r["id"] for _, _, r in ranked])
    words = [p.replace(" ", "") for p in idf]
    return [
        {"id": r["id"], "kind": r["kind"], "title": r["title"], "department": r["department"],
         "score": round(s, 4), "snippet": snippet(bodies.get(r["id"], "") or r["title"], words)}
        for s, _, r in ranked
    ]


async def _bodies(conn: Any, ids: list[int]) -> dict[int, str]:
    marks = ", ".join("?" if _sqlite(conn) else f"${i + 1}" for i in range(len(ids)))
    rows = await conn.execute_query_dict(f"SELECT id, body FROM kb_item WHERE id IN ({marks})", ids)
    return {r["id"]: r["body"] for r in rows}


def snippet(text: str, words: list[str]) -> str:
    """About :data:`SNIPPET_CHARS` characters of ``text`` around its first match, HTML-escaped,
    every match of ``words`` wrapped in ``<mark>…</mark>``."""
    text = " ".join(text.split())
    words = sorted({w for w in words if w}, key=len, reverse=True)
    pattern = re.compile("|".join(re.escape(w) for w in words), re.IGNORECASE) if words else None
    first = pattern.search(text) if pattern else None
    start = max(0, first.start() - 20) if first else 0
    window = text[start:start + SNIPPET_CHARS]
    head = "…" if start > 0 else ""
    tail = "…" if start + SNIPPET_CHARS < len(text) else ""
    if pattern is None:
        return head + escape(window) + tail
    out, at = [], 0
    for m in pattern.finditer(window):
        out.append(escape(window[at:m.start()]))
        out.append(f"<mark>{escape(m.group())}</mark>")
        at = m.end()
    out.append(escape(window[at:]))
    return head + "".join(out) + tail
