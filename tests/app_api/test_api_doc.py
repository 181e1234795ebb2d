"""docs/API.md and /openapi.json describe the same operations."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

DOC = Path(__file__).resolve().parents[2] / "docs" / "API.md"
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
# a table row naming an operation: | `GET /path` | ... or | `GET, POST /path` | ...
_METHOD = "(?:GET|POST|PUT|PATCH|DELETE)"
ROW = re.compile(rf"^\|\s*`({_METHOD}(?:,\s*{_METHOD})*) (/[^`\s?]*)`")
API = "/api/v1"


def _shape(path: str) -> str:
    """``/cases/{tracking_no}/rating`` and ``/cases/{no}/rating`` are one path."""
    return re.sub(r"\{[^}]+\}", "{}", path)


def documented() -> set[tuple[str, str]]:
    found = set()
    for line in DOC.read_text(encoding="utf-8").splitlines():
        m = ROW.match(line)
        if m:
            for method in re.split(r",\s*", m.group(1)):
                found.add((method, _shape(m.group(2))))
    return found


def served(app: Any) -> set[tuple[str, str]]:
    return {
        (method.upper(), _shape(path))
        for path, item in app.openapi()["paths"].items()
        for method in item
        if method.upper() in METHODS
    }


def _resolve(doc_ops: set[tuple[str, str]], real: set[tuple[str, str]]) -> set[tuple[str, str]]:
    """Doc paths are relative to /api/v1, except those the app serves at the root."""
    return {(m, p) if (m, p) in real else (m, API + p) for m, p in doc_ops}


def test_every_served_operation_is_documented(app: Any) -> None:
    real = served(app)
    doc = _resolve(documented(), real)
    assert real - doc == set(), "served but not in docs/API.md"


def test_every_documented_operation_is_served(app: Any) -> None:
    real = served(app)
    doc = _resolve(documented(), real)
    assert doc - real == set(), "in docs/API.md but not served"


def test_the_doc_names_operations_at_all() -> None:
    assert len(documented()) > 40
