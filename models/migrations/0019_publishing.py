from tortoise import migrations
from tortoise.migrations import operations as ops
from orjson import loads
from tortoise.fields.base import OnDelete
from tortoise.fields.data import JSON_DUMPS
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    """Published results: publications of consenting cases, supervision notices (issue 19)."""

    dependencies = [('models', '0017_search_walk_indexes')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Publication',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('public_id', fields.CharField(unique=True, max_length=16)),
                ('case', fields.ForeignKeyField('models.Case', source_field='case_id', db_constraint=True, to_field='id', related_name='publications', on_delete=OnDelete.CASCADE)),
                ('kind', fields.CharField(max_length=16)),
                ('category_code', fields.CharField(max_length=32)),
                ('region_code', fields.CharField(null=True, max_length=12)),
                ('city_code', fields.CharField(null=True, max_length=6)),
                ('county_code', fields.CharField(null=True, max_length=6)),
                ('unit_name', fields.CharField(default='', max_length=128)),
                ('place', fields.CharField(default='', max_length=255)),
                ('lat', fields.FloatField(null=True)),
                ('lng', fields.FloatField(null=True)),
                ('summary', fields.TextField(unique=False)),
                ('result', fields.TextField(unique=False)),
                ('photo_ids', fields.JSONField(default=list, encoder=JSON_DUMPS, decoder=loads)),
                ('closed', fields.BooleanField(default=True)),
                ('submitted_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('published_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('published_by', fields.IntField()),
            ],
            options={'table': 'publication', 'app': 'models', 'unique_together': (('case',),), 'indexes': [Index(fields=['submitted_at', 'id']), Index(fields=['category_code', 'submitted_at', 'id']), Index(fields=['region_code', 'submitted_at', 'id']), Index(fields=['city_code', 'submitted_at', 'id']), Index(fields=['county_code', 'submitted_at', 'id']), Index(fields=['closed', 'submitted_at', 'id'])], 'pk_attr': 'id', 'table_description': 'One published case (``public_id`` is random, never the tracking number).'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='SupervisionNotice',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('unit', fields.ForeignKeyField('models.Unit', source_field='unit_id', db_constraint=True, to_field='id', related_name='supervision_notices', on_delete=OnDelete.RESTRICT)),
                ('title', fields.CharField(max_length=200)),
                ('text', fields.TextField(unique=False)),
                ('case_ids', fields.JSONField(default=list, encoder=JSON_DUMPS, decoder=loads)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('created_by', fields.IntField()),
                ('published_at', fields.DatetimeField(null=True, db_index=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'supervision_notice', 'app': 'models', 'pk_attr': 'id', 'table_description': 'A supervision notice (督办/督查通报) a supervisor wrote, public once published.'},
            bases=['Model'],
        ),
    ]
