from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0011_audit_append_only')]

    initial = False

    operations = [
        ops.AddField(
            model_name='Staff',
            name='phone_enc',
            field=fields.CharField(null=True, max_length=255),
        ),
    ]
