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


DETECT = """
import asyncio
from tortoise.cli.cli import tortoise_cli_context
from tortoise.migrations.autodetector import MigrationAutodetector
from hotline.db import TORTOISE_ORM

async def main():
    apps = {label: dict(app) for label, app in TORTOISE_ORM["apps"].items()}
    async with tortoise_cli_context(TORTOISE_ORM) as ctx:
        writers = await MigrationAutodetector(ctx.apps, apps).changes()
    for w in writers:
        print(w.app_label, [type(o).__name__ for o in w.operations])

asyncio.run(main())
"""


def test_the_migrations_match_the_models():
    """Nothing for `makemigrations` to write: e.g. the typed foreign-key ids (``unit_id: int |
    None`` beside ``unit = ForeignKeyField(...)``) are annotations only, not second columns."""
    import os
    import subprocess
    import sys

    root = Path(__file__).parent.parent.parent
    env = {k: v for k, v in os.environ.items() if not k.startswith("HOTLINE_")}
    done = subprocess.run(
        [sys.executable, "-c", DETECT], cwd=root, env=env | {"PYTHONPATH": str(root)},
        capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == "", f"models and migrations differ:\n{done.stdout}"


def test_foreign_key_ids_are_declared_for_the_type_checker():
    from tortoise import Tortoise

    for model in Tortoise.apps["models"].values():
        declared = getattr(model, "__annotations__", {})
        for fk in model._meta.fk_fields:
            assert f"{fk}_id" in declared, f"{model.__name__}.{fk}_id"
