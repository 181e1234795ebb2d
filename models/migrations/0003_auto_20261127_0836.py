from tortoise import migrations
from tortoise.migrations import operations as ops

class Migration(migrations.Migration):
    dependencies = [('models', '0002_due_meta')]

    initial = False

    operations = [
        ops.AlterModelOptions(
            name='CaseAlert',
            options={'table': 'case_alert', 'app': 'models', 'unique_together': (('case', 'due_kind', 'due_at', 'colour'),), 'pk_attr': 'id', 'table_description': 'A reminder already sent: one per case, deadline and colour, however many workers run.'},
        ),
    ]
