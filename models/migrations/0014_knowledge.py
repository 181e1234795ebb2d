from tortoise import migrations
from tortoise.migrations import operations as ops
from models.knowledge import KbKind, KbState
from orjson import loads
from tortoise.fields.base import OnDelete
from tortoise.fields.data import JSON_DUMPS
from tortoise import fields
from tortoise.indexes import Index



async def _install(apps, schema_editor):
    from knowledge import fts

    await fts.install(schema_editor.client)


async def _uninstall(apps, schema_editor):
    from knowledge import fts

    await fts.uninstall(schema_editor.client)


class Migration(migrations.Migration):
    """The knowledge base, and its full-text index per database (``knowledge.fts``)."""

    dependencies = [('models', '0013_job_lease')]

    initial = False

    operations = [
        ops.CreateModel(
            name='KbItem',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('key', fields.CharField(null=True, unique=True, max_length=64)),
                ('kind', fields.CharEnumField(description='service: service\nfaq: faq\npolicy: policy', enum_type=KbKind, max_length=10)),
                ('state', fields.CharEnumField(default=KbState.draft, description='draft: draft\npublished: published\narchived: archived', enum_type=KbState, max_length=10)),
                ('title', fields.CharField(max_length=200)),
                ('body', fields.TextField(default='', unique=False)),
                ('department', fields.CharField(default='', max_length=128)),
                ('applicable', fields.TextField(default='', unique=False)),
                ('materials', fields.JSONField(default=list, encoder=JSON_DUMPS, decoder=loads)),
                ('steps', fields.JSONField(default=list, encoder=JSON_DUMPS, decoder=loads)),
                ('time_limit_legal', fields.CharField(null=True, max_length=64)),
                ('time_limit_promised', fields.CharField(null=True, max_length=64)),
                ('fee', fields.CharField(null=True, max_length=200)),
                ('online', fields.TextField(null=True, unique=False)),
                ('location', fields.TextField(null=True, unique=False)),
                ('legal_basis', fields.TextField(null=True, unique=False)),
                ('version', fields.IntField(default=1)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('updated_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('updated_by', fields.CharField(default='', max_length=64)),
                ('title_terms', fields.TextField(default='', unique=False)),
                ('body_terms', fields.TextField(default='', unique=False)),
            ],
            options={'table': 'kb_item', 'app': 'models', 'indexes': [Index(fields=['state', 'kind', 'id'])], 'pk_attr': 'id', 'table_description': 'One knowledge item, as last saved.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='KbItemVersion',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('item', fields.ForeignKeyField('models.KbItem', source_field='item_id', db_constraint=True, to_field='id', related_name='versions', on_delete=OnDelete.CASCADE)),
                ('version', fields.IntField()),
                ('action', fields.CharField(max_length=16)),
                ('state', fields.CharField(max_length=10)),
                ('data', fields.JSONField(encoder=JSON_DUMPS, decoder=loads)),
                ('editor', fields.CharField(max_length=64)),
                ('at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'kb_item_version', 'app': 'models', 'unique_together': (('item', 'version'),), 'pk_attr': 'id', 'table_description': 'One saved version of an item: every create, edit, publish, unpublish and archive.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='KbSynonym',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('terms', fields.JSONField(encoder=JSON_DUMPS, decoder=loads)),
                ('created_by', fields.CharField(max_length=64)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'kb_synonym', 'app': 'models', 'pk_attr': 'id', 'table_description': 'A group of equivalent terms added by an editor (the built-in groups are in'},
            bases=['Model'],
        ),
        ops.RunPython(_install, _uninstall),
    ]
