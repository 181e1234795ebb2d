from tortoise import migrations
from tortoise.migrations import operations as ops


async def _install(apps, schema_editor):
    from knowledge import fts

    await fts.install_term_counts(schema_editor.client)


async def _uninstall(apps, schema_editor):
    from knowledge import fts

    await fts.uninstall_term_counts(schema_editor.client)


class Migration(migrations.Migration):
    """PostgreSQL only: per index token, the published items holding it (table ``kb_term``, kept
    by statement triggers on ``kb_item``), and no pending list on the GIN index of ``kb_item``
    (``knowledge.fts``, ``knowledge.matching``)."""

    dependencies = [('models', '0017_search_walk_indexes')]

    initial = False

    operations = [
        ops.RunPython(_install, _uninstall),
    ]
