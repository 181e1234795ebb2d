from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index


async def _install(apps, schema_editor):
    """The case search index (casework.search_index: FTS5 / tsvector + GIN), with every case
    already there indexed."""
    from casework import search_index

    await search_index.install(schema_editor.client)
    await search_index.backfill(schema_editor.client)


async def _uninstall(apps, schema_editor):
    from casework import search_index

    await search_index.uninstall(schema_editor.client)


class Migration(migrations.Migration):
    dependencies = [('models', '0014_knowledge')]

    initial = False

    operations = [
        ops.CreateModel(
            name='CaseFollow',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('case', fields.ForeignKeyField('models.Case', source_field='case_id', db_constraint=True, to_field='id', related_name='follows', on_delete=OnDelete.CASCADE)),
                ('citizen', fields.ForeignKeyField('models.Citizen', source_field='citizen_id', db_constraint=True, to_field='id', related_name='follows', on_delete=OnDelete.CASCADE)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'case_follow', 'app': 'models', 'unique_together': (('case', 'citizen'),), 'indexes': [Index(fields=['citizen_id', 'id'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='FollowerRating',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('case', fields.ForeignKeyField('models.Case', source_field='case_id', db_constraint=True, to_field='id', related_name='follower_ratings', on_delete=OnDelete.CASCADE)),
                ('citizen', fields.ForeignKeyField('models.Citizen', source_field='citizen_id', db_constraint=True, to_field='id', related_name='follower_ratings', on_delete=OnDelete.CASCADE)),
                ('round', fields.IntField()),
                ('score', fields.IntField()),
                ('comment', fields.TextField(default='', unique=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'follower_rating', 'app': 'models', 'unique_together': (('case', 'citizen', 'round'),), 'pk_attr': 'id', 'table_description': "A follower's rating of one reply round: 1 非常不满意 .. 5 非常满意."},
            bases=['Model'],
        ),
        ops.AddIndex(
            model_name='Case',
            index=Index(fields=['category_id', 'lat', 'lng']),
        ),
        ops.RunPython(_install, _uninstall),
    ]
