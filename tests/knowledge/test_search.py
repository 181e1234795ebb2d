"""Knowledge-base search through the service: segmentation, synonyms, typos, snippets, odd
queries, and the same answers on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from knowledge import lexicon, search, seed
from knowledge.segment import query_terms
from models.knowledge import KbItem

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = Path(__file__).parent / "data"


@pytest.fixture
async def sample(app: Any) -> dict[str, int]:
    """The sample items (tests/knowledge/data), loaded once: key -> id."""
    await seed.load(seed.read_items(SAMPLE / "items.json"))
    return dict(await KbItem.filter(key__startswith="t-").values_list("key", "id"))


async def top(q: str, n: int = 20) -> list[int]:
    """The ids of the first ``n`` hits (the demo data is loaded beside the sample, so a sample
    item may share the first places with demo items on the same subject)."""
    return [hit["id"] for hit in await search.search(q, limit=n)]


async def test_a_long_question_finds_its_answer_first(sample: dict[str, int]) -> None:
    assert query_terms("我想问一下孩子上学需要办居住证吗") == ("孩子", "上学", "居住", "居住证")
    # the answer is about school: the sample's policy, or the demo data's FAQ or enrolment
    # item on the same question (all loaded; their scores are close)
    demo = await KbItem.filter(key__in=["faq-migrant-child-school", "school-enrollment"])
    answers = {sample["t-policy-school"]} | {item.id for item in demo}
    hits = await top("我想问一下孩子上学需要办居住证吗")
    assert hits[0] in answers and sample["t-policy-school"] in hits[:5]


async def test_synonyms_find_the_other_words_of_the_group(sample: dict[str, int]) -> None:
    # the item says 住房公积金 and 社会保险; people say 公积金 and 社保
    assert sample["t-provident-fund-withdrawal"] in await top("公积金")
    assert sample["t-social-insurance-transfer"] in await top("社保转移")
    assert sample["t-faq-id-card-lost"] in await top("二代证丢了")


async def test_typos_of_pinyin_input_are_forgiven(sample: dict[str, int]) -> None:
    assert sample["t-residence-permit"] in await top("居往证在哪里办")  # one character off
    assert sample["t-social-insurance-transfer"] in await top("社宝转移")  # the typo table


async def test_title_hits_weigh_more_than_body_hits(sample: dict[str, int]) -> None:
    hits = await top("居住证", 50)
    assert hits.index(sample["t-residence-permit"]) < hits.index(sample["t-policy-school"])


async def test_scores_fall_and_snippets_mark_the_words(sample: dict[str, int]) -> None:
    hits = await search.search("居住证", limit=10)
    assert [h["score"] for h in hits] == sorted((h["score"] for h in hits), reverse=True)
    assert "<mark>居住证</mark>" in hits[0]["snippet"]


@pytest.mark.parametrize("q", ["", "。", "？！，", "证", "\ud800", "\x00", "居" * 2000,
                               "我" * 2000, "的了吗"])
async def test_odd_queries_answer_without_error(sample: dict[str, int], q: str) -> None:
    assert isinstance(await search.search(q), list)


def test_snippets_escape_html_before_marking() -> None:
    assert search.snippet("a <b>居住证</b> & c", ["居住证"]) == (
        "a &lt;b&gt;<mark>居住证</mark>&lt;/b&gt; &amp; c"
    )
    assert search.snippet("x" * 300, ["y"]).endswith("…")


def test_the_builtin_synonyms_hold_the_groups_the_issue_names() -> None:
    lex = lexicon.build(lexicon.builtin_synonyms(), [])
    for a, b in [("身份证", "居民身份证"), ("社保", "社会保险"), ("公积金", "住房公积金"),
                 ("营业执照", "执照")]:
        from knowledge.segment import index_text

        assert index_text(b) in lex.synonyms[index_text(a)]


def _relevance(url: str, items: Path, questions: Path) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-m", "knowledge.relevance", url, str(items), str(questions)],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
        env={k: v for k, v in os.environ.items() if not k.startswith("HOTLINE_")}
        | {"PYTHONPATH": str(ROOT)},
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return dict(json.loads(done.stdout))


def _labelled() -> tuple[Path, Path]:
    if seed.ITEMS.exists() and seed.QUESTIONS.exists():
        return seed.ITEMS, seed.QUESTIONS
    return SAMPLE / "items.json", SAMPLE / "questions.json"


def test_sqlite_and_postgresql_give_the_same_top_five(tmp_path: Path) -> None:
    """The labelled questions' top five, by key, on both databases (PostgreSQL only when
    HOTLINE_TEST_POSTGRES_URL is set; else SQLite twice, which must be deterministic)."""
    items, questions = _labelled()
    on_sqlite = _relevance(f"sqlite://{tmp_path / 'kb.sqlite3'}", items, questions)
    pg = os.environ.get("HOTLINE_TEST_POSTGRES_URL")
    other = _relevance(pg or f"sqlite://{tmp_path / 'kb2.sqlite3'}", items, questions)
    assert on_sqlite["top5"] == other["top5"]
    assert on_sqlite["mrr5"] >= 0.8
