"""What the search knows besides the index: synonym groups, typo corrections, corpus figures.

* Synonyms: the built-in groups of ``knowledge/data/synonyms.txt`` (maintained in the repo) and
  the groups editors add (table ``kb_synonym``, ``/admin/kb/synonyms``). A query term in a group
  also finds every other term of the group.
* Typos: ``knowledge/data/typos.txt`` ("wrong right" per line) for short words, and a one-character
  correction of 3- and 4-character words against the words of the published titles (居往证 →
  居住证).
* Figures: the number of published items and the total length of their segmented title and body
  (BM25's length normalisation), and the title vocabulary.

Each process keeps these for :data:`TTL_S` seconds; a write in the process drops them at once.
Another process sees an editor's synonym or new figures within the TTL: the index itself (what
is found) is always current, only the weights lag.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tortoise.connection import get_connection

from knowledge.segment import index_text, normalise

DATA = Path(__file__).parent / "data"
TTL_S = 30.0
_cache: dict[str, tuple[float, Any]] = {}


# token -> (expiry, published items holding it): knowledge.search's counts
_counts: dict[str, tuple[float, int]] = {}
MAX_COUNTS = 50_000


def invalidate() -> None:
    _cache.clear()
    _counts.clear()


def cached_counts(phrases: list[str]) -> tuple[dict[str, int], list[str]]:
    """The counts still fresh (as long as the figures: :data:`TTL_S`), and the phrases without."""
    now = time.monotonic()
    found, missing = {}, []
    for p in dict.fromkeys(phrases):
        hit = _counts.get(p)
        if hit and hit[0] > now:
            found[p] = hit[1]
        else:
            missing.append(p)
    return found, missing


def keep_counts(counts: dict[str, int]) -> None:
    if len(_counts) + len(counts) > MAX_COUNTS:
        _counts.clear()
    expires = time.monotonic() + TTL_S
    _counts.update((p, (expires, n)) for p, n in counts.items())


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
    hit = _cache.get("figures")
    if hit and hit[0] > time.monotonic():
        return hit[1]
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
