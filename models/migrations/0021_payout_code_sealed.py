from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    """A manual payout's claim code, sealed, so its citizen can see it while awaiting pickup."""

    dependencies = [('models', '0020_partners_open311')]

    initial = False

    operations = [
        ops.AddField(
            model_name='RewardPayout',
            name='code_enc',
            field=fields.TextField(null=True),
        ),
    ]
