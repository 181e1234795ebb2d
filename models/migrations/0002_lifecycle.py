from tortoise import migrations
from tortoise.migrations import operations as ops
from orjson import loads
from tortoise.fields.data import JSON_DUMPS
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0001_initial')]

    initial = False

    operations = [
        ops.AddField(
            model_name='Case',
            name='due_meta',
            field=fields.JSONField(default=dict, encoder=JSON_DUMPS, decoder=loads),
        ),
        ops.AlterModelOptions(
            name='CaseAlert',
            options={'table': 'case_alert', 'app': 'models', 'unique_together': (('case', 'due_kind', 'due_at', 'colour'),), 'pk_attr': 'id', 'table_description': 'A reminder already sent: one per case, deadline and colour, however many workers run.'},
        ),
    ]
