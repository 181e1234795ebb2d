"""What the search knows besides the index: synonym groups, typo corrections, corpus figures.

* Synonyms: the built-in groups of ``knowledge/data/synonyms.txt`` (maintained in the repo) and
  the groups editors add (table ``kb_synonym``, ``/admin/kb/synonyms``). A query term in a group
  also finds every other term of the group.
* Typos: ``knowledge/data/typos.txt`` ("wrong right" per line) for short words, and a one-character
  correction of 3- and 4-character words against the words of the published titles (居往证 →
  居住证).
* Figures: the number of published items and the total length of their segmented title and body
  (BM25's length normalisation), and the title vocabulary.

Each process keeps these, and :mod:`knowledge.search`'s counts, candidate ids and the rows it
ranks, for :data:`TTL_S` seconds at most. An editor's write raises the ``knowledge`` generation
(:mod:`hotline.generations`) in its transaction: after the commit its own process drops its
copies at once, and every other process at its next search (PostgreSQL NOTIFY, or SQLite's
sidecar file).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, TypeVar

from tortoise.connection import get_connection

from hotline import generations
from knowledge.segment import index_text, normalise

DATA = Path(__file__).parent / "data"
TTL_S = 30.0
_cache: dict[str, tuple[float, Any]] = {}
K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class Kept(Generic[K, V]):
    """Answers kept for :data:`TTL_S` seconds at most; past ``most`` entries all are dropped."""

    def __init__(self, most: int) -> None:
        self.most = most
        self.items: dict[K, tuple[float, V]] = {}

    def get(self, key: K) -> V | None:
        hit = self.items.get(key)
        return hit[1] if hit and hit[0] > time.monotonic() else None

    def get_many(self, keys: Iterable[K]) -> tuple[dict[K, V], list[K]]:
        """The answers still fresh, by key, and the keys without."""
        now = time.monotonic()
        found, missing = {}, []
        for key in dict.fromkeys(keys):
            hit = self.items.get(key)
            if hit and hit[0] > now:
                found[key] = hit[1]
            else:
                missing.append(key)
        return found, missing

    def keep(self, answers: dict[K, V]) -> None:
        if len(self.items) + len(answers) > self.most:
            self.items.clear()
        expires = time.monotonic() + TTL_S
        self.items.update((k, (expires, v)) for k, v in answers.items())

    def clear(self) -> None:
        self.items.clear()


# knowledge.search's answers: per phrase the published items holding it; per (phrase groups,
# kind, limit) the lowest ids of the items matching them; per item id what the ranking reads
# of it (id, title_terms, body_terms)
counts: Kept[str, int] = Kept(50_000)
lowest: Kept[Hashable, list[int]] = Kept(10_000)
rows: Kept[int, dict[str, Any]] = Kept(20_000)
_seen: list[Hashable] = [None]  # the generation the copies were made under
_epoch = [0]  # raised by every drop: a count begun before it is not kept
log = logging.getLogger("hotline.knowledge")


def invalidate() -> None:
    """Drop this process's copies."""
    _epoch[0] += 1
    _cache.clear()
    forget_answers()


def forget_answers() -> None:
    """Drop the counts and candidate ids (not the lexicon and the figures)."""
    counts.clear()
    lowest.clear()
    rows.clear()


def changed() -> None:
    """After an editor's commit (that raised the ``knowledge`` generation): drop this
    process's copies and tell the others."""
    invalidate()
    generations.published(generations.KNOWLEDGE)


def follow() -> None:
    """Drop the copies if another process announced a change since they were made. While the
    announcements cannot be heard (PostgreSQL's listener reconnecting) the copies live out
    their :data:`TTL_S`."""
    now = generations.stamp(generations.KNOWLEDGE)
    if type(now) is object:  # the listener is down: nothing is known
        return
    if now != _seen[0]:
        invalidate()
        _seen[0] = now


def _read_lines(name: str) -> list[list[str]]:
    path = DATA / name
    if not path.exists():
        return []
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            rows.append(line.split())
    return rows


def builtin_synonyms() -> list[list[str]]:
    return [group for group in _read_lines("synonyms.txt") if len(group) > 1]


def clean_group(terms: list[str]) -> list[str]:
    """A group as kept: each term normalised (NFKC, lower case, inner spaces removed), distinct,
    in the order given."""
    out = [normalise("".join(t.split())) for t in terms]
    return list(dict.fromkeys(t for t in out if t))


