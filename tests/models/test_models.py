"""Model definitions stay compatible with the migration runner."""

import ast
from pathlib import Path


def test_model_docstrings_have_no_semicolons():
    """Docstrings become table comments, and the SQLite migration editor splits SQL on ';'."""
    for path in (Path(__file__).parent.parent.parent / "models").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef):
                doc = ast.get_docstring(node) or ""
                assert ";" not in doc, f"{path.name}:{node.name}"
