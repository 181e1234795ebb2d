"""Knowledge-base search: the database's full-text index finds, Python ranks.

1. The query is segmented (:func:`knowledge.segment.query_terms`, stopwords dropped, at most
   :data:`MAX_CONCEPTS` terms). Each term is a *concept*: the term and its synonyms
   (:mod:`knowledge.lexicon`), each a phrase of index tokens. Words of the typo table found in
   the query, and title words one character away from a word found in no item (居往证 → 居住证),
   are added as concepts of weight :data:`CORRECTION_WEIGHT`.
2. Per phrase, the number of published items holding it (:func:`matching.phrase_counts`: a
   lookup per token on PostgreSQL, ``kb_term``; capped at :data:`DF_CAP` for the ranking);
   phrases no item holds are dropped.
3. Candidates, lowest ids first on both databases (:class:`matching.Reader`, one transaction):
   the ids of the items holding every concept (at most :data:`CANDIDATES`); when they are
   fewer, those holding each concept, the rarest concepts first, :data:`PER_CONCEPT` per
   concept; then what the ranking reads of them all, once (what a result shows is read for
   the ranked items alone). A phrase matches here when the item holds its tokens (the index
   alone answers that); the score counts only the tokens side by side. No database-side
   ranking: ranking every match of a common word costs more than the whole search may take.
4. Python scores every candidate with BM25F (k1 1.2, b 0.75; a title hit counts
   :data:`TITLE_WEIGHT` body hits; lengths in characters of the segmented text): a concept
   scores its best phrase, a document the sum of its concepts. Items scoring 0 are dropped,
   ties go to the lower id.

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

from knowledge import lexicon, matching
from knowledge.matching import DF_CAP
from knowledge.segment import ASKING, MAX_QUERY_CHARS, index_text, normalise, query_terms

MAX_CONCEPTS = 16
CANDIDATES = 200
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


async def _phrase_counts(conn: Any, phrases: list[str]) -> dict[str, int]:
    """Per phrase, the published items holding it (:func:`matching.phrase_counts`); kept as
    long as the lexicon's figures (:data:`lexicon.counts`: a publish in this process
    clears them), so a phrase is counted once, not on every query."""
    counts, missing = lexicon.counts.get_many(phrases)
    if missing:
        found = await matching.phrase_counts(conn, missing)
        lexicon.counts.keep(found)
        counts |= found
    return counts


def _estimate(groups: list[list[str]], counts: dict[str, int]) -> int:
    """At most the items holding a phrase of every group (a phrase counted as its rarest
    token, as the candidates' index query matches it)."""
    return min(sum(counts.get(p, 0) for p in g) for g in groups)


async def _candidates(conn: Any, concepts: list[Concept], counts: dict[str, int],
                      kind: str | None, figs: lexicon.Figures) -> list[dict[str, Any]]:
    """The items holding every concept; when they are fewer than :data:`CANDIDATES`, those
    holding each concept, the rarest concepts first, :data:`PER_CONCEPT` each. The ids found
    for a set of concepts, and the rows read, are kept as long as the counts
    (:data:`lexicon.lowest`, :data:`lexicon.rows`): the same concept or item in
    the next question costs no read."""
    groups = [[p for p in c.phrases if counts.get(p)] for c in concepts]
    groups = [g for g in groups if g]
    span = (figs.count, figs.low, figs.high)
    async with matching.reader(conn) as read:

        async def lowest(wanted: list[list[str]], limit: int) -> list[int]:
            key = (tuple(map(tuple, wanted)), kind, limit)
            ids = lexicon.lowest.get(key)
            if ids is None:
                ids = await read.lowest(wanted, kind, limit, _estimate(wanted, counts), span)
                lexicon.lowest.keep({key: ids})
            return ids

        found = dict.fromkeys(await lowest(groups, CANDIDATES))
        if len(found) < CANDIDATES and len(groups) > 1:
            capped = {p: min(f, DF_CAP) for p, f in counts.items()}  # the same on both databases
            rarest_first = sorted(groups, key=lambda g: (sum(capped.get(p, 0) for p in g), g))
            for group in rarest_first:
                found |= dict.fromkeys(await lowest([group], PER_CONCEPT))
                if len(found) >= CANDIDATES:
                    break
        rows, missing = lexicon.rows.get_many(found)
        if missing:
            fetched = {r["id"]: r for r in await read.rows(missing)}
            lexicon.rows.keep(fetched)
            rows |= fetched
        return [rows[i] for i in sorted(rows)]


def _needles(concepts: list[Concept], idf: dict[str, float]) -> list[tuple[float, list[
        tuple[str, float]]]]:
    """Per concept, its weight and its phrases the index knows, space-padded, with their idf."""
    return [(c.weight, [(f" {p} ", idf[p]) for p in c.phrases if p in idf]) for c in concepts]


def score(row: dict[str, Any], concepts: list[Concept], idf: dict[str, float],
          figs: lexicon.Figures) -> float:
    return _score(row, _needles(concepts, idf), figs)


def _score(row: dict[str, Any], needles: list[tuple[float, list[tuple[str, float]]]],
           figs: lexicon.Figures) -> float:
    """BM25F: per concept its best phrase (a title hit counts :data:`TITLE_WEIGHT` body hits,
    each field's count normalised by its length), a document the weighted sum."""
    title, body = row["title_terms"], row["body_terms"]
    nt = (1 - B + B * len(title) / (figs.avg_title or 1.0)) / TITLE_WEIGHT
    nb = 1 - B + B * len(body) / (figs.avg_body or 1.0)
    padded_title, padded_body = f" {title} ", f" {body} "
    total = 0.0
    for weight, phrases in needles:
        best = 0.0
        for needle, phrase_idf in phrases:
            tf = padded_title.count(needle) / nt + padded_body.count(needle) / nb
            if tf:
                best = max(best, phrase_idf * tf / (K1 + tf))
        total += weight * best
    return total


def _covering(ranked: list[tuple[float, int, dict[str, Any]]], concepts: list[Concept],
              idf: dict[str, float], n: int, corrected: bool, figs: lexicon.Figures,
              share: float) -> list[tuple[float, int, dict[str, Any]]]:
    """The ranked items answering at least ``share`` of what the question is about: its
    concepts other than the way it asks (:data:`knowledge.segment.ASKING`: 怎么办, 多少钱 …),
    scored against :func:`_ideal`."""
    about = [c for c in concepts if not all(p in ASKING for p in c.phrases)]
    ideal = _ideal(about, idf, n, corrected)
    if not about or not ideal:
        return []
    needles = _needles(about, idf)
    return [x for x in ranked if _score(x[2], needles, figs) >= share * ideal]


def _ideal(concepts: list[Concept], idf: dict[str, float], n: int, corrected: bool) -> float:
    """What an item holding every concept would score without BM25's saturation: per concept
    its weight times its rarest phrase's idf. A word of the question found in no item counts
    as the rarest word there can be (unless a correction stands for it): it is left
    unanswered."""
    unknown = math.log(1 + (n + 0.5) / 0.5)
    total = 0.0
    for c in concepts:
        known = [idf[p] for p in c.phrases if p in idf]
        if known:
            total += c.weight * max(known)
        elif not corrected:
            total += c.weight * unknown
    return total


async def search(q: str, *, limit: int = 10, kind: str | None = None,
                 min_coverage: float = 0.0) -> list[dict[str, Any]]:
    """The published items answering ``q``, best first: ``{id, kind, title, snippet, score,
    department}``. Any text is a query (an empty or meaningless one finds nothing).

    With ``min_coverage``, only the items whose score is at least that share of what an item
    answering every word of the question would score (:func:`_ideal`; a perfect item reaches
    about 0.6 to 0.8, BM25 saturating): a question the knowledge base does not answer then
    finds nothing instead of the items sharing a word with it."""
    limit = max(1, min(limit, MAX_LIMIT))
    # controls, lone surrogates and the like are spaces: the segmenter sees plain text
    q = "".join(ch if ch.isprintable() else " " for ch in q[:MAX_QUERY_CHARS])
    lexicon.follow()  # another process's edit drops the copies below
    lex = await lexicon.lexicon()
    concepts = concepts_of(q, lex)
    if not concepts:
        return []
    conn = get_connection("default")
    phrases = list(dict.fromkeys(p for c in concepts for p in c.phrases))
    counts = await _phrase_counts(conn, phrases)
    figs = await lexicon.figures()
    unknown = [c.phrases[0] for c in concepts
               if c.weight == 1.0 and not counts.get(c.phrases[0])]
    extra: list[Concept] = []
    if unknown:
        fixes = lexicon.corrections(normalise(q[:MAX_QUERY_CHARS]), unknown, figs)
        extra = [Concept(CORRECTION_WEIGHT, list(lex.synonyms.get(w, [w]))) for w in fixes]
        new = [p for c in extra for p in c.phrases if p not in counts]
        counts |= await _phrase_counts(conn, new)
        concepts += extra
    corrected = bool(unknown) and bool(extra)
    n = max(figs.count, 1)
    df = {p: min(f, DF_CAP, n) for p, f in counts.items() if f}
    idf = {p: math.log(1 + (n - f + 0.5) / (f + 0.5)) for p, f in df.items()}
    if not idf:
        return []
    rows = await _candidates(conn, concepts, counts, kind, figs)
    needles = _needles(concepts, idf)
    scored = ((_score(r, needles, figs), r["id"], r) for r in rows)
    # an item holding a phrase's tokens apart, and nothing else asked, is no answer
    ranked = sorted((x for x in scored if x[0] > 0), key=lambda x: (-x[0], x[1]))
    if min_coverage:
        ranked = _covering(ranked, concepts, idf, n, corrected, figs, min_coverage)
    ranked = ranked[:limit]
    if not ranked:
        return []
    words = [p.replace(" ", "") for p in idf]
    shown = {r["id"]: r for r in await matching.shown(conn, [i for _, i, _ in ranked])}
    return [
        {"id": i, "kind": r["kind"], "title": r["title"], "department": r["department"],
         "score": round(s, 4), "snippet": snippet(r["body"] or r["title"], words)}
        for s, i, _ in ranked if (r := shown.get(i))
    ]


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