@dataclass
class Lexicon:
    synonyms: dict[str, list[str]] = field(default_factory=dict)  # term -> its group's phrases
    typos: dict[str, str] = field(default_factory=dict)


def build(groups: list[list[str]], typos: list[list[str]]) -> Lexicon:
    lex = Lexicon()
    for group in groups:
        phrases = [index_text(t) for t in clean_group(group)]
        phrases = [p for p in dict.fromkeys(phrases) if p]
        for phrase in phrases:
            # a term in several groups finds the members of all of them
            known = lex.synonyms.setdefault(phrase, [phrase])
            known.extend(p for p in phrases if p not in known)
    for row in typos:
        if len(row) == 2:
            lex.typos[normalise(row[0])] = normalise(row[1])
    return lex


async def lexicon() -> Lexicon:
    hit = _cache.get("lexicon")
    if hit and hit[0] > time.monotonic():
        return hit[1]
    from models.knowledge import KbSynonym

    rows = await KbSynonym.all().order_by("id").values_list("terms", flat=True)
    editors = [list(g) for g in rows]
    lex = build(builtin_synonyms() + editors, _read_lines("typos.txt"))
    _cache["lexicon"] = (time.monotonic() + TTL_S, lex)
    return lex


@dataclass
class Figures:
    count: int
    title_chars: int
    body_chars: int
    # (position, word with that character left out) -> words of the titles, for corrections
    near: dict[tuple[int, str], list[str]]
    words: frozenset[str]
    low: int = 0  # the lowest and highest published id
    high: int = 0

    @property
    def avg_title(self) -> float:
        return self.title_chars / self.count if self.count else 1.0

    @property
    def avg_body(self) -> float:
        return self.body_chars / self.count if self.count else 1.0


async def figures() -> Figures:
    """The figures; once they are older than :data:`TTL_S` (and not dropped by a change),
    the old ones still answer while a task counts them again (at 100,000 items the count
    reads every row: a search should not wait for it)."""
    hit = _cache.get("figures")
    if hit and hit[0] > time.monotonic():
        return hit[1]
    if hit:
        task = _recount.get("figures")
        if task is None or task.done():
            _recount["figures"] = task = asyncio.ensure_future(_count_figures())
            task.add_done_callback(_retrieved)
        return hit[1]
    return await _count_figures()


_recount: dict[str, asyncio.Future[Figures]] = {}


def _retrieved(task: asyncio.Future[Figures]) -> None:
    if not task.cancelled() and task.exception():  # counted again at the next search
        log.warning("knowledge figures not counted: %r", task.exception())


async def _count_figures() -> Figures:
    epoch = _epoch[0]
    conn = get_connection("default")
    published = "WHERE state = 'published'"
    rows = await conn.execute_query_dict(
        "SELECT count(*) AS n, coalesce(sum(length(title_terms)), 0) AS t, "
        f"coalesce(sum(length(body_terms)), 0) AS b, coalesce(min(id), 0) AS low, "
        f"coalesce(max(id), 0) AS high FROM kb_item {published}"
    )
    titles = await conn.execute_query_dict(f"SELECT DISTINCT title_terms FROM kb_item {published}")
    words = frozenset(w for r in titles for w in r["title_terms"].split() if 3 <= len(w) <= 4)
    near: dict[tuple[int, str], list[str]] = {}
    for word in sorted(words):
        for i in range(len(word)):
            near.setdefault((i, word[:i] + word[i + 1:]), []).append(word)
    row = rows[0]
    found = Figures(int(row["n"]), int(row["t"]), int(row["b"]), near, words, int(row["low"]),
                    int(row["high"]))
    if epoch == _epoch[0]:  # no change was announced while counting
        _cache["figures"] = (time.monotonic() + TTL_S, found)
    return found


def corrections(text: str, unknown: list[str], figs: Figures, limit: int = 3) -> list[str]:
    """Title words one character away from a 3- or 4-character run of Han characters of
    ``text`` that holds one of the ``unknown`` terms (found in no item) and is not itself a
    title word (居往证 → 居住证); at most ``limit``."""
    found: list[str] = []
    runs = "".join(ch if "\u4e00" <= ch <= "\u9fff" else " " for ch in text).split()
    for run in runs:
        for size in (4, 3):
            for start in range(len(run) - size + 1):
                window = run[start:start + size]
                if window in figs.words or not any(u in window for u in unknown):
                    continue
                for i in range(size):
                    for word in figs.near.get((i, window[:i] + window[i + 1:]), ()):
                        if word not in found:
                            found.append(word)
                            if len(found) >= limit:
                                return found
    return found
