"""The knowledge base's demo data (knowledge/data/): the items seed-demo loads, the labelled
questions the relevance benchmark scores (MRR@5, recall@5), and the synonym list. Checked with
the standard library only, so a broken data file fails here before a seed or a benchmark does."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

DATA = Path(__file__).resolve().parents[2] / "knowledge" / "data"

COMMON = ("key", "kind", "title", "department", "body")
SERVICE = (
    "applicable",
    "materials",
    "steps",
    "time_limit_legal",
    "time_limit_promised",
    "fee",
    "online",
    "location",
    "legal_basis",
)
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
HALF_WIDTH_PUNCT = re.compile(r"[,;:?!()]")  # Chinese text uses ，；：？！（）


def _items() -> list[dict]:
    return json.loads((DATA / "items.json").read_text(encoding="utf-8"))


def _questions() -> list[dict]:
    return json.loads((DATA / "questions.json").read_text(encoding="utf-8"))


def _synonym_groups() -> list[list[str]]:
    lines = (DATA / "synonyms.txt").read_text(encoding="utf-8").splitlines()
    return [line.split() for line in lines if line.strip() and not line.lstrip().startswith("#")]


def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)


def test_items_counts_and_kinds() -> None:
    items = _items()
    assert isinstance(items, list)
    assert len(items) >= 70
    kinds = Counter(item["kind"] for item in items)
    assert set(kinds) == {"service", "faq", "policy"}
    assert kinds["service"] >= 40
    assert kinds["faq"] >= 12
    assert kinds["policy"] >= 8
    assert len({item["department"] for item in items}) >= 15


def test_items_fields() -> None:
    for item in _items():
        for field in COMMON:
            value = item.get(field)
            assert isinstance(value, str) and value.strip(), (item.get("key"), field)
        assert SLUG.match(item["key"]), item["key"]
        if item["kind"] == "service":
            for field in SERVICE:
                value = item.get(field)
                if field in ("materials", "steps"):
                    assert isinstance(value, list) and value, (item["key"], field)
                    ok = all(isinstance(v, str) and v.strip() for v in value)
                    assert ok, (item["key"], field)
                else:
                    assert isinstance(value, str) and value.strip(), (item["key"], field)
        else:
            for field in SERVICE:
                value = item.get(field)
                ok = value is None or (isinstance(value, str) and value.strip())
                assert ok, (item["key"], field)
        for field, value in item.items():
            if field == "key":
                continue
            for text in _strings(value):
                assert text == text.strip() and text, (item["key"], field)
                assert not HALF_WIDTH_PUNCT.search(text), (item["key"], field, text)


def test_items_keys_and_titles_unique() -> None:
    items = _items()
    keys = [item["key"] for item in items]
    titles = [item["title"] for item in items]
    assert [k for k, n in Counter(keys).items() if n > 1] == []
    assert [t for t, n in Counter(titles).items() if n > 1] == []


def test_questions_label_existing_items() -> None:
    keys = {item["key"] for item in _items()}
    questions = _questions()
    assert len(questions) >= 160
    for q in questions:
        assert set(q) == {"q", "key"}, q
        assert isinstance(q["q"], str) and q["q"].strip(), q
        assert q["key"] in keys, q
    texts = [q["q"] for q in questions]
    assert [t for t, n in Counter(texts).items() if n > 1] == []
    covered = Counter(q["key"] for q in questions)
    assert len(covered) >= 60


def test_questions_are_not_titles() -> None:
    titles = {item["title"] for item in _items()}
    assert [q["q"] for q in _questions() if q["q"] in titles] == []


def test_synonyms() -> None:
    text = (DATA / "synonyms.txt").read_text(encoding="utf-8")
    assert text.splitlines()[0].startswith("#")
    groups = _synonym_groups()
    assert len(groups) >= 30
    for group in groups:
        assert len(group) >= 2, group
        assert len(set(group)) == len(group), group
    required = [
        ("身份证", "居民身份证"),
        ("社保", "社会保险"),
        ("公积金", "住房公积金"),
        ("营业执照", "执照"),
        ("医保", "医疗保险"),
        ("驾照", "驾驶证"),
    ]
    for a, b in required:
        assert any(a in g and b in g for g in groups), (a, b)
