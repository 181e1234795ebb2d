from tortoise import migrations
from tortoise.migrations import operations as ops


async def _install(apps, schema_editor):
    from audit import guard

    await guard.install(schema_editor.client)


async def _uninstall(apps, schema_editor):
    from audit import guard

    await guard.uninstall(schema_editor.client)


class Migration(migrations.Migration):
    """The database refuses UPDATE and DELETE on audit_entry (``audit.guard``)."""

    dependencies = [('models', '0010_admin_audit')]

    initial = False

    operations = [
        ops.RunPython(_install, _uninstall),
    ]
