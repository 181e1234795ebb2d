from tortoise import migrations
from tortoise.migrations import operations as ops
from orjson import loads
from tortoise.fields.data import JSON_DUMPS
from tortoise import fields
from tortoise.indexes import Index


class Migration(migrations.Migration):
    """Answers before filing: the prechecks and their deflections (``casework.precheck``)."""

    dependencies = [('models', '0015_case_search')]

    initial = False

    operations = [
        ops.CreateModel(
            name='KbPrecheck',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('token', fields.CharField(unique=True, max_length=32)),
                ('owner', fields.CharField(max_length=40)),
                ('channel', fields.CharField(max_length=16)),
                ('kind', fields.CharField(max_length=16)),
                ('category_code', fields.CharField(max_length=32)),
                ('unit_path', fields.CharField(max_length=255)),
                ('kb_item_ids', fields.JSONField(default=list, encoder=JSON_DUMPS, decoder=loads)),
                ('similar_count', fields.IntField(default=0)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('deflected_item_id', fields.IntField(null=True)),
                ('deflected_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('case_id', fields.BigIntField(null=True)),
                ('filed_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'kb_precheck', 'app': 'models', 'indexes': [Index(fields=['created_at', 'unit_path'])], 'pk_attr': 'id', 'table_description': 'A draft shown the knowledge base before filing (``POST /cases/precheck``).'},
            bases=['Model'],
        ),
    ]
