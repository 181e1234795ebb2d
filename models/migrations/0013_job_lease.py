from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0012_org_admin')]

    initial = False

    operations = [
        ops.CreateModel(
            name='JobLease',
            fields=[
                ('name', fields.CharField(primary_key=True, unique=True, db_index=True, max_length=64)),
                ('holder', fields.CharField(default='', max_length=128)),
                ('until', fields.BigIntField(default=0)),
            ],
            options={'table': 'job_lease', 'app': 'models', 'pk_attr': 'name', 'table_description': 'Who runs a periodic job (``hotline.leases``): one holder until ``until`` (epoch ms).'},
            bases=['Model'],
        ),
    ]
