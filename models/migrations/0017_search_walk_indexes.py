from tortoise import migrations
from tortoise.migrations import operations as ops

# PostgreSQL only (SQLite's FTS5 hands out matches in rowid order already): the indexes that
# let full-text pages walk newest first (casework.staff_search, casework.similar)
POSTGRES = (
    # the open cases' ids, newest first: similar cases' text candidates
    "CREATE INDEX IF NOT EXISTS case_search_open_id ON case_search (case_id) WHERE open",
    # a unit subtree's cases by id: staff search within a scope walks them newest first
    'CREATE INDEX IF NOT EXISTS case_unit_path_id ON "case" (unit_path, id)',
)
DROP = ("DROP INDEX IF EXISTS case_search_open_id", "DROP INDEX IF EXISTS case_unit_path_id")


async def _install(apps, schema_editor):
    client = schema_editor.client
    if client.capabilities.dialect != "sqlite":
        for sql in POSTGRES:
            await client.execute_query(sql)


async def _uninstall(apps, schema_editor):
    client = schema_editor.client
    if client.capabilities.dialect != "sqlite":
        for sql in DROP:
            await client.execute_query(sql)


class Migration(migrations.Migration):
    """Indexes for newest-first full-text pages on PostgreSQL."""

    dependencies = [('models', '0016_kb_precheck')]

    initial = False

    operations = [
        ops.RunPython(_install, _uninstall),
    ]
